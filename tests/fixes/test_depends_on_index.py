"""XF005's fixer finds the `depends_on` a finding points at from an index built once per
file (a walk per finding made fixing quadratic: 2,000 services took 8 s of CPU). The
index must answer what the old stop-at-first-match walk answered."""

from __future__ import annotations

import random

from yaml.nodes import MappingNode, Node, SequenceNode

from infradoctor.fixes import yaml_edit as ye
from infradoctor.fixes.compose_edit import _DependsOnIndex
from infradoctor.fixes.context import YamlFile, scalar_value

TEXT = """\
x-deps: &deps
  - db
services:
  a:
    image: a
    depends_on: [b, c]
  b:
    image: b
    depends_on: *deps
  c:
    image: c
    depends_on:
      db:
        condition: service_started
        depends_on: [weird]
  db:
    image: postgres
"""


def _walk(docs: list[Node], offset: int) -> tuple[Node, Node] | None:
    """The walk the index replaced (first match in walk order)."""
    seen: set[int] = set()
    stack: list[Node] = list(docs)
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, SequenceNode):
            stack.extend(node.value)
        elif isinstance(node, MappingNode):
            for k, v in node.value:
                if (
                    scalar_value(k) == "depends_on"
                    and isinstance(v, SequenceNode | MappingNode)
                    and v.start_mark.index <= offset < v.end_mark.index
                ):
                    return k, v
                stack.append(v)
    return None


def _yaml_file(text: str) -> YamlFile:
    docs = ye.parse_documents(text)
    return YamlFile("compose.yaml", text, docs, ye.Style.of(text, docs))


def test_index_answers_as_the_walk_at_every_offset() -> None:
    yf = _yaml_file(TEXT)
    index = _DependsOnIndex(yf)
    hits = 0
    for offset in range(len(TEXT) + 1):
        want = _walk(yf.docs, offset)
        got = index.at(offset)
        assert (got is None) == (want is None), offset
        if want is not None and got is not None:
            hits += 1
            assert got[0] is want[0] and got[1] is want[1], offset
    assert hits > 0


def test_nested_depends_on_resolves_to_the_walks_choice() -> None:
    yf = _yaml_file(TEXT)
    offset = TEXT.index("[weird]") + 1  # inside both c's depends_on and the nested one
    got = _DependsOnIndex(yf).at(offset)
    want = _walk(yf.docs, offset)
    assert got is not None and want is not None and got[1] is want[1]


def test_random_stacks_agree_with_the_walk() -> None:
    rng = random.Random(8)
    for _ in range(20):
        lines = ["services:"]
        for i in range(rng.randint(1, 12)):
            lines += [f"  s{i}:", "    image: x"]
            deps = [f"s{j}" for j in range(i) if rng.random() < 0.5]
            if deps and rng.random() < 0.5:
                lines.append(f"    depends_on: [{', '.join(deps)}]")
            elif deps:
                lines.append("    depends_on:")
                lines += [f"      - {d}" for d in deps]
        text = "\n".join(lines) + "\n"
        yf = _yaml_file(text)
        index = _DependsOnIndex(yf)
        for offset in range(0, len(text) + 1, 3):
            want, got = _walk(yf.docs, offset), index.at(offset)
            assert (got and got[1]) is (want and want[1]), (text, offset)
