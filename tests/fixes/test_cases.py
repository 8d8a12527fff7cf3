"""Fixture cases, one directory per case named after the rule code: `input/` is the
stack, `expected/` the files the fix changes, byte for byte. Each case also checks that
the re-lint no longer reports the rule and that a second run changes nothing. A case
with a `display-only` marker checks the suggested edit instead (it is never applied)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from infradoctor.config import LintConfig
from infradoctor.engine import lint
from infradoctor.findings import Applicability
from infradoctor.fixes.apply import run_fixes
from infradoctor.fixes.yaml_edit import TextEdit, apply_text_edits
from infradoctor.rules.registry import all_rules

CASES_DIR = Path(__file__).parent / "cases"
CASES = sorted(p for p in CASES_DIR.iterdir() if p.is_dir())
KNOWN = {r.code for r in all_rules()}


def _files(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def _config(rule: str) -> LintConfig:
    return LintConfig(select=[rule], report_unused_suppressions=False)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_fix_case(case: Path, tmp_path: Path) -> None:
    rule = case.name.split("_")[0]
    assert rule in KNOWN, f"{case.name}: fix case for unknown rule code {rule}"
    root = tmp_path / "stack"
    shutil.copytree(case / "input", root)
    original = _files(root)
    expected = _files(case / "expected")
    before = lint(root, _config(rule))
    hits = [f for f in before.findings if f.rule == rule]
    assert hits, f"{rule} did not fire on {case.name}"
    assert all(f.fix is not None for f in hits), [f.message for f in hits if f.fix is None]

    if (case / "display-only").exists():
        fix = hits[0].fix
        assert fix is not None and fix.applicability is Applicability.DISPLAY_ONLY
        for rel, want in expected.items():
            text = before.stack.files[rel].text
            edits = [TextEdit(e.start, e.end, e.replacement) for e in fix.edits if e.file == rel]
            assert apply_text_edits(text, edits).encode() == want, rel
        run = run_fixes(root, _config(rule), unsafe=True)
        assert not run.applied and _files(root) == original
        return

    run = run_fixes(root, _config(rule), unsafe=True)
    assert run.applied and not run.refused
    now = _files(root)
    for rel, want in expected.items():
        assert now[rel] == want, f"{rel} differs:\n{now[rel].decode()}"
    for rel, data in original.items():
        if rel not in expected:
            assert now[rel] == data, f"{rel} changed but is not in expected/"
    after = lint(root, _config(rule))
    assert not [f for f in after.findings if f.rule == rule], [
        f.message for f in after.findings if f.rule == rule
    ]
    again = run_fixes(root, _config(rule), unsafe=True)
    assert not again.applied
    assert _files(root) == now


def test_every_fixable_rule_has_a_case() -> None:
    from infradoctor.fixes.fixers import FIXERS

    covered = {c.name.split("_")[0] for c in CASES}
    missing = sorted(code for code in FIXERS if code in KNOWN and code not in covered)
    assert not missing, f"fixers without a fixture case: {missing}"
