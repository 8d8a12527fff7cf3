"""NGX006 health-location-missing: its tests, gathered from the rule test modules by rule code."""

from __future__ import annotations

from pathlib import Path

from tests.rules.nginx._rules_support import conf, run


def test_ngx006_quiet_cases(tmp_path: Path) -> None:
    # stub_status counts as a health location
    assert (
        run(
            tmp_path,
            "NGX006",
            conf(
                "server { location /nginx_status { stub_status; }\n"
                " location / { proxy_pass http://web:1; } }\n"
            ),
        )
        == []
    )
    # PHP-FPM only, and static-only servers are not checked
    assert (
        run(
            tmp_path / "b",
            "NGX006",
            conf(
                "server { location ~ \\.php$ { fastcgi_pass php:9000; } }\n"
                "server { listen 81; location / { root /srv; } }\n"
            ),
        )
        == []
    )


def test_ngx006_once_per_config(tmp_path: Path) -> None:
    found = run(
        tmp_path,
        "NGX006",
        conf(
            "server { listen 80; location / { proxy_pass http://a:1; } }\n"
            "server { listen 81; location / { proxy_pass http://b:1; } }\n"
        ),
    )
    assert len(found) == 1 and found[0].location.line == 1
    assert "1 other proxying servers" in found[0].message
