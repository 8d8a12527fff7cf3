"""Fuzz round 6 (seed 2036, input #103157): `FROM x:\\` then a comment line at the end
of the file. The continuation runs past the comment to the end, so the DKR001 lines
appended there would join the FROM; the re-lint guard refused that as a fixer bug. A
Dockerfile ending inside a continuation gets no appended-line fix at all."""

from __future__ import annotations

from pathlib import Path

import pytest

from infradoctor.cli.main import main
from infradoctor.config import LintConfig
from infradoctor.engine import lint
from tests.conftest import write_tree


@pytest.mark.parametrize(
    "dockerfile",
    ["FROM node:20\\\n#", "FROM node:20\nCMD node a.js \\\n\n# trailing\n", "FROM node:20 \\\n"],
)
def test_no_appended_fix_inside_an_open_continuation(
    tmp_path: Path, dockerfile: str, capsys: pytest.CaptureFixture[str]
) -> None:
    write_tree(tmp_path, {"backend/Dockerfile": dockerfile})
    result = lint(tmp_path, LintConfig(extend_select=["hardening"]), with_fixes=True)
    assert any(f.rule == "DKR001" for f in result.findings)
    assert all(f.fix is None for f in result.findings if f.rule in ("DKR001", "DKR007"))
    code = main(["fix", "--unsafe", "--extend-select", "hardening", str(tmp_path)])
    assert code == 1
    assert "please report" not in capsys.readouterr().err
    assert (tmp_path / "backend/Dockerfile").read_text() == dockerfile


def test_a_closed_continuation_still_gets_the_fix(tmp_path: Path) -> None:
    write_tree(tmp_path, {"backend/Dockerfile": "FROM node:20\nRUN a \\\n  b\n# end\n"})
    result = lint(tmp_path, LintConfig(), with_fixes=True)
    assert any(f.rule == "DKR001" and f.fix is not None for f in result.findings)
