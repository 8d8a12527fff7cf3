"""Helpers for the fuzz-found fixer regressions (CMP002, XF005): every edit a finding
offers lies inside its file, and fixing twice writes nothing the second time."""

from __future__ import annotations

from pathlib import Path

import yaml

from infradoctor.config import LintConfig
from infradoctor.findings import Finding
from infradoctor.fixes.apply import run_fixes

FUZZ_CONFIG = LintConfig(report_unused_suppressions=False, extend_select=["hardening"])


def edits_in_range(findings: list[Finding], root: Path) -> None:
    """No fix holds a backwards edit or one past its file's end."""
    for f in findings:
        for e in f.fix.edits if f.fix is not None else ():
            size = len((root / e.file).read_text())
            assert 0 <= e.start <= e.end <= size, (f.rule, e)


def fix_twice(root: Path) -> None:
    """Fix all (unsafe too): nothing refused as a fixer bug, every written YAML file
    parses, and a second run applies nothing."""
    first = run_fixes(root, FUZZ_CONFIG, unsafe=True)
    assert not any("please report this" in r for r in first.refused), first.refused
    for p in root.rglob("*.y*ml"):
        list(yaml.compose_all(p.read_text()))  # every written file parses
    second = run_fixes(root, FUZZ_CONFIG, unsafe=True)
    assert not second.applied, second.applied
    assert not any("please report this" in r for r in second.refused), second.refused
