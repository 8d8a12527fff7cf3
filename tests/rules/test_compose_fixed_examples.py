"""`Example.fixed` of the CMP/SEC/DKR rules is documentation of what `infradoctor fix`
does to the bad example; keep it true by applying the attached fixes here."""

from __future__ import annotations

from pathlib import Path

import pytest

from infradoctor.config import LintConfig
from infradoctor.engine import lint
from infradoctor.rules.registry import all_rules
from tests.conftest import write_tree

CASES = [
    pytest.param(rule, i, id=f"{rule.code}_example{i}")
    for rule in all_rules()
    if rule.code[:3] in ("CMP", "SEC", "DKR")
    for i, ex in enumerate(rule.examples)
    if ex.fixed
]


@pytest.mark.parametrize(("rule", "index"), CASES)
def test_fixed_example_is_what_fix_produces(rule, index, tmp_path: Path) -> None:
    ex = rule.examples[index]
    root = write_tree(tmp_path / "bad", ex.bad)
    result = lint(root, LintConfig(select=[rule.code], report_unused_suppressions=False))
    texts = dict(ex.bad)
    edits = [e for f in result.findings if f.rule == rule.code and f.fix for e in f.fix.edits]
    for e in sorted(edits, key=lambda e: -e.start):
        texts[e.file] = texts[e.file][: e.start] + e.replacement + texts[e.file][e.end :]
    changed = {p: t for p, t in texts.items() if t != ex.bad[p]}
    assert changed == dict(ex.fixed)
