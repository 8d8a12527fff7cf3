"""The shell word splitter: shlex's words for balanced input, best effort (never an
exception, never recursion) for unbalanced quotes, linear time on huge input."""

from __future__ import annotations

import shlex

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from infradoctor.facts.args import split_shell
from infradoctor.rules.compose._util import (
    MAX_SCRIPT_NESTING,
    _shell_words,
    command_segments,
    one_shot_command,
)
from infradoctor.syntax.shell import split_words
from tests.worktally import assert_linear

CONFIGS = [("", False), (";&|()", False), (";&|", True)]


def _shlex(text: str, operators: str, comments: bool) -> list[str] | None:
    lex = shlex.shlex(text, posix=True, punctuation_chars=operators or False)
    lex.whitespace_split = True
    lex.commenters = "#" if comments else ""
    try:
        return list(lex)
    except ValueError:
        return None


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet="ab c\t\n'\"\\;&|()#=$-", max_size=24))
def test_same_words_as_shlex_for_balanced_input(text: str) -> None:
    for operators, comments in CONFIGS:
        expected = _shlex(text, operators, comments)
        if expected is not None:
            assert split_words(text, operators, comments=comments) == expected


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("echo can't reach db", ["echo", "cant reach db"]),
        ('";', [";"]),
        ('psql -c "SELECT 1', ["psql", "-c", "SELECT 1"]),
        ("a 'b c", ["a", "b c"]),
        ('x "a \\" b', ["x", 'a " b']),
        ("trailing\\", ["trailing\\"]),
        ('"', [""]),
        ("'", [""]),
    ],
)
def test_unterminated_quote_makes_the_rest_one_word(text: str, words: list[str]) -> None:
    assert split_words(text) == words


def test_operators_and_comments() -> None:
    assert split_words("a&&b ;c|d", ";&|") == ["a", "&&", "b", ";", "c", "|", "d"]
    assert split_words("run # note\nnext", comments=True) == ["run", "next"]
    assert split_words("run # note", comments=False) == ["run", "#", "note"]
    assert split_shell("(cd x && make)") == ["(", "cd", "x", "&&", "make", ")"]


@pytest.mark.parametrize(
    ("head", "unit"),
    [("", "xxxx"), ("", "a "), ("", "'"), ('"', 'a \\" '), ("", "\\a"), ("", ";&")],
)
def test_huge_input_is_linear(head: str, unit: str) -> None:
    # Work is counted, not timed: lines of splitter code run for N and 4N units
    # (a rescan per word or per quote, as shlex did, grows 16x) and at most a small
    # constant per input character (a per-character Python loop over plain runs).
    def run(n: int) -> None:
        text = head + unit * n
        split_words(text, ";&|", comments=True)
        split_shell(text)

    _, large = assert_linear(run, 10_000)
    assert large <= 20 * len(unit) * 40_000
    run(1_000_000)  # the multi-megabyte input still completes


@pytest.mark.parametrize(
    "text",
    [
        '";',
        'psql -c "SELECT 1;" || echo can\'t reach db',
        "bash -c 'sh -c \"a; b\"'",
        ";& ;;& |& ;",
        "'" * 5000 + ";",
        '"' * 5000 + " ;",
    ],
)
def test_script_words_terminate(text: str) -> None:
    words = _shell_words(text)
    assert isinstance(words, list)
    command_segments(text)
    one_shot_command(text)


def test_script_words_split_nested_scripts() -> None:
    assert _shell_words("bash -c 'python app.py; echo done'") == [
        "bash",
        "-c",
        "python",
        "app.py",
        ";",
        "echo",
        "done",
    ]
    assert _shell_words('psql -c "SELECT 1;" || echo can\'t reach db') == [
        "psql",
        "-c",
        "SELECT",
        "1",
        ";",
        "||",
        "echo",
        "cant",
        "reach",
        "db",
    ]


def test_script_nesting_is_bounded() -> None:
    # Each level of quoting is re-split once; past the bound the word stays whole.
    text = "x"
    for _ in range(MAX_SCRIPT_NESTING + 3):
        text = "sh -c " + shlex.quote(text + " ;")
    words = _shell_words(text)
    assert words.count("sh") == MAX_SCRIPT_NESTING + 1
    assert any(" " in w for w in words)


def test_word_limit() -> None:
    assert split_words("a b c d", max_words=2) == ["a", "b"]
    assert split_words("a 'b' c d", max_words=3) == ["a", "b", "c"]
    assert len(split_shell("x " * 50_000)) == 10_000
    assert len(_shell_words("x " * 50_000)) == 10_000
