"""Issue 4's done-when: `infradoctor fix examples/<each>` followed by lint leaves no
fixable findings, and every comment of the original files is still there."""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import pytest

from infradoctor.config import LintConfig
from infradoctor.engine import lint
from infradoctor.findings import Applicability
from infradoctor.fixes.apply import run_fixes
from tests.conftest import REPO

EXAMPLES = (
    sorted(p for p in (REPO / "examples").iterdir() if p.is_dir())
    if (REPO / "examples").is_dir()
    else []
)
CONFIG = LintConfig(report_unused_suppressions=False)


def _comments(root: Path) -> Counter[tuple[str, str]]:
    out: Counter[tuple[str, str]] = Counter()
    for p in root.rglob("*"):
        if p.is_file():
            for line in p.read_text(errors="replace").splitlines():
                if "#" in line:
                    out[(p.relative_to(root).as_posix(), line[line.index("#") :].strip())] += 1
    return out


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_fixing_an_example_leaves_no_fixable_findings(example: Path, tmp_path: Path) -> None:
    root = tmp_path / example.name
    shutil.copytree(example, root)
    run = run_fixes(root, CONFIG, unsafe=True)
    assert run.applied and not run.refused
    after = lint(root, CONFIG)
    left = [
        f
        for f in after.findings
        if f.fix is not None and f.fix.applicability is not Applicability.DISPLAY_ONLY
    ]
    assert not left, [f"{f.location} {f.rule}" for f in left]
    assert not _comments(example) - _comments(root)
