"""`infradoctor fix --no-color`: the option lint has is accepted by fix too (the audit
found fix rejecting it) and its output carries no ANSI escapes."""

from __future__ import annotations

from pathlib import Path

import pytest

from infradoctor.cli.main import main
from tests.conftest import write_tree


def test_fix_accepts_no_color(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Fix acceptance audit: `fix` rejected the `--no-color` that `lint` accepts."""
    root = write_tree(tmp_path / "s", {"docker-compose.yml": "services:\n  web:\n    image: a:1\n"})
    assert main(["fix", str(root), "--no-color", "--select", "CMP001"]) == 0
    assert "\x1b[" not in capsys.readouterr().out
    assert "restart: unless-stopped" in (root / "docker-compose.yml").read_text()
