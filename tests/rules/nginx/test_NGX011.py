"""NGX011 upstream-keepalive-ineffective: its tests, gathered from the rule test modules by rule code."""

from __future__ import annotations

from pathlib import Path

from tests.rules.nginx._rules_support import UPSTREAM, conf, run


def test_ngx011_connection_header_still_close(tmp_path: Path) -> None:
    found = run(
        tmp_path,
        "NGX011",
        conf(
            UPSTREAM + "server { location / { proxy_http_version 1.1; proxy_pass http://api; } }\n"
        ),
    )
    assert len(found) == 1
    f = found[0]
    assert "Connection: close" in f.message and "HTTP/1.0" not in f.message
    assert f.data["upstream"] == "api"
    assert f.data["missing"] == ['proxy_set_header Connection "";']
    assert f.related and f.related[0].line == 1


def test_ngx011_websocket_map_close_vs_empty(tmp_path: Path) -> None:
    body = (
        "map $http_upgrade $connection_upgrade { default upgrade; '' VALUE; }\n"
        + UPSTREAM
        + "server { location / { proxy_http_version 1.1;\n"
        " proxy_set_header Upgrade $http_upgrade;\n"
        " proxy_set_header Connection $connection_upgrade; proxy_pass http://api; } }\n"
    )
    assert len(run(tmp_path, "NGX011", conf(body.replace("VALUE", "close")))) == 1
    assert run(tmp_path / "b", "NGX011", conf(body.replace("VALUE", "''"))) == []


def test_ngx011_header_block_is_the_defining_level(tmp_path: Path) -> None:
    files = conf(
        UPSTREAM + "server {\n proxy_set_header Host $host;\n"
        " location / { proxy_http_version 1.1; proxy_pass http://api; }\n}\n"
    )
    found = run(tmp_path, "NGX011", files)
    assert len(found) == 1
    text = files["nginx/conf.d/app.conf"]
    # Connection must be added where Host is set (the server), not in the location
    assert text[found[0].data["header_block_close"] :] == "}\n"


def test_ngx011_fastcgi_keep_conn_and_no_keepalive(tmp_path: Path) -> None:
    found = run(
        tmp_path,
        "NGX011",
        conf(
            "upstream php { server php:9000; keepalive 8; }\n"
            "server { location ~ \\.php$ { fastcgi_pass php; } }\n"
        ),
    )
    assert len(found) == 1 and found[0].data["missing"] == ["fastcgi_keep_conn on;"]
    assert (
        run(
            tmp_path / "b",
            "NGX011",
            conf(
                "upstream api { server api:8000; }\nserver { location / { proxy_pass http://api; } }\n"
            ),
        )
        == []
    )
