"""XF007 websocket-route-without-upgrade: its tests, gathered from the rule test modules by rule code."""

from __future__ import annotations

from pathlib import Path

import pytest

from infradoctor.cli.main import main
from infradoctor.config import LintConfig
from infradoctor.engine import lint
from tests.rules.cross._topology_support import NGINX, Tree, codes, loc, run, site


def test_websocket_headers_inherited_from_server_level(tree: Tree) -> None:
    compose = "services:\n" + NGINX + "  realtime:\n    image: example/rt:1\n"
    good = (
        "server {\n    listen 80;\n    proxy_http_version 1.1;\n"
        "    proxy_set_header Upgrade $http_upgrade;\n"
        '    proxy_set_header Connection "upgrade";\n'
        + loc("/ws/", "http://realtime:8000")
        + "\n}\n"
    )
    assert run(tree, {"docker-compose.yml": compose, "nginx/conf.d/site.conf": good}, "XF007") == []
    by_service = site(loc("/", "http://realtime:8000"))
    [f] = run(tree, {"docker-compose.yml": compose, "nginx/conf.d/site.conf": by_service}, "XF007")
    assert f.data["target_service"] == "realtime"


def test_unresolved_include_silences_directive_checks(tree: Tree) -> None:
    compose = "services:\n" + NGINX + "  realtime:\n    image: example/rt:1\n"
    missing = site(loc("/ws/", "http://realtime:8000", "include proxy_ws.conf;"))
    assert (
        run(tree, {"docker-compose.yml": compose, "nginx/conf.d/site.conf": missing}, "XF007") == []
    )
    spliced = {
        "docker-compose.yml": compose,
        "nginx/conf.d/site.conf": site(
            loc("/ws/", "http://realtime:8000", "include snippets/common.inc;")
        ),
        "nginx/conf.d/snippets/common.inc": "proxy_set_header Host $host;\n",
    }
    assert codes(run(tree, spliced, "XF007")) == ["XF007"]


# ---------------------------------------------------------------- fuzz: a header set twice

DOUBLE = "server{location ws{proxy_pass t;proxy_set_header Upgrade;proxy_set_header upgrade $;}}"
SINGLE = "server { location /ws { proxy_pass http://t; proxy_set_header Upgrade $x; } }\n"


def test_a_header_set_twice_gets_no_websocket_fix(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Fuzz round 7 (seed 2037, input #39413): `proxy_set_header Upgrade` set twice; the
    XF007 fix replaced one, the other still sent the wrong value and the re-lint guard
    refused the fix as a fixer bug. Which one the user meant is not ours to guess: no fix."""
    (tmp_path / "nginx.conf").write_text(DOUBLE)
    result = lint(tmp_path, LintConfig(), with_fixes=True)
    xf007 = [f for f in result.findings if f.rule == "XF007"]
    assert xf007 and all(f.fix is None for f in xf007)
    main(["fix", "--unsafe", str(tmp_path)])
    assert "please report" not in capsys.readouterr().err
    assert "upgrade $;" in (tmp_path / "nginx.conf").read_text()


def test_a_header_set_once_is_still_fixed(tmp_path: Path) -> None:
    """The guard above stays narrow: a header set once is still fixed."""
    (tmp_path / "nginx.conf").write_text(SINGLE)
    main(["fix", str(tmp_path)])
    text = (tmp_path / "nginx.conf").read_text()
    assert "proxy_set_header Upgrade $http_upgrade;" in text
    assert not [f for f in lint(tmp_path, LintConfig()).findings if f.rule == "XF007"]
