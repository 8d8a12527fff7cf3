"""`yaml_edit.check_all`: the edit checks of one pass run with one parse per file, and
say exactly what each check says alone (the batch only vouches for checks; anything it
cannot vouch for is checked alone, with its own message)."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
import yaml

from infradoctor.fixes import yaml_edit as ye

TEXT = "a:\n  x: 1\n  nested:\n    k: v\nb:\n  y: 2\nc: {z: 0}\nlist: [1, 2]\n"


def _node(*path: ye.PathPart) -> Any:
    doc = ye.parse_document(TEXT)
    node = ye.find(doc, path)
    assert node is not None
    return node


def _check(edits: list[ye.TextEdit]) -> ye.EditCheck:
    verify = edits[0].verify
    assert isinstance(verify, ye.EditCheck)
    return verify


def _parses(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """Counts the YAML streams composed (the cache of the unedited text cleared)."""
    tally: Counter[str] = Counter()
    compose_all = yaml.compose_all

    def counted(stream: Any, *args: Any, **kwargs: Any) -> Any:
        tally["parses"] += 1
        return compose_all(stream, *args, **kwargs)

    ye._composed.cache_clear()
    monkeypatch.setattr(yaml, "compose_all", counted)
    return tally


def test_entries_added_to_one_mapping_and_others_are_checked_with_one_parse(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    checks = [
        _check(ye.insert_key(TEXT, _node("a"), "p", 1)),
        _check(ye.insert_key(TEXT, _node("a"), "q", "two")),
        _check(ye.insert_key(TEXT, _node("c"), "r", True)),
        _check(ye.set_scalar(TEXT, _node("b", "y"), 3)),
        _check(ye.append_item(TEXT, _node("list"), 3)),
    ]
    alone = [c() for c in checks]
    tally = _parses(monkeypatch)
    assert ye.check_all(checks) == alone == [None] * len(checks)
    assert tally["parses"] == 2  # the text before, and after all the edits


def test_a_wrong_edit_gets_the_message_it_gets_alone() -> None:
    good = _check(ye.insert_key(TEXT, _node("a"), "p", 1))
    y = _node("b", "y")
    # claims to set b.y, but also rewrites a.x
    x = _node("a", "x")
    stray = ye.EditCheck(
        TEXT,
        (
            ye.TextEdit(y.start_mark.index, y.end_mark.index, "3"),
            ye.TextEdit(x.start_mark.index, x.end_mark.index, "9"),
        ),
        y,
        3,
    )
    wrong_value = ye.EditCheck(
        TEXT, (ye.TextEdit(y.start_mark.index, y.end_mark.index, "'3'"),), y, 3
    )
    for checks in ([good, stray], [stray, good], [good, wrong_value]):
        verdicts = ye.check_all(checks)
        assert verdicts == [c() for c in checks]
        assert verdicts.count(None) == 1


def test_nested_nodes_are_checked_alone() -> None:
    outer = _check(ye.insert_key(TEXT, _node("a"), "p", 1))
    inner = _check(ye.insert_key(TEXT, _node("a", "nested"), "k2", "w"))
    assert ye.check_all([outer, inner]) == [None, None]


def test_two_checks_adding_one_key_to_one_mapping_are_checked_alone() -> None:
    one = _check(ye.insert_key(TEXT, _node("a"), "p", 1))
    two = _check(ye.insert_key(TEXT, _node("a"), "p", 2))
    # Written together the key would be there twice: each alone is right, the joint
    # reading cannot vouch for either, so each is checked alone (as before the batch).
    assert ye.check_all([one, two]) == [one(), two()] == [None, None]


def test_an_expected_value_that_cannot_be_computed_is_reported() -> None:
    def broken() -> Any:
        raise ye.YamlEditError("no value")

    a = _node("a")
    bad = ye.EditCheck(TEXT, (ye.TextEdit(0, 0, ""),), a, broken)
    good = _check(ye.insert_key(TEXT, _node("b"), "r", 1))
    assert ye.check_all([bad, good]) == ["no value", None]
