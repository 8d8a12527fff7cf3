"""Shared by the nginx rule tests (NGX001-NGX003): an `nginx -T` dump (checked like the
tree it prints), an official-image templates tree, and linting a written tree."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from infradoctor.config import LintConfig
from infradoctor.engine import lint
from infradoctor.findings import Finding
from tests.conftest import write_tree

DUMP = (
    "nginx: the configuration file /etc/nginx/nginx.conf syntax is ok\n"
    "nginx: configuration file /etc/nginx/nginx.conf test is successful\n"
    "# configuration file /etc/nginx/nginx.conf:\n"
    "events {}\n"
    "http {\n"
    "    include /etc/nginx/mime.types;\n"
    "    include /etc/nginx/conf.d/*.conf;\n"
    "}\n"
    "\n"
    "# configuration file /etc/nginx/conf.d/app.conf:\n"
    "upstream be { server 127.0.0.1:8000; server 127.0.0.1:8001; keepalive 8; }\n"
    "server {\n"
    "    listen 80;\n"
    "    location / { proxy_pass http://be; }\n"
    "}\n"
)


def lint_tree(tmp_path: Path, files: Mapping[str, str]) -> tuple[list[Finding], list[str]]:
    root = write_tree(tmp_path / "t", files)
    result = lint(root, LintConfig(report_unused_suppressions=False), with_fixes=False)
    assert not [e for e in result.errors if e.kind == "internal"], result.errors
    return result.findings, [e.kind for e in result.errors]


def codes(findings: list[Finding]) -> set[str]:
    return {f.rule for f in findings if f.rule.startswith("NGX")}


TEMPLATES = {
    "compose.yaml": (
        "services:\n"
        "  nginx:\n"
        "    image: nginx:1.27\n"
        "    volumes:\n"
        "      - ./nginx/templates:/etc/nginx/templates:ro\n"
        "  api:\n"
        "    image: python:3.12-slim\n"
        "    command: gunicorn -b 0.0.0.0:5001 app:app\n"
    ),
    "nginx/templates/default.conf.template": (
        "server {\n"
        "    listen ${NGINX_PORT};\n"
        "    location /api { proxy_pass http://api:5001; include /etc/nginx/conf.d/proxy.conf; }\n"
        "}\n"
    ),
    "nginx/templates/proxy.conf.template": (
        "proxy_set_header Host $host;\nproxy_read_timeout ${T};\n"
    ),
}
