"""Regressions from the acceptance audit of the nginx rules: `nginx -T` dumps are checked
like the tree they print, official-image templates are followed, and grouped messages name
each route's own target."""

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


def test_nginx_t_dump_is_checked_like_the_tree(tmp_path: Path) -> None:
    tree = {
        "nginx/nginx.conf": DUMP.split("# configuration file /etc/nginx/nginx.conf:\n")[1]
        .split("# configuration file")[0]
        .replace("/etc/nginx/mime.types", "mime.types"),
        "nginx/conf.d/app.conf": DUMP.split("conf.d/app.conf:\n")[1],
    }
    from_tree, _ = lint_tree(tmp_path / "tree", tree)
    from_dump, errors = lint_tree(tmp_path / "dump", {"nginx-T.txt": DUMP})
    assert errors == []
    assert {"NGX001", "NGX002", "NGX003", "NGX011"} <= codes(from_tree)
    assert codes(from_dump) == codes(from_tree)
    assert all(f.location.file == "nginx-T.txt" for f in from_dump)


def test_nginx_t_dump_missing_member_keeps_rules_quiet(tmp_path: Path) -> None:
    """An include of a file the (trimmed) dump does not hold may set anything."""
    dump = (
        "# configuration file /etc/nginx/nginx.conf:\n"
        "events {}\nhttp {\n server_tokens off;\n server { listen 80;\n"
        "  include /etc/nginx/snippets/proxy.conf;\n"
        "  location /health { return 200; }\n"
        "  location / { proxy_pass http://app:8000; } } }\n"
    )
    findings, errors = lint_tree(tmp_path, {"nginx-T.txt": dump})
    assert errors == []
    assert codes(findings) & {"NGX002", "NGX003"} == set()


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


def test_official_image_template_include_is_followed(tmp_path: Path) -> None:
    findings, errors = lint_tree(tmp_path, TEMPLATES)
    assert "include-missing" not in errors
    by_rule = {f.rule: f for f in findings}
    # The snippet sets Host and the read timeout: only the rest is reported.
    assert "X-Forwarded-For" in by_rule["NGX003"].message
    assert "Host" not in by_rule["NGX003"].message.split(" without ")[1].split(":")[0]
    assert by_rule["NGX002"].data["missing"] == ["proxy_connect_timeout"]


def test_ngx002_message_names_each_routes_own_target(tmp_path: Path) -> None:
    files = {
        "nginx/conf.d/app.conf": (
            "server {\n"
            "    listen 80;\n"
            "    location /g/ { grpc_pass grpc://grpcsvc:50051; }\n"
            "    location ~ \\.php$ { fastcgi_pass php:9001; }\n"
            "    location /a/ { fastcgi_pass php:9001; }\n"
            "}\n"
        )
    }
    findings, _ = lint_tree(tmp_path, files)
    (ngx002,) = [f for f in findings if f.rule == "NGX002"]
    msg = ngx002.message
    assert "`/g/` to `grpc://grpcsvc:50051`" in msg, msg
    assert "`/a/`, `~ \\.php$` to `php:9001`" in msg, msg
    assert "`/g/`, " not in msg, msg
