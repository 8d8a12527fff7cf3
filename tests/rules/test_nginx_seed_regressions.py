"""nginx rule regressions from the second user audit: NGX012 (undefined variables stop nginx
from starting), NGX002 naming timeouts that a route sets explicitly, and NGX002 demanding a
60 s-style read timeout on websocket routes."""

from __future__ import annotations

from pathlib import Path

import pytest

from infradoctor.config import LintConfig
from infradoctor.engine import lint
from infradoctor.findings import Finding, Severity
from infradoctor.rules.nginx.NGX012_undefined_nginx_variable import BUILTIN_VARIABLES
from tests.conftest import CORPUS, require_corpus, write_tree

CONFIG = LintConfig(report_unused_suppressions=False)

WS_NO_MAP = """\
events {
    worker_connections 1024;
}

http {
    include /etc/nginx/mime.types;

    upstream realtime_service {
        server realtime-service:8002;
    }

    server {
        listen 80;
        proxy_connect_timeout 5s;
        proxy_read_timeout 30s;

        location /ws {
            proxy_pass http://realtime_service;
            proxy_http_version 1.1;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
        }
    }
}
"""

# Every way a config can define a variable, and built-ins of several modules: nginx -t
# accepts this file (tests/fixes/test_nginx_seed_regressions.py runs it), NGX012 is silent.
DEFINED = """\
events {}
http {
    map $http_upgrade $connection_upgrade { default upgrade; '' close; }
    map $uri $section { ~^/(?<first>[a-z]+)/ $first; default root; }
    geo $internal { default 0; 10.0.0.0/8 1; }
    geo $remote_addr $office { default 0; }
    split_clients "${remote_addr}AAA" $variant { 50% a; * b; }
    log_format main '$remote_addr $request_time $upstream_response_time $request_id '
                    '$http_x_forwarded_for $sent_http_content_type $ssl_protocol $pid';
    server {
        listen 8080;
        server_name ~^(?<sub>[a-z]+)\\.example\\.com$;
        set $backend http://127.0.0.1:9000;
        location ~ ^/files/(?<file>.+)$ {
            return 200 "$file $sub $section $first $internal $office $variant";
        }
        location /r {
            rewrite ^/r/(.*)$ /x/$1 break;
            if ($args ~ "^a=(?<aval>[0-9]+)$") { return 302 /a/$aval; }
            proxy_set_header Connection $connection_upgrade;
            proxy_set_header X-Arg $arg_page;
            proxy_set_header X-C $cookie_sid;
            proxy_set_header X-F $proxy_add_x_forwarded_for;
            add_header X-U $upstream_http_x_id;
            add_header X-Real $realip_remote_addr;
            proxy_pass $backend;
        }
    }
}
"""


def _only(findings: list[Finding], rule: str) -> list[Finding]:
    return [f for f in findings if f.rule == rule]


def _lint(root: Path, files: dict[str, str]) -> list[Finding]:
    return lint(write_tree(root, files), CONFIG).findings


# ---------------------------------------------------------------- 1: NGX012


def test_undefined_connection_upgrade_is_an_error(tmp_path: Path) -> None:
    (f,) = _only(_lint(tmp_path, {"nginx.conf": WS_NO_MAP}), "NGX012")
    assert f.location.line == 21
    assert 'unknown "connection_upgrade" variable' in f.message
    assert f.data["variable"] == "connection_upgrade"
    assert f.severity is Severity.ERROR


def test_every_kind_of_definition_and_builtin_is_known(tmp_path: Path) -> None:
    assert not _only(_lint(tmp_path, {"nginx.conf": DEFINED}), "NGX012")


def test_map_in_a_conf_d_sibling_defines_it_for_all(tmp_path: Path) -> None:
    files = {
        "nginx/conf.d/00-maps.conf": (
            "map $http_upgrade $connection_upgrade { default upgrade; '' close; }\n"
        ),
        "nginx/conf.d/app.conf": (
            "server {\n    listen 80;\n    location /ws/ {\n"
            "        proxy_pass http://rt:8000;\n"
            "        proxy_set_header Connection $connection_upgrade;\n    }\n}\n"
        ),
    }
    assert not _only(_lint(tmp_path, files), "NGX012")


@pytest.mark.parametrize(
    "extra",
    [
        "include /etc/nginx/snippets/maps.conf;",  # include we cannot follow
        "set_by_lua_block $x { return 1 }",  # embedded code
        "proxy_set_header X-T ${TOKEN};",  # envsubst template
    ],
)
def test_silent_when_part_of_the_config_is_unknown(tmp_path: Path, extra: str) -> None:
    text = WS_NO_MAP.replace("listen 80;", f"listen 80;\n        {extra}")
    assert not _only(_lint(tmp_path, {"nginx.conf": text}), "NGX012")


SNIPPET_WS = (
    "server {\n    listen 80;\n    location /ws/ {\n        proxy_pass http://rt:8000;\n"
    "        proxy_set_header Connection $connection_upgrade;\n    }\n}\n"
)


@pytest.mark.parametrize(
    ("image", "reported"),
    [
        ("nginx:1.27-alpine", True),
        ("nginxinc/nginx-unprivileged:1.27", True),
        ("jwilder/nginx-proxy:1.6", False),
        ("lscr.io/linuxserver/swag", False),
    ],
)
def test_snippet_in_an_image_with_its_own_nginx_conf(
    tmp_path: Path, image: str, reported: bool
) -> None:
    files = {
        "docker-compose.yml": (
            f"services:\n  web:\n    image: {image}\n    volumes:\n"
            "      - ./nginx/conf.d:/etc/nginx/conf.d:ro\n  rt:\n    image: example/rt:1\n"
        ),
        "nginx/conf.d/app.conf": SNIPPET_WS,
    }
    assert bool(_only(_lint(tmp_path, files), "NGX012")) is reported


def test_envsubst_style_names_are_not_nginx_variables(tmp_path: Path) -> None:
    conf = "server {\n  listen 80;\n  location / {\n    proxy_pass http://$FLASK_ADDR;\n  }\n}\n"
    assert not _only(_lint(tmp_path, {"nginx/nginx.conf": conf}), "NGX012")


def test_typo_in_a_builtin_is_reported_once_per_variable(tmp_path: Path) -> None:
    conf = (
        "server {\n  listen 80;\n  location / {\n    proxy_pass http://api:8000;\n"
        "    proxy_set_header X-Real-IP $remote_adr;\n    add_header X-A $remote_adr;\n"
        "  }\n}\n"
    )
    (f,) = _only(_lint(tmp_path, {"nginx/conf.d/app.conf": conf}), "NGX012")
    assert f.data["variable"] == "remote_adr" and f.location.line == 5
    assert [r.line for r in f.related] == [6]


def test_builtin_list_holds_core_and_proxy_variables() -> None:
    for name in (
        "host",
        "request_uri",
        "proxy_add_x_forwarded_for",
        "ssl_server_name",
        "upstream_response_time",
        "realip_remote_addr",
        "http_",
    ):
        assert name in BUILTIN_VARIABLES


def test_corpus_has_no_ngx012_false_positives() -> None:
    """Every corpus finding was read: none of these projects uses an undefined variable."""
    require_corpus()
    assert not _only(lint(CORPUS, LintConfig(select=["NGX012"])).findings, "NGX012")


# ---------------------------------------------------------------- 2: NGX002 message

MICRO_TAB = """\
server {
    listen 9443 ssl http2;
    server_name api.micro-tab.ru;

    ssl_certificate /etc/letsencrypt/live/api.micro-tab.ru/fullchain.pem;
    ssl_certificate_key /etc/letsencrypt/live/api.micro-tab.ru/privkey.pem;

    location / {
        proxy_pass http://127.0.0.1:8000;
        proxy_set_header Host $host;
        proxy_read_timeout 300;
    }

    location /webhook {
        proxy_pass http://127.0.0.1:8000/webhook;
    }
}
"""


def test_ngx002_names_only_the_really_implicit_timeouts(tmp_path: Path) -> None:
    findings = _lint(tmp_path, {"deploy/nginx/api.micro-tab.ru.conf": MICRO_TAB})
    (f,) = _only(findings, "NGX002")
    assert "proxy_connect_timeout 60s (`/`)" in f.message
    assert "proxy_connect_timeout 60s and proxy_read_timeout 60s (`/webhook`)" in f.message


def test_ngx002_uniform_routes_keep_the_short_message(tmp_path: Path) -> None:
    conf = MICRO_TAB.replace("        proxy_read_timeout 300;\n", "")
    (f,) = _only(_lint(tmp_path, {"deploy/nginx/a.conf": conf}), "NGX002")
    assert "implicit proxy_connect_timeout 60s and proxy_read_timeout 60s:" in f.message


# ---------------------------------------------------------------- 3: websocket routes

WS_STACK = {
    "docker-compose.yml": (
        "services:\n"
        '  nginx:\n    image: nginx:1.25-alpine\n    ports: ["80:80"]\n'
        "    volumes:\n      - ./nginx/conf.d:/etc/nginx/conf.d:ro\n"
        "  realtime:\n    image: example/realtime:1.0\n"
        "  api:\n    image: example/api:1.0\n"
    ),
    "nginx/conf.d/app.conf": (
        "server {\n"
        "    listen 80;\n"
        "    proxy_connect_timeout 5s;\n"
        "    location /socket.io/ {\n"
        "        proxy_pass http://realtime:8002;\n"
        "        proxy_http_version 1.1;\n"
        "        proxy_set_header Upgrade $http_upgrade;\n"
        '        proxy_set_header Connection "upgrade";\n'
        "    }\n"
        "    location /events/ {\n"
        "        proxy_pass http://api:8000;\n"
        "    }\n"
        "}\n"
    ),
}


def test_ngx002_does_not_demand_a_read_timeout_on_websocket_routes(tmp_path: Path) -> None:
    (f,) = _only(_lint(tmp_path, WS_STACK), "NGX002")
    assert "`/events/`" in f.message and "`/socket.io/`" not in f.message


def test_ngx002_still_wants_connect_timeout_on_websocket_routes(tmp_path: Path) -> None:
    files = dict(WS_STACK)
    files["nginx/conf.d/app.conf"] = files["nginx/conf.d/app.conf"].replace(
        "    proxy_connect_timeout 5s;\n", ""
    )
    (f,) = _only(_lint(tmp_path, files), "NGX002")
    assert "proxy_connect_timeout 60s (`/socket.io/`)" in f.message
