"""NGX003 forwarded-headers-missing: its tests, gathered from the rule test modules by rule code."""

from __future__ import annotations

from pathlib import Path

from infradoctor.config import LintConfig
from infradoctor.engine import lint
from tests.nginxbin import nginx_t
from tests.rules.nginx._fix_support import fix_tree, location_block, second_run_changes_nothing
from tests.rules.nginx._rules_support import conf, run
from tests.rules.nginx._tree_support import TEMPLATES, lint_tree


def test_official_image_template_include_is_followed(tmp_path: Path) -> None:
    findings, errors = lint_tree(tmp_path, TEMPLATES)
    assert "include-missing" not in errors
    by_rule = {f.rule: f for f in findings}
    # The snippet sets Host and the read timeout: only the rest is reported.
    assert "X-Forwarded-For" in by_rule["NGX003"].message
    assert "Host" not in by_rule["NGX003"].message.split(" without ")[1].split(":")[0]
    assert by_rule["NGX002"].data["missing"] == ["proxy_connect_timeout"]


def test_ngx003_external_host_does_not_need_host(tmp_path: Path) -> None:
    found = run(
        tmp_path,
        "NGX003",
        conf(
            "server { location /gh/ { proxy_set_header X-Forwarded-For $remote_addr;\n"
            " proxy_set_header X-Forwarded-Proto $scheme; proxy_pass https://api.github.com/; } }\n"
        ),
    )
    assert found == []


def test_ngx003_lost_headers_are_ngx007_not_ngx003(tmp_path: Path) -> None:
    files = conf(
        "server {\n proxy_set_header Host $host;\n"
        " proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n"
        " proxy_set_header X-Forwarded-Proto $scheme;\n"
        " location /ws { proxy_set_header Upgrade $http_upgrade; proxy_pass http://rt:1; }\n}\n"
    )
    assert run(tmp_path, "NGX003", files) == []
    lost = run(tmp_path / "b", "NGX007", files)
    assert len(lost) == 1
    assert lost[0].data["lost"] == ["Host", "X-Forwarded-For", "X-Forwarded-Proto"]
    assert lost[0].location.line == 5


def test_ngx003_reports_missing_subset_with_insert_data(tmp_path: Path) -> None:
    found = run(
        tmp_path,
        "NGX003",
        conf(
            "server {\n proxy_set_header Host $host;\n location / { proxy_pass http://web:8000; }\n}\n"
        ),
    )
    assert len(found) == 1
    f = found[0]
    assert f.data["missing"] == ["X-Forwarded-For", "X-Forwarded-Proto"]
    assert f.data["insert"][0].startswith("proxy_set_header X-Forwarded-For")
    assert f.data["block"] == "server"  # the level that defines the headers in effect
    assert "Host" not in f.message.split("without")[1]


def test_ngx003_debian_proxy_params_in_server(tmp_path: Path) -> None:
    assert (
        run(
            tmp_path,
            "NGX003",
            conf("server { include proxy_params; location / { proxy_pass http://web:8000; } }\n"),
        )
        == []
    )


def test_ngx003_non_proxy_passes_ignored(tmp_path: Path) -> None:
    assert (
        run(
            tmp_path,
            "NGX003",
            conf("server { location / { fastcgi_pass php:9000; include fastcgi_params; } }\n"),
        )
        == []
    )


# ---------------------------------------------------------------- the NGX003 fix, once per route

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
    """Second user audit: the NGX003 fix added headers at server level that routes with
    their own proxy_set_header never inherit (NGX007), or twice; now each route gets each
    missing header exactly once, and nginx -t passes."""
    root = tmp_path / "s"
    fix_tree(root, {"nginx/nginx.conf": CANVAS}, ["NGX003"])
    text = (root / "nginx/nginx.conf").read_text()
    server_level = text[text.index("server_name _;") : text.index("location / {")]
    assert "proxy_set_header" not in server_level
    for path in ("/api/events", "/ws", "/admin/"):
        block = location_block(text, path)
        for header in ("Host", "X-Forwarded-For", "X-Forwarded-Proto"):
            assert block.count(f"proxy_set_header {header} ") == 1, (path, header)
    assert text.count("X-Forwarded-For") == 3
    nginx_t(text, tmp_path / "t")
    after = lint(root, LintConfig(report_unused_suppressions=False)).findings
    assert not [f for f in after if f.rule in ("NGX003", "NGX007")]
    second_run_changes_nothing(root, ["NGX003"])
