"""`Style.of` walks a file's nodes in one pass (each node once, and without the seen-set
when the text holds no anchor): it must learn what the plain two-pass walk learnt."""

from __future__ import annotations

import pytest
import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from infradoctor.fixes import yaml_edit as ye


def _reference(text: str, docs: list[Node]) -> ye.Style:
    """The walk as it was: every node once (by identity), then the counts."""
    singles = doubles = 0
    indented, decided = True, False
    for doc in docs:
        seen: set[int] = set()
        stack: list[Node] = [doc]
        order: list[Node] = []
        while stack:
            n = stack.pop()
            if id(n) in seen:
                continue
            seen.add(id(n))
            order.append(n)
            if isinstance(n, MappingNode):
                for k, v in n.value:
                    stack.extend((k, v))
            elif isinstance(n, SequenceNode):
                stack.extend(n.value)
        for n in order:
            if isinstance(n, ScalarNode):
                singles += n.style == "'"
                doubles += n.style == '"'
            elif isinstance(n, MappingNode) and not decided:
                for k, v in n.value:
                    if isinstance(v, SequenceNode) and not v.flow_style and v.value:
                        if not ye.is_alias_use(k, v):
                            indented = ye.column_of(text, v.start_mark.index) > ye.column_of(
                                text, k.start_mark.index
                            )
                            decided = True
                            break
    return ye.Style(ye.detect_indent_unit(text), indented, "'" if singles > doubles else '"')


TEXTS = [
    "services:\n  web:\n    image: 'a'\n    ports:\n    - '80:80'\n    - \"81\"\n",
    'x-q: &q \'single\'\nservices:\n  a: {v: *q}\n  b: {v: *q}\n  c: {v: "d"}\n  e: {v: "d"}\n',
    'a: &s\n  - \'x\'\nb: *s\nc:\n  - "y"\n  - "z"\n',
    'k:\n    - a\n---\nother: "d"\nl:\n- b\n',
    "plain: text\nflow: [a, b]\n",
]


@pytest.mark.parametrize("text", TEXTS)
def test_style_of_matches_the_two_pass_walk(text: str) -> None:
    docs = [d for d in yaml.compose_all(text, Loader=yaml.SafeLoader) if d is not None]
    assert ye.Style.of(text, docs) == _reference(text, docs)


def test_an_aliased_scalar_counts_once() -> None:
    text = TEXTS[1]  # 'single' once (anchored, used twice) against "d" twice
    docs = list(yaml.compose_all(text, Loader=yaml.SafeLoader))
    assert ye.Style.of(text, docs).quote == '"'
