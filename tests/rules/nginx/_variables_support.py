"""Configs shared by the NGX012 (undefined variables) and NGX002 (websocket timeouts)
tests: a websocket route using $connection_upgrade with and without its map, and stacks
whose routes set some timeouts explicitly."""

from __future__ import annotations

from pathlib import Path

from infradoctor.config import LintConfig
from infradoctor.engine import lint
from infradoctor.findings import Finding
from tests.conftest import write_tree

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


SNIPPET_WS = (
    "server {\n    listen 80;\n    location /ws/ {\n        proxy_pass http://rt:8000;\n"
    "        proxy_set_header Connection $connection_upgrade;\n    }\n}\n"
)


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
