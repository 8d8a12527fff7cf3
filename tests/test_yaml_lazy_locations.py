"""Positioned YAML's deferred work, counted (never timed): a node's Location is built from
libyaml's marks only when read, plain LF text needs no line starts, the deep-nesting
pre-scan runs only where nesting could pass its limit, and converted scalars share
read-only empty `items`/`entries` (issue 8, session 18)."""

from __future__ import annotations

from typing import Any

import pytest

from infradoctor.model.source import Location
from infradoctor.syntax import yaml as positioned
from infradoctor.syntax.yaml import PNode, load_positioned, load_positioned_all, source_from_text


def _count_locations(monkeypatch: pytest.MonkeyPatch) -> list[Location]:
    built: list[Location] = []

    def counting(*args: Any) -> Location:
        built.append(Location(*args))
        return built[-1]

    monkeypatch.setattr(positioned, "Location", counting)
    return built


@pytest.mark.parametrize(
    "text", ["a: 1\nb: [x, {c: d}]\n", "base: &b {x: 1}\na: 1\nb: [x, {c: d}]\n"]
)
def test_locations_are_built_when_first_read(monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    """Without aliases (one pass) and with them (memoised): no Location at load, one per
    node or key read, and the same one on every later read."""
    built = _count_locations(monkeypatch)
    root, errors = load_positioned(source_from_text(text))
    assert errors == [] and root is not None and built == []
    b = root.get("b")
    assert b is not None and root.get("a") is not None
    inner = b.items[1]
    line = text.splitlines().index("b: [x, {c: d}]") + 1
    assert (inner.location.line, inner.location.column) == (line, 8)
    assert len(built) == 1 and inner.location is built[0]
    entry = root.entry("b")
    assert entry is not None and entry.key_location.column == 1 and len(built) == 2
    assert entry.key_location is built[1] and root.key_location("b") is built[1]
    assert len(built) == 2


def _expected(src_text: str, node: PNode) -> tuple[int, int, int, int]:
    loc = node.location
    assert loc.offset is not None and loc.end_offset is not None
    return loc.line, loc.column, loc.offset, loc.end_offset


def test_plain_text_needs_no_line_starts() -> None:
    """Offsets come from libyaml's mark index: SourceFile's line table is never built."""
    text = "name: é😀x\nitems:\n  - 'ü'\n  - b\nlast: z"  # no final newline
    src = source_from_text(text)
    root, errors = load_positioned(src)
    assert errors == [] and root is not None
    last = root.get("last")
    items = root.get("items")
    assert last is not None and items is not None
    assert src._line_starts is None
    assert _expected(text, last) == (5, 7, text.index("z"), len(text))
    assert _expected(text, items.items[0]) == (3, 5, text.index("'ü'"), text.index("'ü'") + 3)
    # the document ends on a line past the last LF: counted from that line's start, as
    # SourceFile's line table would
    assert root.location.end_offset == text.rindex("\n") + 1
    # the line table agrees with the offsets
    assert src.offset_of(5, 7) == text.index("z")


@pytest.mark.parametrize(
    ("text", "needle", "line", "column"),
    [
        ("\ufeffa: b\nc: target\n", "target", 2, 4),  # libyaml does not count the BOM
        ("a: b\rc: target\n", "target", 1, 9),  # CR: a libyaml line break, not SourceFile's
        ("a: b\x85c: target\n", "target", 1, 9),  # NEL, likewise
        ("a: b\nc: target", "target", 2, 4),  # no final newline
    ],
)
def test_odd_texts_keep_sourcefile_positions(
    text: str, needle: str, line: int, column: int
) -> None:
    """Where libyaml's lines or index differ from SourceFile's, positions stay SourceFile's."""
    root, errors = load_positioned(source_from_text(text))
    assert errors == [] and root is not None
    node = root.get("c")
    assert node is not None and node.scalar == needle
    assert _expected(text, node) == (line, column, text.index(needle), text.index(needle) + 6)


def test_merged_and_duplicate_keys_keep_their_places() -> None:
    text = "base: &b\n  x: 1\n  y: 2\nuse:\n  <<: *b\n  y: 3\nuse: again\n"
    root, errors = load_positioned(source_from_text(text))
    assert root is not None
    assert [(e.line, e.column) for e in errors] == [(7, 1)] and "first at line 4" in errors[
        0
    ].message
    base = load_positioned(source_from_text(text.replace("use: again\n", "")))[0]
    assert base is not None
    use = base.get("use")
    assert use is not None
    x, y = use.entry("x"), use.entry("y")
    assert x is not None and x.merged and (x.key_location.line, x.key_location.column) == (2, 3)
    assert y is not None and not y.merged and y.key_location.line == 6


def test_scalars_share_read_only_empties() -> None:
    """No empty list and dict per scalar: one shared read-only pair that refuses edits."""
    root, _ = load_positioned(source_from_text("a: 1\nb: two\nc: [3]\n"))
    assert root is not None
    a, b, c = root.get("a"), root.get("b"), root.get("c")
    assert a is not None and b is not None and c is not None
    assert a.items is b.items and a.entries is b.entries and c.entries is a.entries
    assert len(a.items) == 0 and a.get("x") is None and a.keys() == [] and list(a.pairs()) == []
    with pytest.raises(TypeError):
        a.entries["x"] = root.entries["a"]  # type: ignore[index]
    with pytest.raises(AttributeError):
        a.items.append(b)
    assert root.value == {"a": 1, "b": "two", "c": [3]}


def test_deep_prescan_only_where_nesting_could_pass_the_limit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[int] = []
    real = positioned.estimated_depth

    def counting(text: str) -> int:
        calls.append(len(text))
        return real(text)

    monkeypatch.setattr(positioned, "estimated_depth", counting)
    big = "".join(f"k{i}:\n  - name: v{i}\n    ports: [{i}]\n" for i in range(400))
    docs, errors = load_positioned_all(source_from_text(big))
    assert errors == [] and docs[0] is not None and len(docs[0]) == 400
    assert calls == []
    deep = "a:\n" + " " * 5001 + "b: c\n"
    docs, errors = load_positioned_all(source_from_text(deep))
    assert len(calls) == 1 and docs == []
    assert [e.kind for e in errors] == ["invalid"] and "levels deep; file skipped" in errors[
        0
    ].message
    calls.clear()
    flow = "a: " + "[" * 2600 + "]" * 2600 + "\n"
    docs, errors = load_positioned_all(source_from_text(flow))
    assert len(calls) == 1 and errors and docs == []


def test_copies_keep_the_place_unbuilt(monkeypatch: pytest.MonkeyPatch) -> None:
    """Interpolation and kustomize copy nodes: the copy carries the marks, so copying
    builds no Location, and the copy's Location is the original's."""
    built = _count_locations(monkeypatch)
    text = "a:\n  b: ${X}\n  c: [1, 2]\n"
    root, _ = load_positioned(source_from_text(text))
    assert root is not None
    a = root.get("a")
    assert a is not None
    b, c, entry = a.get("b"), a.get("c"), root.entry("a")
    assert b is not None and c is not None and entry is not None
    scalar = b.copy_with(scalar="x")
    seq = c.copy_with(items=list(c.items))
    mapping = a.copy_with(entries={k: e.with_value(e.value) for k, e in a.entries.items()})
    moved = entry.with_value(mapping)
    assert built == []
    assert (scalar.kind, scalar.scalar, scalar.raw, scalar.tag) == ("scalar", "x", "${X}", b.tag)
    assert seq.kind == "sequence" and seq.value == [1, 2] and seq.items is not c.items
    assert mapping.value == {"b": "${X}", "c": [1, 2]} and moved.value is mapping
    assert scalar.location == b.location and (scalar.location.line, scalar.location.column) == (
        2,
        6,
    )
    assert seq.location == c.location and mapping.location == a.location
    assert moved.key_location == entry.key_location and moved.key_location.line == 1
    assert len(built) == 8
