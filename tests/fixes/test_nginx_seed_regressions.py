"""nginx fix regressions from the second user audit: the NGX012 map fix, NGX002 no longer
pinning websocket routes at 60 s, NGX003 adding each header in one place. Every fixed
config must pass a real `nginx -t` (skipped where nginx is not installed)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from infradoctor.config import LintConfig
from infradoctor.engine import lint
from infradoctor.findings import Finding
from infradoctor.fixes.apply import run_fixes
from tests.conftest import write_tree
from tests.rules.nginx.test_nginx_variables import DEFINED, WS_NO_MAP

CONFIG = LintConfig(report_unused_suppressions=False)
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)


def _only(findings: list[Finding], rule: str) -> list[Finding]:
    return [f for f in findings if f.rule == rule]


def nginx_t(conf: str, work: Path) -> str:
    """Run `nginx -t` on `conf` (a full nginx.conf or a conf.d snippet, wrapped in http{})
    with every upstream host replaced by 127.0.0.1 (no DNS) and mime.types inlined. Returns
    nginx's output; raises AssertionError when the test fails."""
    if NGINX is None:
        pytest.skip("nginx not installed")
    text = re.sub(r"(\bserver\s+)[A-Za-z][\w.-]*(:\d+)", r"\g<1>127.0.0.1\2", conf)
    text = re.sub(r"(https?://)[A-Za-z][\w.-]*(:\d+)", r"\g<1>127.0.0.1\2", text)
    text = text.replace("include /etc/nginx/mime.types;", "")
    if not re.search(r"^\s*http\s*\{", text, re.M):
        text = f"events {{}}\nhttp {{\n{text}\n}}\n"
    work.mkdir(parents=True, exist_ok=True)
    (work / "logs").mkdir(exist_ok=True)
    text = text.replace("/var/log/nginx/", f"{work}/logs/")
    (work / "nginx.conf").write_text(text)
    proc = subprocess.run(
        [
            NGINX,
            "-t",
            "-q",
            "-p",
            str(work),
            "-c",
            str(work / "nginx.conf"),
            "-g",
            f"pid {work}/nginx.pid; error_log {work}/logs/error.log;",
        ],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    return out


def _fix(root: Path, files: dict[str, str], select: list[str]) -> None:
    write_tree(root, files)
    run_fixes(root, LintConfig(select=select, report_unused_suppressions=False))


def _second_run_changes_nothing(root: Path, select: list[str]) -> None:
    before = {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}
    run_fixes(root, LintConfig(select=select, report_unused_suppressions=False))
    assert before == {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}


# ---------------------------------------------------------------- 1: NGX012


def test_nginx_rejects_the_undefined_variable_and_the_defined_config_passes(
    tmp_path: Path,
) -> None:
    with pytest.raises(AssertionError, match='unknown "connection_upgrade" variable'):
        nginx_t(WS_NO_MAP, tmp_path / "bad")
    nginx_t(DEFINED, tmp_path / "good")


def test_connection_upgrade_gets_the_standard_map(tmp_path: Path) -> None:
    root = tmp_path / "s"
    _fix(root, {"nginx.conf": WS_NO_MAP}, ["NGX012"])
    text = (root / "nginx.conf").read_text()
    assert text.count("map $http_upgrade $connection_upgrade {") == 1
    assert text.index("map $http_upgrade") < text.index("upstream realtime_service")
    nginx_t(text, tmp_path / "t")
    assert not _only(lint(root, CONFIG).findings, "NGX012")
    _second_run_changes_nothing(root, ["NGX012"])


def test_map_goes_to_the_first_conf_d_snippet_once(tmp_path: Path) -> None:
    snippet = (
        "server {\n    listen 80;\n    location /ws/ {\n        proxy_pass http://rt:8000;\n"
        "        proxy_http_version 1.1;\n        proxy_set_header Upgrade $http_upgrade;\n"
        "        proxy_set_header Connection $connection_upgrade;\n    }\n}\n"
    )
    root = tmp_path / "s"
    files = {"nginx/conf.d/a.conf": snippet, "nginx/conf.d/b.conf": snippet.replace("80", "81")}
    _fix(root, files, ["NGX012"])
    a = (root / "nginx/conf.d/a.conf").read_text()
    b = (root / "nginx/conf.d/b.conf").read_text()
    assert a.count("map $http_upgrade") == 1 and "map $http_upgrade" not in b
    nginx_t(a + b, tmp_path / "t")
    assert not _only(lint(root, CONFIG).findings, "NGX012")


def test_other_undefined_variables_get_no_fix(tmp_path: Path) -> None:
    conf = WS_NO_MAP.replace("$connection_upgrade", "$conn_up")
    (f,) = _only(lint(write_tree(tmp_path, {"nginx.conf": conf}), CONFIG).findings, "NGX012")
    assert f.fix is None


# ---------------------------------------------------------------- 3: NGX002 and websockets

WS_SERVER = """\
upstream realtime_up {
    server realtime:8002;
    keepalive 8;
}

server {
    listen 80;

    location /socket.io/ {
        proxy_pass http://realtime_up;
        proxy_http_version 1.1;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection "upgrade";
    }

    location /ws/ {
        # realtime websocket (events stream)
        proxy_pass http://realtime:8002;
    }

    location /api/ {
        proxy_pass http://api:8000;
    }
}
"""


def _location(text: str, path: str) -> str:
    start = text.index(f"location {path} {{")
    return text[start : text.index("}", start)]


def test_timeout_fix_gives_websocket_routes_long_timeouts(tmp_path: Path) -> None:
    root = tmp_path / "s"
    _fix(root, {"nginx/conf.d/app.conf": WS_SERVER}, ["NGX002"])
    text = (root / "nginx/conf.d/app.conf").read_text()
    server_level = text[text.index("server {") : text.index("location")]
    assert "proxy_read_timeout 60s;" in server_level
    for path in ("/socket.io/", "/ws/"):
        block = _location(text, path)
        assert "proxy_read_timeout 3600s;" in block and "proxy_send_timeout 3600s;" in block
    assert "timeout" not in _location(text, "/api/")
    nginx_t(text, tmp_path / "t")
    assert not _only(lint(root, CONFIG).findings, "NGX002")
    _second_run_changes_nothing(root, ["NGX002"])


# ---------------------------------------------------------------- 4: NGX003 once per route

CANVAS = """\
worker_processes auto;

events {
    worker_connections 1024;
}

http {
    include       /etc/nginx/mime.types;

    upstream event_store {
        server event-store:8000;
    }

    upstream realtime_service {
        server realtime-service:8002;
    }

    upstream admin_service {
        server admin-service:8004;
    }

    server {
        listen 80;
        server_name _;

        location / {
            root /usr/share/nginx/html;
            try_files $uri /index.html;
        }

        location /api/events {
            proxy_pass http://event_store;
            proxy_set_header Host $host;
            proxy_set_header X-Real-IP $remote_addr;
        }

        # websocket
        location /ws {
            proxy_pass http://realtime_service;
            proxy_http_version 1.1;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection "upgrade";
            proxy_set_header Host $host;
        }

        location /admin/ {
            proxy_pass http://admin_service/;
        }
    }
}
"""


def test_forwarded_headers_fix_adds_each_header_in_one_place(tmp_path: Path) -> None:
    root = tmp_path / "s"
    _fix(root, {"nginx/nginx.conf": CANVAS}, ["NGX003"])
    text = (root / "nginx/nginx.conf").read_text()
    server_level = text[text.index("server_name _;") : text.index("location / {")]
    assert "proxy_set_header" not in server_level
    for path in ("/api/events", "/ws", "/admin/"):
        block = _location(text, path)
        for header in ("Host", "X-Forwarded-For", "X-Forwarded-Proto"):
            assert block.count(f"proxy_set_header {header} ") == 1, (path, header)
    assert text.count("X-Forwarded-For") == 3
    nginx_t(text, tmp_path / "t")
    after = lint(root, CONFIG).findings
    assert not _only(after, "NGX003") and not _only(after, "NGX007")
    _second_run_changes_nothing(root, ["NGX003"])
