"""Rendered insertions are memoised by value (fixes insert the same settings into many
services): the memo must never hand one value's text to another."""

from __future__ import annotations

from typing import Any

import pytest

from infradoctor.fixes import yaml_edit as ye

STYLE = ye.Style()


def _fresh(entries: dict[str, Any], indent: int, style: ye.Style = STYLE) -> str:
    return ye._render_block(entries, indent, style)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ({"x": True}, {"x": 1}),
        ({"x": 1}, {"x": "1"}),
        ({"x": 0.0}, {"x": -0.0}),
        ({"x": [1, 2]}, {"x": (1, 2)}),
        ({"x": ye.Raw("*a")}, {"x": "*a"}),
        ({"x": {"y": None}}, {"x": {"y": "null"}}),
    ],
)
def test_equal_looking_values_keep_their_own_text(a: dict[str, Any], b: dict[str, Any]) -> None:
    for entries in (a, b, a, b):
        assert ye._block_body(entries, 4, STYLE) == _fresh(entries, 4)


def test_indent_and_style_are_part_of_the_key() -> None:
    entries = {"logging": {"driver": "json-file", "options": {"max-size": "10m"}}}
    single = ye.Style(unit=4, indent_sequences=False, quote="'")
    seen = {
        (indent, style): ye._block_body(entries, indent, style)
        for indent in (2, 4)
        for style in (STYLE, single)
    }
    assert len(set(seen.values())) == 4
    assert all(text == _fresh(entries, i, s) for (i, s), text in seen.items())


def test_repeated_insertions_render_once(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    real = ye.render_entry

    def counted(*args: Any) -> list[str]:
        calls.append(1)
        return real(*args)

    monkeypatch.setattr(ye, "render_entry", counted)
    entries = {"restart": "unless-stopped", "healthcheck": {"retries": 5, "test": ["CMD", "x"]}}
    first = ye._block_body(entries, 6, STYLE)
    once = len(calls)
    assert once > 0
    for _ in range(50):
        assert ye._block_body(entries, 6, STYLE) == first
    assert len(calls) == once  # rendered for the first insertion only
