"""`${VAR}` references are scanned once per compose file, not once per variant project
that reads it (PRF002/PRF004/PRF007 on a 1 MB file with 1.5M references took ~5 s when
each of ~9 projects scanned the base file again). Counts scans, never times them."""

from __future__ import annotations

from pathlib import Path

import pytest

from infradoctor.config import LintConfig
from infradoctor.engine import lint
from infradoctor.facts import varrefs
from infradoctor.loaders import load_stack
from infradoctor.rules.profiles._profiles import var_refs
from tests.conftest import write_tree

FILES = {
    "compose.yaml": (
        "services:\n  app:\n    image: x\n    environment:\n"
        "      A: ${A:?set A}\n      B: ${B:-b}\n"
    ),
    "compose.prod.yaml": "services:\n  app:\n    restart: always\n",
    "compose.ci.yaml": "services:\n  app:\n    restart: 'no'\n",
    "compose.override.yaml": "services:\n  app:\n    environment:\n      C: $C\n",
}


def test_base_file_scanned_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    stack = load_stack(write_tree(tmp_path / "s", FILES))
    readers = [p for p in stack.projects if "compose.yaml" in p.compose_files]
    assert len(readers) >= 3
    scanned: list[str] = []
    real = varrefs._scan

    def counting(src, starts):  # type: ignore[no-untyped-def]
        scanned.append(src.path)
        return real(src, starts)

    monkeypatch.setattr(varrefs, "_scan", counting)
    refs = {p.name: [(r.name, r.op, r.service) for r in var_refs(stack, p)] for p in readers}
    for again in readers:  # asked again (another rule): no new scan
        list(var_refs(stack, again))
    assert scanned.count("compose.yaml") == 1
    for found in refs.values():
        assert ("A", ":?", "app") in found and ("B", ":-", "app") in found


def test_refs_keep_their_location(tmp_path: Path) -> None:
    stack = load_stack(write_tree(tmp_path / "s", FILES))
    project = next(p for p in stack.projects if "compose.override.yaml" in p.compose_files)
    got = {r.name: (r.location.file, r.location.line) for r in var_refs(stack, project)}
    assert got["A"] == ("compose.yaml", 5)
    assert got["C"] == ("compose.override.yaml", 4)


def test_required_variable_still_reported(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "s", {**FILES, ".env": "B=1\n"})
    found = [f for f in lint(root, LintConfig(select=["PRF002"])).findings]
    assert found and all(f.subject == "A" for f in found)
