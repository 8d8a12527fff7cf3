"""The fixers compose YAML with the loaders' loader (`syntax.yaml.COMPOSE_LOADER`: PyYAML's
tag resolution in one short method): every node it gives must carry the tag, value and
marks libyaml's own safe loader gives, or the edit checks would compare unlike nodes."""

from __future__ import annotations

import yaml
from yaml.nodes import MappingNode, Node, SequenceNode

from infradoctor.fixes import yaml_edit as ye
from infradoctor.syntax.yaml import COMPOSE_LOADER
from tests.conftest import require_corpus

ODD = "a: [1, 0x1F, 1_000, .5, .inf, ~, yes, No, 2024-01-02, '', \"\", =, <<: *x]\n"


def _shape(node: Node) -> list[tuple[str, str, int, int, object]]:
    out = []
    todo = [node]
    while todo:
        n = todo.pop()
        value = n.value if isinstance(n.value, str) else len(n.value)
        out.append((type(n).__name__, n.tag, n.start_mark.index, n.end_mark.index, value))
        if isinstance(n, MappingNode):
            todo.extend(x for pair in n.value for x in pair)
        elif isinstance(n, SequenceNode):
            todo.extend(n.value)
    return out


def _both(text: str) -> tuple[list[object], list[object]] | None:
    try:
        ours = [_shape(d) for d in yaml.compose_all(text, Loader=COMPOSE_LOADER) if d]
        theirs = [_shape(d) for d in yaml.compose_all(text, Loader=yaml.CSafeLoader) if d]
    except yaml.YAMLError:
        return None
    return ours, theirs


def test_same_nodes_as_the_safe_loader_on_the_corpus() -> None:
    compared = 0
    for path in sorted(require_corpus().rglob("*.y*ml")):
        if not path.is_file() or path.stat().st_size > 200_000:
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        found = _both(text)
        if found is not None:
            assert found[0] == found[1], path
            compared += 1
    assert compared > 500


def test_same_tags_for_odd_scalars() -> None:
    text = ODD.replace("<<: *x", "b") + "x: &x {k: v}\ny:\n  <<: *x\n  z: null\n"
    found = _both(text)
    assert found is not None and found[0] == found[1]
    assert ye.parse_documents(text)[0].value[0][1].value[1].tag.endswith(":int")
