"""Compose interpolation and .env parsing (loaders/interpolate.py), incl. properties."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from infradoctor.loaders.interpolate import (
    escape,
    interpolate,
    interpolate_tree,
    parse_env_file,
    project_environment,
)
from infradoctor.model.source import LoadError
from infradoctor.syntax.yaml import load_positioned, source_from_text

ENV = {"A": "a", "EMPTY": "", "PORT": "8080"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("$A", "a"),
        ("${A}", "a"),
        ("x${A}y$A.z", "xay" + "a.z"),
        ("${UNSET}", ""),
        ("${UNSET:-d}", "d"),
        ("${EMPTY:-d}", "d"),
        ("${A:-d}", "a"),
        ("${UNSET-d}", "d"),
        ("${EMPTY-d}", ""),
        ("${A:+alt}", "alt"),
        ("${EMPTY:+alt}", ""),
        ("${EMPTY+alt}", "alt"),
        ("${UNSET+alt}", ""),
        ("$$A", "$A"),
        ("$${A}", "${A}"),
        ("${UNSET:-${A}}", "a"),
        ("${UNSET:-${OTHER:-deep}}", "deep"),
        ("${UNSET:-http://${A}:${PORT}/}", "http://a:8080/"),
        ("${A:?must be set}", "a"),
        ("$1 $ end$", "$1 $ end$"),
        ("${PORT}:80", "8080:80"),
    ],
)
def test_interpolation_per_compose_spec(text: str, expected: str) -> None:
    result = interpolate(text, ENV)
    assert result.errors == []
    assert result.text == expected


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("${UNSET:?please set it}", "required variable UNSET is missing a value: please set it"),
        ("${EMPTY:?}", "required variable EMPTY"),
        ("${UNSET?x}", "required variable UNSET"),
        ("${A", "unclosed"),
        ("${}", "invalid interpolation format"),
        ("${1A}", "invalid interpolation format"),
        ("${A:x}", "invalid interpolation format"),
    ],
)
def test_interpolation_errors_are_messages_not_exceptions(text: str, fragment: str) -> None:
    result = interpolate(text, ENV)
    assert any(fragment in e for e in result.errors), result.errors


def test_required_with_empty_allowed_by_plain_question_mark() -> None:
    assert interpolate("${EMPTY?x}", ENV).errors == []


def test_unused_default_is_not_evaluated() -> None:
    assert interpolate("${A:-${B:?boom}}", ENV).errors == []
    assert interpolate("${UNSET:-${B:?boom}}", ENV).errors != []


def test_missing_variables_are_recorded() -> None:
    assert interpolate("$X ${Y} ${Z:-d}", {}).missing == ["X", "Y"]


def test_lookup_function_is_accepted() -> None:
    assert interpolate("${A}", lambda name: name.lower()).text == "a"


def test_tree_interpolation_reports_file_and_line() -> None:
    src = source_from_text(
        "services:\n  web:\n    image: x:${TAG}\n    env: ${NEED:?no}\n", "p/compose.yaml"
    )
    root, _ = load_positioned(src)
    errors: list[LoadError] = []
    out = interpolate_tree(root, {"TAG": "1"}, errors)
    assert out.value["services"]["web"]["image"] == "x:1"
    assert root.value["services"]["web"]["image"] == "x:${TAG}"  # original untouched
    (err,) = errors
    assert (err.file, err.line, err.column, err.kind) == ("p/compose.yaml", 4, 10, "interpolation")


def test_env_file_parsing() -> None:
    text = (
        "# comment\n"
        "export A=1\n"
        'B = "x\\n${A}" # trailing\n'
        "C='literal $A'\n"
        "D=plain ${A}#kept # dropped\n"
        'E="multi\n'
        'line"\n'
        "F\n"
        "G=${A:-q}\n"
        "H=\n"
        "not a line\n"
    )
    env = parse_env_file(text, {"F": "from-env"})
    assert env.values == {
        "A": "1",
        "B": "x\n1",
        "C": "literal $A",
        "D": "plain 1#kept",
        "E": "multi\nline",
        "F": "from-env",
        "G": "1",
        "H": "",
    }
    assert env.lines["E"] == 6 and env.lines["G"] == 9
    assert env.errors and env.errors[0][0] == 11


def test_process_environment_beats_dotenv() -> None:
    merged = project_environment("TAG=1\nONLY=dot\nREF=${TAG}\n", {"TAG": "2"})
    assert merged["TAG"] == "2" and merged["ONLY"] == "dot"
    assert merged["REF"] == "1"  # earlier keys of the same file come first


# ------------------------------------------------------------------ properties

names = st.from_regex(r"[A-Z_][A-Z0-9_]{0,6}", fullmatch=True)
values = st.text(alphabet=st.characters(blacklist_characters="$}"), max_size=12)  # `}` ends a word


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60), st.dictionaries(names, st.text(max_size=8), max_size=4))
def test_interpolation_never_raises(text: str, env: dict[str, str]) -> None:
    result = interpolate(text, env)
    assert isinstance(result.text, str)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="${}:-?+ab_AB19 \n", max_size=40))
def test_interpolation_never_raises_on_dense_syntax(text: str) -> None:
    interpolate(text, {"a": "1", "AB": ""})


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60), st.dictionaries(names, st.text(max_size=8), max_size=4))
def test_escaped_text_round_trips(text: str, env: dict[str, str]) -> None:
    result = interpolate(escape(text), env)
    assert result.text == text and result.errors == []


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_characters="$"), max_size=80))
def test_text_without_dollar_is_unchanged(text: str) -> None:
    assert interpolate(text, ENV).text == text


@settings(max_examples=300, deadline=None)
@given(names, st.one_of(st.none(), st.just(""), values), values, st.sampled_from([":-", "-"]))
def test_default_used_iff_unset_or_empty_as_operator_says(
    name: str, value: str | None, default: str, op: str
) -> None:
    env = {} if value is None else {name: value}
    result = interpolate("${" + name + op + default + "}", env)
    use_default = value is None or (op == ":-" and value == "")
    expected = default if use_default else value
    assert result.text == expected and result.errors == []


@settings(max_examples=200, deadline=None)
@given(names, st.one_of(st.none(), st.just(""), values), st.sampled_from([":?", "?"]))
def test_required_errors_iff_unset_or_empty_as_operator_says(
    name: str, value: str | None, op: str
) -> None:
    env = {} if value is None else {name: value}
    result = interpolate("${" + name + op + "msg}", env)
    missing = value is None or (op == ":?" and value == "")
    assert bool(result.errors) == missing
    assert result.text == ("" if missing else value)


def test_env_file_interpolation_errors_are_kept_apart() -> None:
    env = parse_env_file("A=${NEED:?set it}\nB=ok\n", {})
    assert env.errors == [] and env.values["B"] == "ok"
    assert env.interpolation_errors == [(1, "required variable NEED is missing a value: set it")]
