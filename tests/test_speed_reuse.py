"""Speed work of issue 8 that must not change behaviour: the fixers reuse the compose
loader's YAML nodes (no second parse), redaction memoises short texts, and the parse
floor benchmark still runs. No timing here (tests never time things)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest
import yaml

from infradoctor.config import LintConfig
from infradoctor.engine import lint
from infradoctor.fixes import yaml_edit as ye
from infradoctor.fixes.attach import resolve_fixes
from infradoctor.redact import redact_text
from infradoctor.syntax.yaml import load_positioned_all, source_from_text

REPO = Path(__file__).resolve().parents[1]

COMPOSE = """\
services:
  web:
    image: nginx:1.27
    depends_on:
      - api
  api:
    image: example/api:1.0
"""


def _bench(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"bench_{name}", REPO / "bench" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _shape(node: yaml.Node) -> object:
    """A node graph as comparable data: type, tag, value and source span."""
    if isinstance(node, yaml.ScalarNode):
        value: object = node.value
    elif isinstance(node, yaml.MappingNode):
        value = [(_shape(k), _shape(v)) for k, v in node.value]
    else:
        value = [_shape(v) for v in node.value]
    return (type(node).__name__, node.tag, value, node.start_mark.index, node.end_mark.index)


def test_kept_nodes_are_what_the_fixers_would_parse() -> None:
    src = source_from_text("a: 1\n---\n---\nb: [x, y]\n", "c.yml")
    docs, errors = load_positioned_all(src, keep_nodes=True)
    assert not errors and len(docs) == 3  # the empty document is a null scalar
    assert src.yaml_nodes is not None
    fresh = ye.parse_documents(src.text)
    assert [_shape(n) for n in src.yaml_nodes] == [_shape(n) for n in fresh]


def test_nodes_are_kept_only_when_asked() -> None:
    src = source_from_text("a: 1\n", "c.yml")
    load_positioned_all(src)
    assert src.yaml_nodes is None


@pytest.mark.parametrize(
    "text",
    [
        "a: [1, 2\n",  # a syntax error: the fixers parse again and refuse, as before
        "a: &x [*x]\n",  # a recursive alias: the loader stops early
    ],
)
def test_no_nodes_kept_from_a_stream_not_read_to_its_end(text: str) -> None:
    src = source_from_text(text, "c.yml")
    _, errors = load_positioned_all(src, keep_nodes=True)
    assert errors
    assert src.yaml_nodes is None


def test_compose_files_keep_their_nodes_and_fixes_are_unchanged(tmp_path: Path) -> None:
    (tmp_path / "compose.yaml").write_text(COMPOSE)
    result = lint(tmp_path, LintConfig())
    src = result.stack.files["compose.yaml"]
    assert src.yaml_nodes is not None and len(src.yaml_nodes) == 1
    resolve_fixes(result.findings)
    with_nodes = [(f.rule, f.fix.to_dict() if f.fix else None) for f in result.findings]
    assert any(fix for _, fix in with_nodes), "the example gets at least one fix"

    again = lint(tmp_path, LintConfig())
    again.stack.files["compose.yaml"].yaml_nodes = None  # the fixers parse it themselves
    resolve_fixes(again.findings)
    assert [(f.rule, f.fix.to_dict() if f.fix else None) for f in again.findings] == with_nodes


@pytest.mark.parametrize(
    "text",
    [
        "password: hunter2hunter2",
        "Authorization: Bearer abcdefghijklmnopqrstuvwxyz012345",
        "plain words only",
        "x" * 3000 + " password=hunter2hunter2",  # longer than the memo's limit
    ],
)
def test_redaction_is_the_same_on_every_call(text: str) -> None:
    first = redact_text(text)
    assert redact_text(text) == first
    assert redact_text(str(text)) == first
    if "hunter2" in text or "Bearer" in text:
        assert first != text


def test_parse_floor_counts_every_kind(tmp_path: Path) -> None:
    floor = _bench("parse_floor")
    (tmp_path / "compose.yml").write_text("services:\n  a:\n    image: x\n---\nb: 1\n")
    (tmp_path / "broken.yaml").write_text("a: [1\n")
    (tmp_path / "nginx.conf").write_text("http { server { listen 80; } }\n")
    (tmp_path / "Dockerfile").write_text("FROM alpine\nRUN true\n")
    (tmp_path / ".env").write_text("A=1\n")
    (tmp_path / "README.md").write_text("# not parsed\n")
    seconds, counts = floor.measure(tmp_path)
    assert seconds >= 0
    assert counts["yaml"] == 2 and counts["documents"] == 2
    assert counts["nginx"] == 1 and counts["tokens"] == 9
    assert counts["text"] == 2 and counts["lines"] == 3
