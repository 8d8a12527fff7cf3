"""interpolate_tree copies a mapping only from its first changed entry on: the copy keeps
every entry in order with its key location and merge flag, and unchanged subtrees stay
the very same nodes (what the loaders and fixers compare by identity)."""

from __future__ import annotations

from infradoctor.loaders.interpolate import interpolate_tree
from infradoctor.model.source import LoadError
from infradoctor.syntax.yaml import load_positioned, source_from_text

TEXT = """\
base: &base
  kept: 1
  merged: ${MERGED}
web:
  <<: *base
  first: plain
  nested: {a: 1, b: [x, y]}
  image: ${IMAGE}
  last: ${MISSING:-fallback}
same:
  a: 1
  b: [x]
"""


def test_copy_keeps_order_locations_and_merge_flags() -> None:
    root, errors = load_positioned(source_from_text(TEXT, "compose.yaml"))
    assert root is not None and errors == []
    out = interpolate_tree(root, {"IMAGE": "nginx", "MERGED": "m"}, [])
    web, new_web = root.get("web"), out.get("web")
    assert web is not None and new_web is not None and new_web is not web
    assert list(new_web.entries) == list(web.entries)
    for key, entry in web.entries.items():
        copy = new_web.entries[key]
        assert copy is not entry
        assert (copy.key, copy.key_location, copy.merged) == (key, entry.key_location, entry.merged)
    assert new_web.entries["nested"].value is web.entries["nested"].value  # unchanged subtree
    assert new_web.entries["first"].value is web.entries["first"].value
    assert new_web.value == {
        "first": "plain",
        "nested": {"a": 1, "b": ["x", "y"]},
        "image": "nginx",
        "last": "fallback",
        "kept": 1,
        "merged": "m",
    }
    assert [e.merged for e in new_web.entries.values()] == [False] * 4 + [True] * 2


def test_unchanged_mapping_is_returned_as_is() -> None:
    root, _ = load_positioned(source_from_text(TEXT, "compose.yaml"))
    assert root is not None
    errors: list[LoadError] = []
    out = interpolate_tree(root, {"IMAGE": "nginx", "MERGED": "m"}, errors)
    assert out.get("same") is root.get("same") and errors == []


def test_first_entry_changed() -> None:
    root, _ = load_positioned(source_from_text("a: ${A}\nb: 2\nc: [1]\n", "x.yaml"))
    assert root is not None
    out = interpolate_tree(root, {"A": "1"}, [])
    assert list(out.entries) == ["a", "b", "c"] and out.value == {"a": "1", "b": 2, "c": [1]}
    assert out.entries["c"].value is root.entries["c"].value
