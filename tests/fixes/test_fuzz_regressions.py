"""Fixer bugs found by the long mutation-fuzz round (bench/fuzz.py): a backwards edit from
a logging alias of a null anchor (CMP002), a null depends_on item (XF005) and flow
mappings whose fixes ran out of passes (XF005 only applied by a second run)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from infradoctor.config import LintConfig
from infradoctor.engine import lint
from infradoctor.findings import Applicability, Edit, Finding, Fix
from infradoctor.fixes import yaml_edit as ye
from infradoctor.fixes.apply import run_fixes
from infradoctor.fixes.context import edit_range_problem
from tests.conftest import write_tree

CONFIG = LintConfig(report_unused_suppressions=False, extend_select=["hardening"])

NULL_LOGGING_ALIAS = {
    "docker-compose.yml": (
        "g: &logging\ne: &base\n logging: *logging\nservices:\n i:\n    <<: *base\n    image:\n"
    )
}
NULL_DEPENDS_ITEM = {
    "compose.yaml": (
        "services:\n  redis:\n   image: redis\n  p:\n   depends_on:\n      -\n      - redis"
    )
}
INT_DEPENDS_ITEM = {
    "compose.yaml": (
        "services:\n  redis:\n   image: redis\n  p:\n   depends_on:\n      - 0\n      - redis"
    )
}
FLOW_PASSES = {
    "compose.yaml": "services: {w: {},{{{}}},db: {}}",
    "docker-compose.override.yml": (
        "services: {w: {.,depends_on: {db: {}}},db: {image: postgres}}"
    ),
}
FLOW_PASSES_PLAIN = {
    "compose.yaml": "services: {w: {}, db: {}}",
    "docker-compose.override.yml": "services: {w: {depends_on: {db: {}}}, db: {image: postgres}}",
}


def _edits_in_range(findings: list[Finding], root: Path) -> None:
    for f in findings:
        for e in f.fix.edits if f.fix is not None else ():
            size = len((root / e.file).read_text())
            assert 0 <= e.start <= e.end <= size, (f.rule, e)


def _fix_twice(root: Path) -> None:
    first = run_fixes(root, CONFIG, unsafe=True)
    assert not any("please report this" in r for r in first.refused), first.refused
    for p in root.rglob("*.y*ml"):
        list(yaml.compose_all(p.read_text()))  # every written file parses
    second = run_fixes(root, CONFIG, unsafe=True)
    assert not second.applied, second.applied
    assert not any("please report this" in r for r in second.refused), second.refused


@pytest.mark.parametrize(
    "files",
    [NULL_LOGGING_ALIAS, NULL_DEPENDS_ITEM, INT_DEPENDS_ITEM, FLOW_PASSES, FLOW_PASSES_PLAIN],
    ids=[
        "cmp002-null-logging-alias",
        "xf005-null-item",
        "xf005-int-item",
        "xf005-flow",
        "xf005-flow-plain",
    ],
)
def test_fuzz_fix_twice_is_noop(files: dict[str, str], tmp_path: Path) -> None:
    root = write_tree(tmp_path / "s", files)
    _edits_in_range(lint(root, CONFIG).findings, root)
    _fix_twice(root)


def test_cmp002_no_fix_for_logging_alias_of_null(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "s", NULL_LOGGING_ALIAS)
    cmp002 = [f for f in lint(root, CONFIG).findings if f.rule == "CMP002"]
    assert cmp002 and all(f.fix is None for f in cmp002)


def test_xf005_no_fix_for_null_depends_on_item(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "s", NULL_DEPENDS_ITEM)
    xf005 = [f for f in lint(root, CONFIG).findings if f.rule == "XF005"]
    assert all(f.fix is None for f in xf005)
    run_fixes(root, CONFIG, unsafe=True)
    assert "depends_on:\n      -\n      - redis" in (root / "compose.yaml").read_text()


def test_xf005_no_fix_when_a_depends_on_item_is_not_a_string(tmp_path: Path) -> None:
    """`- 0` turned into a key reads back as the integer 0: the edit check refused the
    write (found by the long fuzz round); now no fix is offered at all."""
    root = write_tree(tmp_path / "s", INT_DEPENDS_ITEM)
    run = run_fixes(root, CONFIG, unsafe=True)  # XF004 gives redis a healthcheck first
    assert not run.refused, run.refused
    text = (root / "compose.yaml").read_text()
    assert "healthcheck" in text and "- 0\n      - redis" in text
    xf005 = [f for f in lint(root, CONFIG).findings if f.rule == "XF005"]
    assert xf005 and all(f.fix is None for f in xf005)


def test_flow_mapping_entries_share_a_pass(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "s", FLOW_PASSES_PLAIN)
    run = run_fixes(root, CONFIG, unsafe=True)
    assert run.passes <= 3
    assert "condition: service_healthy" in (root / "docker-compose.override.yml").read_text()


def test_backwards_text_edit_is_never_built() -> None:
    with pytest.raises(ye.YamlEditError):
        ye.TextEdit(30, 11, "")
    with pytest.raises(ye.YamlEditError):
        ye.TextEdit(-1, 0, "")


def test_out_of_range_edit_is_refused(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "s", {"compose.yaml": "services:\n  a:\n    image: x\n"})
    stack = lint(root, CONFIG).stack
    good = Fix("t", Applicability.SAFE, (Edit("compose.yaml", 0, 0, "# c\n"),))
    assert edit_range_problem(good, stack) is None
    for start, end in [(30, 11), (-1, 2), (5, 10_000)]:
        bad = Fix("t", Applicability.SAFE, (Edit("compose.yaml", start, end, ""),))
        assert edit_range_problem(bad, stack) is not None


@pytest.mark.parametrize(
    ("name", "text", "unsafe"),
    [
        ("compose.yaml", "services:\n a:\u2028  build: s\n", False),  # YAML line separator
        ("Dockerfile", "FROM :\\\n", True),  # ends in a line continuation
    ],
)
def test_no_fix_is_offered_for_a_layout_an_edit_would_misread(
    tmp_path: Path, name: str, text: str, unsafe: bool, capsys: pytest.CaptureFixture[str]
) -> None:
    """Found by the long fuzz round: these got fixes the write step then refused."""
    from infradoctor.cli.main import main

    (tmp_path / name).write_text(text, encoding="utf-8")
    code = main(["fix", str(tmp_path), *(["--unsafe"] if unsafe else [])])
    captured = capsys.readouterr()
    assert code in (0, 1), captured
    assert "not written" not in captured.err
    assert (tmp_path / name).read_text(encoding="utf-8") == text
