"""nginx rules NGX001-NGX011 beyond their examples: inheritance, snippets, system includes,
templates, grouping, the data fixers read, and the quiet cases (no false positives)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from infradoctor.config import LintConfig
from infradoctor.engine import lint
from infradoctor.findings import Finding
from tests.conftest import write_tree


def run(tmp_path: Path, code: str, files: Mapping[str, str]) -> list[Finding]:
    root = write_tree(tmp_path / "t", files)
    result = lint(
        root, LintConfig(select=[code], report_unused_suppressions=False), with_fixes=False
    )
    assert not [e for e in result.errors if e.kind == "internal"], result.errors
    return [f for f in result.findings if f.rule == code]


def conf(body: str) -> dict[str, str]:
    return {"nginx/conf.d/app.conf": body}


def main_conf(http_body: str) -> dict[str, str]:
    return {"nginx.conf": "events {}\nhttp {\n" + http_body + "\n}\n"}


# ---------------------------------------------------------------- NGX001


# ---------------------------------------------------------------- NGX002


# ---------------------------------------------------------------- NGX003


# ---------------------------------------------------------------- NGX004


# ---------------------------------------------------------------- NGX005


# ---------------------------------------------------------------- NGX006


# ---------------------------------------------------------------- NGX007


# ---------------------------------------------------------------- NGX008


# ---------------------------------------------------------------- NGX009


# ---------------------------------------------------------------- NGX010


# ---------------------------------------------------------------- NGX011


UPSTREAM = "upstream api { server api:8000; keepalive 32; }\n"


# ---------------------------------------------------------------- conf.d siblings

SIBLING_DEFAULTS = (
    "server_tokens off;\n"
    "proxy_connect_timeout 5s;\n"
    "proxy_read_timeout 30s;\n"
    "client_max_body_size 20m;\n"
    "resolver 127.0.0.11 valid=10s;\n"
    "proxy_http_version 1.1;\n"
    "proxy_set_header Host $host;\n"
    "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n"
    "proxy_set_header X-Forwarded-Proto $scheme;\n"
    'proxy_set_header Connection "";\n'
)
SIBLING_APP = (
    "upstream api { server api:8000; keepalive 8; }\n"
    "server { listen 80;\n"
    " location /upload { proxy_pass http://api; }\n"
    " location /x { set $b web; proxy_pass http://$b:8000; } }\n"
)
