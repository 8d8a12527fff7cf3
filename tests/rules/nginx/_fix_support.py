"""Helpers for the nginx fix tests (NGX002, NGX003, NGX012): fix a tree, check a second
run is a no-op, and cut one location block out of a fixed config."""

from __future__ import annotations

from pathlib import Path

from infradoctor.config import LintConfig
from infradoctor.fixes.apply import run_fixes
from tests.conftest import write_tree


def fix_tree(root: Path, files: dict[str, str], select: list[str]) -> None:
    """Write `files` under `root` and apply the `select`ed rules' fixes."""
    write_tree(root, files)
    run_fixes(root, LintConfig(select=select, report_unused_suppressions=False))


def second_run_changes_nothing(root: Path, select: list[str]) -> None:
    """A fixed tree is a fixed point: fixing it again writes no byte."""
    before = {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}
    run_fixes(root, LintConfig(select=select, report_unused_suppressions=False))
    assert before == {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}


def location_block(text: str, path: str) -> str:
    """The text of `location <path> {` up to its first closing brace."""
    start = text.index(f"location {path} {{")
    return text[start : text.index("}", start)]
