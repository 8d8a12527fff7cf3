"""fixes.textdiff gives difflib's exact answers (it only skips rescans)."""

from __future__ import annotations

import difflib

from hypothesis import given, settings
from hypothesis import strategies as st

from infradoctor.fixes.textdiff import Matcher, unified_diff

# few distinct lines: repetition is what makes the longest-match search tie
lines = st.lists(st.sampled_from(["a\n", "b\n", "c\n", "  x: 1\n", "}\n", "d"]), max_size=60)


@st.composite
def edited(draw: st.DrawFn) -> tuple[list[str], list[str]]:
    """A text and a copy with insertions, deletions and replacements (as fixes make)."""
    a = draw(lines)
    b = list(a)
    for _ in range(draw(st.integers(0, 8))):
        pos = draw(st.integers(0, len(b)))
        op = draw(st.sampled_from(["insert", "delete", "replace"]))
        if op == "insert":
            b[pos:pos] = draw(st.lists(st.sampled_from(["new\n", "a\n", "}\n"]), min_size=1))
        elif op == "delete":
            del b[pos : pos + draw(st.integers(1, 3))]
        else:
            b[pos : pos + 1] = [draw(st.sampled_from(["a\n", "z\n"]))]
    return a, b


@settings(max_examples=200, deadline=None)
@given(edited(), st.booleans())
def test_same_blocks_and_diff_as_difflib(pair: tuple[list[str], list[str]], auto: bool) -> None:
    a, b = pair
    ours, theirs = Matcher(None, a, b, autojunk=auto), difflib.SequenceMatcher(None, a, b, auto)
    assert ours.get_matching_blocks() == theirs.get_matching_blocks()
    assert ours.get_opcodes() == theirs.get_opcodes()
    assert list(unified_diff(a, b, "a/f", "b/f")) == list(
        difflib.unified_diff(a, b, fromfile="a/f", tofile="b/f")
    )


@settings(max_examples=100, deadline=None)
@given(lines, lines)
def test_unrelated_texts(a: list[str], b: list[str]) -> None:
    assert Matcher(None, a, b).get_opcodes() == difflib.SequenceMatcher(None, a, b).get_opcodes()


def test_many_equal_blocks_with_popular_lines() -> None:
    """The case it exists for: many equal-length blocks, one insertion in each
    (popular lines junked by autojunk, as in a big compose file)."""
    a = [line for i in range(150) for line in (f"  s{i}:\n", "    image: x\n", "    env: 1\n")]
    b = [
        line
        for i in range(150)
        for line in (f"  s{i}:\n", "    image: x\n", "    restart: always\n", "    env: 1\n")
    ]
    for auto in (True, False):
        assert (
            Matcher(None, a, b, autojunk=auto).get_opcodes()
            == difflib.SequenceMatcher(None, a, b, autojunk=auto).get_opcodes()
        )
    assert list(unified_diff(a, b, "a/f", "b/f")) == list(
        difflib.unified_diff(a, b, fromfile="a/f", tofile="b/f")
    )
