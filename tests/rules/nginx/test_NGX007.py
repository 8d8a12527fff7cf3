"""NGX007 proxy-header-inheritance-lost: its tests, gathered from the rule test modules by rule code."""

from __future__ import annotations

from pathlib import Path

from tests.rules.nginx._rules_support import conf, run


def test_ngx007_quiet_without_outer_headers_or_proxy(tmp_path: Path) -> None:
    assert (
        run(
            tmp_path,
            "NGX007",
            conf("server { location / { proxy_set_header Host $host; proxy_pass http://a:1; } }\n"),
        )
        == []
    )
    assert (
        run(
            tmp_path / "b",
            "NGX007",
            conf(
                "server { proxy_set_header Host $host;\n"
                " location /x { proxy_set_header X-Y 1; return 204; } }\n"
            ),
        )
        == []
    )


def test_ngx007_proxy_params_outer_level(tmp_path: Path) -> None:
    found = run(
        tmp_path,
        "NGX007",
        conf(
            "server { include proxy_params;\n"
            " location /ws { proxy_set_header Upgrade $http_upgrade;\n"
            " proxy_set_header Connection upgrade; proxy_pass http://rt:1; } }\n"
        ),
    )
    assert len(found) == 1
    assert found[0].data["lost"] == ["Host", "X-Real-IP", "X-Forwarded-For", "X-Forwarded-Proto"]
