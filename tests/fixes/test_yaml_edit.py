"""yaml_edit works on any YAML text: compose files and multi-document Kubernetes
manifests alike, never re-serialising, keeping comments and quoting."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from infradoctor.fixes import yaml_edit as ye


def _apply(text: str, edits: list[ye.TextEdit]) -> str:
    out = ye.apply_text_edits(text, edits)
    yaml.safe_load_all(out)  # still parses
    return out


def test_insert_after_last_line_keeps_trailing_comment_and_blank() -> None:
    text = "a:\n  b: 1  # one\n  # about c\n\nz: 2\n"
    node = ye.find(ye.parse_document(text), ["a"])
    out = _apply(text, ye.insert_key(text, node, "c", "x"))
    assert out == "a:\n  b: 1  # one\n  c: x\n  # about c\n\nz: 2\n"


def test_insert_detects_four_space_indent_and_nested_values() -> None:
    text = "svc:\n    image: x\n"
    node = ye.find(ye.parse_document(text), ["svc"])
    out = _apply(
        text,
        ye.insert_keys(text, node, {"logging": {"options": {"max-file": "3"}}, "ports": ["80:80"]}),
    )
    assert out == (
        "svc:\n    image: x\n    logging:\n        options:\n"
        '            max-file: "3"\n    ports:\n        - "80:80"\n'
    )


def test_insert_respects_indentless_sequences() -> None:
    text = "svc:\n  ports:\n  - '80:80'\n  image: x\n"
    docs = ye.parse_documents(text)
    style = ye.Style.of(text, docs)
    assert not style.indent_sequences and style.quote == "'"
    out = _apply(
        text, ye.insert_key(text, ye.find(docs[0], ["svc"]), "cap_drop", ["ALL"], style=style)
    )
    assert out.endswith("  image: x\n  cap_drop:\n  - ALL\n")


def test_insert_into_flow_and_empty_flow_mapping() -> None:
    text = "a: {x: 1}\nb: {}\n"
    doc = ye.parse_document(text)
    edits = ye.insert_key(text, ye.find(doc, ["a"]), "y", "two words")
    edits += ye.insert_key(text, ye.find(doc, ["b"]), "k", [1, 2])
    assert _apply(text, edits) == "a: {x: 1, y: two words}\nb: {k: [1, 2]}\n"


def test_insert_into_null_values() -> None:
    text = "a:\nb: ~  # nothing yet\nc: 1\n"
    doc = ye.parse_document(text)
    edits: list[ye.TextEdit] = []
    for name in ("a", "b"):
        key, node = ye.find_pair(doc, name)  # type: ignore[misc]
        edits += ye.insert_key(text, node, "k", "v", parent_key=key)
    assert _apply(text, edits) == "a:\n  k: v\nb:  # nothing yet\n  k: v\nc: 1\n"


def test_insert_after_block_scalar_and_without_final_newline() -> None:
    text = "a:\n  run: |\n    echo hi\n\n  other: 1"
    text2 = "a:\n  run: |\n    echo hi\n\n"
    out = _apply(text, ye.insert_key(text, ye.find(ye.parse_document(text), ["a"]), "k", 1))
    assert out == "a:\n  run: |\n    echo hi\n\n  other: 1\n  k: 1"
    out2 = _apply(text2, ye.insert_key(text2, ye.find(ye.parse_document(text2), ["a"]), "k", 1))
    assert out2 == "a:\n  run: |\n    echo hi\n  k: 1\n\n"
    assert yaml.safe_load(out2)["a"]["run"] == "echo hi\n"


def test_append_to_block_flow_and_empty_sequences() -> None:
    text = "l:\n  - a   # first\nf: [a]\ne: []\n"
    doc = ye.parse_document(text)
    edits = ye.append_item(text, ye.find(doc, ["l"]), "b")
    edits += ye.append_item(text, ye.find(doc, ["f"]), "b")
    edits += ye.append_item(text, ye.find(doc, ["e"]), "x:y")
    assert _apply(text, edits) == 'l:\n  - a   # first\n  - b\nf: [a, b]\ne: ["x:y"]\n'


def test_set_scalar_keeps_quote_style() -> None:
    text = "a: 'old'\nb: \"old\"\nc: old\n"
    doc = ye.parse_document(text)
    edits = []
    for k in "abc":
        edits += ye.set_scalar(text, ye.find(doc, [k]), "new")
    assert _apply(text, edits) == "a: 'new'\nb: \"new\"\nc: new\n"


def test_scalars_that_would_change_type_are_quoted() -> None:
    for value in ("3", "true", "22:22", "null", "no-new-privileges:true", "a # b", "", "~"):
        rendered = ye.render_scalar(value)
        assert yaml.safe_load(f"k: {rendered}")["k"] == value


def test_kubernetes_multi_document_edit() -> None:
    text = (
        "apiVersion: v1\nkind: Service\nmetadata: {name: web}\n---\n"
        "apiVersion: apps/v1\nkind: Deployment\nspec:\n  template:\n    spec:\n"
        "      containers:\n        - name: web  # main\n          image: web:1\n"
    )
    docs = ye.parse_documents(text)
    container = ye.find(docs[1], ["spec", "template", "spec", "containers", 0])
    out = _apply(
        text,
        ye.insert_key(
            text, container, "readinessProbe", {"httpGet": {"path": "/healthz", "port": 8080}}
        ),
    )
    assert out.endswith(
        "          image: web:1\n          readinessProbe:\n"
        "            httpGet:\n              path: /healthz\n"
        "              port: 8080\n"
    )
    assert out.startswith(text[: text.index("---")])


def test_aliases_are_detected_and_anchors_found() -> None:
    text = "x: &base\n  a: 1\ny: *base\nz:\n  <<: *base\n  b: 2\n"
    doc = ye.parse_document(text)
    key, node = ye.find_pair(doc, "y")  # type: ignore[misc]
    assert ye.is_alias_use(key, node)
    assert ye.anchor_name(text, node) == "base"
    assert ye.anchors(text) == {"base": 3}
    assert len(ye.alias_uses(text, "base")) == 2
    with pytest.raises(ye.YamlEditError):
        ye.replace_node(text, node, {"a": 2}, key=key)
    out = _apply(text, ye.insert_key(text, ye.find(doc, ["z"]), "c", 3))
    assert out.endswith("  b: 2\n  c: 3\n")


def test_mapping_whose_last_value_is_an_alias() -> None:
    text = "x: &l {driver: local}\nsvc:\n  image: a\n  logging: *l\n"
    out = _apply(text, ye.insert_key(text, ye.find(ye.parse_document(text), ["svc"]), "k", 1))
    assert out == "x: &l {driver: local}\nsvc:\n  image: a\n  logging: *l\n  k: 1\n"


def test_parse_error_and_duplicate_key_refused() -> None:
    with pytest.raises(ye.YamlEditError):
        ye.parse_documents("a: [1\n")
    text = "a:\n  b: 1\n"
    with pytest.raises(ye.YamlEditError):
        ye.insert_key(text, ye.find(ye.parse_document(text), ["a"]), "b", 2)


def test_non_ascii_offsets_are_characters() -> None:
    text = 'a:\n  name: "héllo €"  # ünïcode\n'
    out = _apply(text, ye.insert_key(text, ye.find(ye.parse_document(text), ["a"]), "k", "v"))
    assert out == 'a:\n  name: "héllo €"  # ünïcode\n  k: v\n'


def test_keys_too_long_for_an_implicit_key_are_not_written() -> None:
    # Issue 7 N8: a key over 1024 characters written as `key:` is invalid YAML.
    long = "db" + "$a" * 600
    with pytest.raises(ye.YamlEditError):
        ye.render_entry(long, "x", 0, ye.Style())
    with pytest.raises(ye.YamlEditError):
        ye.render_flow({long: 1})
    doc = "a:\n  b: 1\n"
    mapping = ye.find(ye.parse_document(doc), ["a"])
    assert mapping is not None
    with pytest.raises(ye.YamlEditError):
        ye.insert_keys(doc, mapping, {long: 1})
    assert ye.render_entry("db", "x", 0, ye.Style()) == ["db: x"]


@pytest.mark.parametrize("flow", [False, True])
def test_xf005_gives_no_fix_for_a_dependency_name_too_long_for_a_key(
    tmp_path: Path, flow: bool
) -> None:
    from infradoctor.config import LintConfig
    from infradoctor.engine import lint
    from infradoctor.fixes.apply import run_fixes

    name = "db" + "$a" * 600
    deps = f"[{name}]" if flow else f"\n      - {name}"
    text = (
        "services:\n  db:\n    image: postgres:16\n"
        "    healthcheck:\n      test: [CMD, pg_isready]\n  app:\n    image: x:1\n"
        f"    depends_on: {deps}\n"
    )
    (tmp_path / "compose.yaml").write_text(text)
    config = LintConfig(select=["XF005"], report_unused_suppressions=False)
    result = lint(tmp_path, config)
    assert [f.rule for f in result.findings] == ["XF005"]
    assert result.findings[0].fix is None
    assert not result.stack.fixer_crashes
    run = run_fixes(tmp_path, config, unsafe=True)
    assert not run.applied and not run.refused
