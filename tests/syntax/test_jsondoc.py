"""Bounded JSON decoding: deep nesting is a ValueError, never a RecursionError."""

from __future__ import annotations

import pytest

from infradoctor.syntax.jsondoc import MAX_JSON_DEPTH, json_depth, loads_bounded


@pytest.mark.parametrize(
    "text",
    ["[" * 100_000, "[" * 5000 + "]" * 5000, '{"a":' * 3000 + "1" + "}" * 3000],
    ids=["open", "balanced", "objects"],
)
def test_deep_json_is_a_value_error(text: str) -> None:
    with pytest.raises(ValueError, match="nested"):
        loads_bounded(text)
    with pytest.raises(ValueError, match="nested"):
        loads_bounded(text.encode())


def test_brackets_inside_strings_do_not_count() -> None:
    text = '{"a": "' + "[" * 10_000 + '\\"[", "b": [1, [2]]}'
    assert json_depth(text) == 3
    assert loads_bounded(text)["b"] == [1, [2]]


def test_depth_limit_is_inclusive() -> None:
    ok = "[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH
    assert loads_bounded(ok) is not None
    with pytest.raises(ValueError):
        loads_bounded("[" + ok + "]")
    with pytest.raises(ValueError):
        loads_bounded("{not json")
