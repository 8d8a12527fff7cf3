"""`fix --diff` prints a diff that `git apply` applies to the tree, giving exactly what
`fix` writes; a file whose last line has no line break gets `\\ No newline at end of
file` after that line (difflib glued the next "+" line onto it: the patch was corrupt)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from infradoctor.cli.main import main
from infradoctor.config import LintConfig
from infradoctor.fixes.apply import preview_fixes, run_fixes

UNTERMINATED = "services:\n  web:\n    image: nginx:1.25\n    volumes:\n      - ./a:/a"
TERMINATED = "services:\n  api:\n    image: python:3.12\n"


def _tree(root: Path) -> Path:
    root.mkdir()
    (root / "compose.yaml").write_text(UNTERMINATED)
    (root / "other").mkdir()
    (root / "other" / "compose.yaml").write_text(TERMINATED)
    return root


def test_the_printed_diff_applies_and_gives_what_fix_writes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    git = shutil.which("git")
    assert git, "git is needed (CI clones with it)"
    root = _tree(tmp_path / "s")
    assert main(["fix", "--diff", str(root)]) in (0, 1)
    printed = capsys.readouterr().out
    patch = "".join(
        line
        for line in printed.splitlines(keepends=True)
        if not line.startswith(("would fix ", "suggestion ", "Would fix "))
        and "more fix" not in line
    )
    removed = "-      - ./a:/a\n\\ No newline at end of file\n+      - ./a:/a\n"
    assert removed in patch
    applied = tmp_path / "applied"
    shutil.copytree(root, applied)
    (tmp_path / "fix.patch").write_text(patch)
    subprocess.run([git, "apply", str(tmp_path / "fix.patch")], cwd=applied, check=True)
    run_fixes(root, LintConfig())
    for rel in ("compose.yaml", "other/compose.yaml"):
        assert (applied / rel).read_text() == (root / rel).read_text() != TERMINATED


def test_line_counts_agree_with_the_marked_diff(tmp_path: Path) -> None:
    run = preview_fixes(_tree(tmp_path / "s"), LintConfig())
    diff = run.diff()
    added = sum(1 for line in diff.splitlines() if line.startswith("+") and line[:4] != "+++ ")
    removed = sum(1 for line in diff.splitlines() if line.startswith("-") and line[:4] != "--- ")
    assert run.changed_lines() == (added, removed)
    assert removed == 1
