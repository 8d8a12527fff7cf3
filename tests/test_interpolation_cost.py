"""Fuzz round 5 (seed 2034, input #54899): a 1 MB compose value holding 500,000 `$a`
references made a `fix` run take 7 s of CPU. Two costs were per reference and paid
twice: the value was expanded once for its text and again for its unset-variable marks,
and each `${VAR}` reference built a frozen dataclass and a Location. Work is counted
here, never timed."""

from __future__ import annotations

from pathlib import Path

import pytest

from infradoctor.facts import varrefs
from infradoctor.facts.env import UNSET_MARK
from infradoctor.loaders import interpolate
from infradoctor.model.source import Location
from infradoctor.syntax.yaml import load_positioned, source_from_text


def _expansions(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Top-level `_expand` calls (nested words recurse at a deeper level)."""
    calls: list[str] = []
    real = interpolate._expand

    def counting(text, lookup, result, level):  # type: ignore[no-untyped-def]
        if level == 0:
            calls.append(text)
        return real(text, lookup, result, level)

    monkeypatch.setattr(interpolate, "_expand", counting)
    return calls


def _tree(text: str):  # type: ignore[no-untyped-def]
    node, errors = load_positioned(source_from_text(text, "compose.yaml"))
    assert not errors and node is not None
    return node


def test_a_value_with_unset_variables_is_expanded_once(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _expansions(monkeypatch)
    marked: dict[int, str] = {}
    tree = interpolate.interpolate_tree(_tree("x: a$a-${b:-${c}}z\n"), {}, [], unset_marked=marked)
    value = tree.entries["x"].value
    assert value.scalar == "a-z"
    assert marked[id(value)] == f"a{UNSET_MARK}-{UNSET_MARK}z"
    assert len(calls) == 1


def test_a_value_holding_the_mark_itself_still_gets_both_texts_right(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls = _expansions(monkeypatch)
    marked: dict[int, str] = {}
    tree = interpolate.interpolate_tree(_tree('x: "\\0$a"\n'), {}, [], unset_marked=marked)
    value = tree.entries["x"].value
    assert value.scalar == UNSET_MARK
    assert marked[id(value)] == UNSET_MARK + UNSET_MARK
    assert len(calls) == 2


def test_references_build_no_location_until_asked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    built: list[tuple[str, int]] = []

    class CountingLocation(Location):
        def __init__(self, file: str, line: int, column: int = 1) -> None:
            built.append((file, line))
            super().__init__(file, line, column)

    monkeypatch.setattr(varrefs, "Location", CountingLocation)
    src = source_from_text("services:\n  web:\n    command: " + "$a " * 1000 + "\n", "c.yaml")
    refs = varrefs.file_var_refs(src, ((2, 3, "web"),))
    assert len(refs) == 1000 and {r.service for r in refs} == {"web"}
    assert built == []
    where = refs[1].location
    assert (where.file, where.line, where.column) == ("c.yaml", 3, 17)
    assert built == [("c.yaml", 3)]
