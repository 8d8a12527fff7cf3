"""NGX009 add-header-inheritance-lost: its tests, gathered from the rule test modules by rule code."""

from __future__ import annotations

from pathlib import Path

from tests.rules.nginx._rules_support import conf, run


def test_ngx009_merge_and_quiet_cases(tmp_path: Path) -> None:
    base = (
        "server {{ add_header X-Frame-Options DENY;\n{extra}"
        " location /s {{ add_header Cache-Control public; }}\n"
        " location /t {{ root /srv; }} }}\n"
    )
    assert run(tmp_path, "NGX009", conf(base.format(extra=" add_header_inherit merge;\n"))) == []
    found = run(tmp_path / "b", "NGX009", conf(base.format(extra="")))
    assert len(found) == 1
    assert found[0].data["lost"] == ["X-Frame-Options"]
    assert found[0].location.line == 2


def test_ngx009_if_block_with_return_is_quiet(tmp_path: Path) -> None:
    assert (
        run(
            tmp_path,
            "NGX009",
            conf(
                "server { location / { add_header Cache-Control public;\n"
                " if ($request_method = OPTIONS) { add_header Access-Control-Allow-Origin *;\n"
                " return 204; } root /srv; } }\n"
            ),
        )
        == []
    )


def test_ngx009_if_block_loses_location_headers(tmp_path: Path) -> None:
    found = run(
        tmp_path,
        "NGX009",
        conf(
            "server { location / { add_header X-A 1;\n"
            " if ($arg_x) { add_header X-B 2; } root /srv; } }\n"
        ),
    )
    assert len(found) == 1 and found[0].data["lost"] == ["X-A"]
