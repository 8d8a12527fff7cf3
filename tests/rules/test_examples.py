"""Every rule's bad/good examples double as its tests: the bad example must trigger the
rule, the good one must not, and both must load without errors."""

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
    for i in range(len(rule.examples))
]


def _lint_only(rule_code: str, root: Path):
    cfg = LintConfig(select=[rule_code], report_unused_suppressions=False)
    return lint(root, cfg, with_fixes=False)


def test_every_rule_has_examples() -> None:
    missing = [r.code for r in all_rules() if not r.examples]
    assert not missing, f"rules without examples: {missing}"


@pytest.mark.parametrize(("rule", "index"), CASES)
def test_bad_example_triggers(rule, index, tmp_path: Path) -> None:
    ex = rule.examples[index]
    result = _lint_only(rule.code, write_tree(tmp_path / "bad", ex.bad))
    internal = [e for e in result.errors if e.kind == "internal"]
    assert not internal, internal
    hits = [f for f in result.findings if f.rule == rule.code]
    assert hits, f"{rule.code} did not fire on its bad example {index}"
    for f in hits:
        assert f.location.line >= 1
        assert (tmp_path / "bad" / f.location.file).exists(), f.location.file


@pytest.mark.parametrize(("rule", "index"), CASES)
def test_good_example_is_clean(rule, index, tmp_path: Path) -> None:
    ex = rule.examples[index]
    result = _lint_only(rule.code, write_tree(tmp_path / "good", ex.good))
    assert not result.errors, result.errors
    hits = [f for f in result.findings if f.rule == rule.code]
    assert not hits, [f"{f.location}: {f.message}" for f in hits]
