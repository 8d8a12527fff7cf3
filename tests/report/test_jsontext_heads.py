"""jsontext remembers the text before each key's value per depth (`_HEADS`): the same key
at other depths, keys that are equal but written differently (1 and True), the bound on
remembered keys and a document flushed in pieces must still give json.dumps's text."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest

from infradoctor.report import jsontext
from infradoctor.report.jsontext import dumps_indented


def _same(obj: Any) -> None:
    assert dumps_indented(obj) == json.dumps(obj, indent=2, ensure_ascii=False)


def test_one_key_at_every_depth_and_position() -> None:
    obj: Any = {"k": 1}
    for depth in range(6):
        obj = {"k": obj, "a": [obj, {"k": None}], "z": {"a": "k", "k": depth}}
    _same(obj)
    _same([{"k": 1}, {"j": 2, "k": 3}, {"k": {"k": {"k": []}}}])


def test_equal_keys_written_differently() -> None:
    _same([{1: "one"}, {True: "true"}, {1.0: "float"}, {"1": "text"}, {"true": "t"}])
    _same({"x": {1: "a"}, "y": {True: "b"}})


def test_past_the_bound_keys_are_still_written(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(jsontext, "_HEADS", {})
    monkeypatch.setattr(jsontext, "_HEADS_MAX", 3)
    obj = [{f"key{i}": i, "b": [i]} for i in range(20)]
    _same(obj)
    assert all(len(heads) <= 3 for heads in jsontext._HEADS.values())


def test_random_documents_flushed_in_pieces(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(jsontext, "_BATCH", 7)  # flushes inside nested values
    rng = random.Random(3)
    keys = ["a", "b", "rule", "fix", "é", 'q"', 1, True, None, 2.5]

    def build(depth: int) -> Any:
        roll = rng.random()
        if depth > 4 or roll < 0.3:
            return rng.choice(["s", 1, None, True, 2.5, "x\ny", [], {}])
        if roll < 0.65:
            return {rng.choice(keys): build(depth + 1) for _ in range(rng.randint(1, 5))}
        return [build(depth + 1) for _ in range(rng.randint(1, 4))]

    for _ in range(300):
        _same(build(0))
