"""Fuzz round 7 (seed 2037, input #39413): a websocket location setting
`proxy_set_header Upgrade` twice (`Upgrade;` and `upgrade $;`). The XF007 fix replaced
the first, the second still sent the wrong value, and the re-lint guard refused the fix
as a fixer bug. A block that sets a header the fix manages more than once gets no fix:
which one the user meant is not ours to guess."""

from __future__ import annotations

from pathlib import Path

import pytest

from infradoctor.cli.main import main
from infradoctor.config import LintConfig
from infradoctor.engine import lint

DOUBLE = "server{location ws{proxy_pass t;proxy_set_header Upgrade;proxy_set_header upgrade $;}}"
SINGLE = "server { location /ws { proxy_pass http://t; proxy_set_header Upgrade $x; } }\n"


def test_a_header_set_twice_gets_no_websocket_fix(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "nginx.conf").write_text(DOUBLE)
    result = lint(tmp_path, LintConfig(), with_fixes=True)
    xf007 = [f for f in result.findings if f.rule == "XF007"]
    assert xf007 and all(f.fix is None for f in xf007)
    main(["fix", "--unsafe", str(tmp_path)])
    assert "please report" not in capsys.readouterr().err
    assert "upgrade $;" in (tmp_path / "nginx.conf").read_text()


def test_a_header_set_once_is_still_fixed(tmp_path: Path) -> None:
    (tmp_path / "nginx.conf").write_text(SINGLE)
    main(["fix", str(tmp_path)])
    text = (tmp_path / "nginx.conf").read_text()
    assert "proxy_set_header Upgrade $http_upgrade;" in text
    assert not [f for f in lint(tmp_path, LintConfig()).findings if f.rule == "XF007"]
