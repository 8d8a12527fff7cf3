"""NGX002 proxy-timeouts-implicit: its tests, gathered from the rule test modules by rule code."""

from __future__ import annotations

from pathlib import Path

from infradoctor.config import LintConfig
from infradoctor.engine import lint
from tests.nginxbin import nginx_t
from tests.rules.nginx._fix_support import fix_tree, location_block, second_run_changes_nothing
from tests.rules.nginx._rules_support import conf, run
from tests.rules.nginx._tree_support import codes, lint_tree
from tests.rules.nginx._variables_support import MICRO_TAB, WS_STACK, _lint, _only


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


def test_ngx002_partial_timeouts_and_grouping(tmp_path: Path) -> None:
    found = run(
        tmp_path,
        "NGX002",
        conf(
            "server {\n listen 80;\n proxy_read_timeout 30s;\n"
            " location /a { proxy_pass http://a:1; }\n"
            " location /b { proxy_pass http://b:2; }\n"
            " location /c { proxy_connect_timeout 2s; proxy_pass http://c:3; }\n}\n"
        ),
    )
    assert len(found) == 1
    f = found[0]
    assert f.location.line == 4
    assert "proxy_connect_timeout 60s" in f.message and "proxy_read_timeout" not in f.message
    assert f.data["missing"] == ["proxy_connect_timeout"]
    assert f.data["paths"] == ["/a", "/b"]
    assert [r.line for r in f.related] == [5]
    assert f.data["block"] == "server"


def test_ngx002_fastcgi_uses_fastcgi_timeouts(tmp_path: Path) -> None:
    found = run(
        tmp_path,
        "NGX002",
        conf(
            "server { location ~ \\.php$ { fastcgi_read_timeout 30s; fastcgi_pass php:9000; } }\n"
        ),
    )
    assert len(found) == 1 and found[0].data["missing"] == ["fastcgi_connect_timeout"]


def test_ngx002_inherited_from_nginx_conf_through_include(tmp_path: Path) -> None:
    assert (
        run(
            tmp_path,
            "NGX002",
            {
                "nginx/nginx.conf": (
                    "events {}\nhttp {\n proxy_connect_timeout 5s;\n"
                    " proxy_read_timeout 60s;\n include /etc/nginx/conf.d/*.conf;\n}\n"
                ),
                "nginx/conf.d/app.conf": "server { location / { proxy_pass http://api:8000; } }\n",
            },
        )
        == []
    )


def test_ngx002_names_only_the_really_implicit_timeouts(tmp_path: Path) -> None:
    findings = _lint(tmp_path, {"deploy/nginx/api.micro-tab.ru.conf": MICRO_TAB})
    (f,) = _only(findings, "NGX002")
    assert "proxy_connect_timeout 60s (`/`)" in f.message
    assert "proxy_connect_timeout 60s and proxy_read_timeout 60s (`/webhook`)" in f.message


def test_ngx002_uniform_routes_keep_the_short_message(tmp_path: Path) -> None:
    conf = MICRO_TAB.replace("        proxy_read_timeout 300;\n", "")
    (f,) = _only(_lint(tmp_path, {"deploy/nginx/a.conf": conf}), "NGX002")
    assert "implicit proxy_connect_timeout 60s and proxy_read_timeout 60s:" in f.message


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


# ---------------------------------------------------------------- the NGX002 fix and websockets

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


def test_timeout_fix_gives_websocket_routes_long_timeouts(tmp_path: Path) -> None:
    """Second user audit: the NGX002 fix pinned websocket routes at 60 s, cutting every
    idle socket after a minute; websocket locations now get 3600 s, the rest 60 s."""
    root = tmp_path / "s"
    fix_tree(root, {"nginx/conf.d/app.conf": WS_SERVER}, ["NGX002"])
    text = (root / "nginx/conf.d/app.conf").read_text()
    server_level = text[text.index("server {") : text.index("location")]
    assert "proxy_read_timeout 60s;" in server_level
    for path in ("/socket.io/", "/ws/"):
        block = location_block(text, path)
        assert "proxy_read_timeout 3600s;" in block and "proxy_send_timeout 3600s;" in block
    assert "timeout" not in location_block(text, "/api/")
    nginx_t(text, tmp_path / "t")
    assert not _only(lint(root, LintConfig(report_unused_suppressions=False)).findings, "NGX002")
    second_run_changes_nothing(root, ["NGX002"])
