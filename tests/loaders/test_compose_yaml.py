"""Positioned YAML (syntax/yaml.py): locations, YAML 1.2 scalars, merge keys, hostile input."""

from __future__ import annotations

import pytest

from infradoctor.syntax import yaml as yaml_syntax
from infradoctor.syntax.yaml import (
    estimated_depth,
    load_positioned,
    load_positioned_all,
    resolve_plain_scalar,
    source_from_text,
)


def load(text: str, path: str = "f.yaml"):
    return load_positioned(source_from_text(text, path))


def test_locations_of_keys_and_values_are_one_based_with_char_offsets() -> None:
    text = "a: é\nservices:\n  web:\n    image: nginx  # c\n"
    src = source_from_text(text, "dir/c.yaml")
    root, errors = load_positioned(src)
    assert errors == [] and root is not None
    web = root.get("services").get("web")
    key = web.key_location("image")
    assert (key.file, key.line, key.column) == ("dir/c.yaml", 4, 5)
    assert text[key.offset : key.end_offset] == "image"
    value = web.get("image").location
    assert text[value.offset : value.end_offset] == "nginx"
    assert root.get("a").location.offset == text.index("é")


def test_offsets_stay_right_after_non_ascii_and_odd_line_breaks() -> None:
    text = "k: ü€😀\nnel: x\x85z: last\n"
    src = source_from_text(text)
    root, errors = load_positioned(src)
    assert errors == []
    loc = root.key_location("z")
    assert text[loc.offset : loc.end_offset] == "z"
    loc = root.get("nel").location
    assert text[loc.offset : loc.end_offset] == "x"


def test_plain_scalars_follow_yaml_1_2_like_compose() -> None:
    root, _ = load("v: [yes, on, 22:22, 0x1F, 1.5, ~, 2020-01-01, !!str 5, '7', 8, true, null]")
    assert root.value == {
        "v": ["yes", "on", "22:22", 31, 1.5, None, "2020-01-01", "5", "7", 8, True, None]
    }
    assert resolve_plain_scalar("0o17") == 15
    assert resolve_plain_scalar("-.inf") == float("-inf")
    assert resolve_plain_scalar("No") == "No"


def test_merge_keys_explicit_keys_win_then_first_merged() -> None:
    text = (
        "x-a: &a {restart: always, user: a, only_a: 1}\n"
        "x-b: &b {restart: 'no', user: b, only_b: 2}\n"
        "svc:\n"
        "  <<: [*a, *b]\n"
        "  user: explicit\n"
    )
    root, errors = load(text)
    assert errors == []
    svc = root.get("svc")
    assert svc.value == {"user": "explicit", "restart": "always", "only_a": 1, "only_b": 2}
    assert svc.entry("restart").merged is True
    assert svc.key_location("restart").line == 1  # points into the anchored mapping
    assert svc.entry("user").merged is False


def test_single_merge_key_and_shared_alias_nodes() -> None:
    root, errors = load("base: &b {x: 1}\nuse: {<<: *b, y: 2}\nsame: *b\n")
    assert errors == []
    assert root.get("use").value == {"y": 2, "x": 1}
    assert root.get("same") is root.get("base")


def test_billion_laughs_is_refused_fast_with_file_and_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 10):
        prev, cur = chr(96 + i), chr(97 + i)
        lines.append(f"{cur}: &{cur} [" + ",".join([f"*{prev}"] * 9) + "]")
    # Work is counted, not timed: node conversions (alias references included) stay
    # near the ~200 nodes written; expanding the bomb would need 9**10 and fails here.
    calls = 0
    real = yaml_syntax._Converter.convert

    def convert(self: yaml_syntax._Converter, node: object, depth: int) -> object:
        nonlocal calls
        calls += 1
        if calls > 10_000:
            pytest.fail("the alias bomb is being expanded")
        return real(self, node, depth)  # type: ignore[arg-type]

    monkeypatch.setattr(yaml_syntax._Converter, "convert", convert)
    root, errors = load("\n".join(lines) + "\n", "bomb.yml")
    assert root is None
    assert [e.kind for e in errors] == ["alias-bomb"]
    assert errors[0].file == "bomb.yml" and errors[0].line is not None and errors[0].line > 1
    assert 0 < calls <= 1_000


def test_small_budget_counts_expanded_nodes() -> None:
    text = "a: &a [1, 2, 3, 4]\nb: &b [*a, *a, *a, *a]\nc: [*b, *b, *b, *b]\n"
    src = source_from_text(text)
    root, errors = load_positioned(src, max_nodes=20)
    assert root is None and errors[0].kind == "alias-bomb"
    root, errors = load_positioned(src)
    assert errors == [] and len(root.value["c"]) == 4


def test_recursive_anchor_is_refused() -> None:
    root, errors = load("a: &x [1, *x]\n")
    assert root is None and errors[0].kind == "alias-bomb" and "recursive" in errors[0].message


def test_deep_nesting_is_refused_without_crashing_the_interpreter() -> None:
    root, errors = load("[" * 100_000 + "]" * 100_000)
    assert root is None and errors[0].kind == "invalid"
    root, errors = load("[" * 300 + "]" * 300)
    assert root is None and "deeper" in errors[0].message
    assert estimated_depth("a:\n  b:\n    c: [1, [2]]\n") < 20


def test_parse_error_has_line_and_column() -> None:
    root, errors = load("a: 1\nb: [1, 2\nc: 3\n", "bad.yml")
    assert root is None
    (err,) = errors
    assert err.kind == "parse-error" and err.file == "bad.yml"
    assert err.line == 3 and err.column is not None
    assert "invalid YAML" in err.message


def test_undefined_alias_is_a_parse_error() -> None:
    root, errors = load("a: *nope\n")
    assert root is None and errors[0].kind == "parse-error" and errors[0].line == 1


def test_duplicate_keys_are_reported_and_last_wins() -> None:
    root, errors = load("a: 1\nb: 0\na: 2\n")
    assert root.value == {"a": 2, "b": 0}
    assert errors[0].kind == "invalid" and errors[0].line == 3 and "duplicate" in errors[0].message


def test_multi_document_streams_and_empty_input() -> None:
    docs, errors = load_positioned_all(source_from_text("a: 1\n---\n---\nb: 2\n"))
    assert errors == [] and [d.value if d else None for d in docs] == [{"a": 1}, None, {"b": 2}]
    assert load("") == (None, [])
    root, errors = load("a: 1\n---\nb: [\n")
    assert root is not None and root.value == {"a": 1} and errors[0].kind == "parse-error"


def test_custom_tags_are_kept() -> None:
    root, errors = load("a: !reset []\nb: !override {x: 1}\nc: !Ref thing\n")
    assert errors == []
    assert root.get("a").tag == "!reset" and root.get("b").tag == "!override"
    assert root.get("c").value == "thing"


def test_at_walks_keys_and_indexes() -> None:
    root, _ = load("services:\n  web:\n    ports: ['80:80', '443:443']\n")
    assert root.at("services", "web", "ports", 1).value == "443:443"
    assert root.at("services", "web", "ports", 5) is None
    assert root.at("services", "nope", "ports") is None
    assert root.at() is root


def test_control_characters_are_a_parse_error_with_line() -> None:
    root, errors = load("a: 1\nb: x\x07y\n")
    assert root is None
    assert (errors[0].kind, errors[0].line, errors[0].column) == ("parse-error", 2, 5)
    assert "#x0007" in errors[0].message
