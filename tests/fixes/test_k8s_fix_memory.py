"""Computing the fixes of a big Kubernetes manifest holds one document's YAML nodes at a
time (issue 8: `lint` of a 5,000-Deployment file peaked at 250 MB while libyaml's nodes
of the whole file stayed alive for the K8S004 readinessProbe fixes).

No timing: Python's allocation tracer counts bytes, and the document stream counts the
documents it composes."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import pytest
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from infradoctor.engine import lint
from infradoctor.fixes import yaml_docs
from infradoctor.fixes.attach import resolve_fixes
from infradoctor.fixes.context import YamlFile
from infradoctor.fixes.yaml_docs import DocStream
from infradoctor.fixes.yaml_edit import Style, YamlEditError, parse_documents
from tests.conftest import bench_synth


def _whole_file_bytes(text: str) -> int:
    """What libyaml's nodes of every document take (what the fixers used to keep)."""
    tracemalloc.start()
    try:
        start = tracemalloc.get_traced_memory()[0]
        docs = parse_documents(text)
        size = tracemalloc.get_traced_memory()[0] - start
    finally:
        tracemalloc.stop()
    assert docs
    return size


def test_k8s_fixes_hold_one_document_not_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = bench_synth().write(tmp_path / "k", "k8s", 400)
    text = (root / "manifests.yaml").read_text()
    streams: list[DocStream] = []
    scan = DocStream.scan.__func__  # type: ignore[attr-defined]

    def counting_scan(cls: type[DocStream], text: str) -> tuple[DocStream, Style]:
        found: tuple[DocStream, Style] = scan(cls, text)
        streams.append(found[0])
        return found

    monkeypatch.setattr(DocStream, "scan", classmethod(counting_scan))
    findings = lint(root).findings
    assert sum(f.rule == "K8S004" and f.fix_pending for f in findings) >= 300
    tracemalloc.start()
    try:
        start = tracemalloc.get_traced_memory()[0]
        resolve_fixes(findings)
        peak = tracemalloc.get_traced_memory()[1] - start
    finally:
        tracemalloc.stop()
    assert sum(f.rule == "K8S004" and f.fix is not None for f in findings) >= 300
    # the fixes and their edits stay; the whole file's nodes never were alive at once
    whole = _whole_file_bytes(text)
    assert peak < 0.5 * whole, (peak, whole)
    [stream] = streams
    assert len(stream) >= 800
    assert stream.composed <= len(stream)  # each document composed once, in order


MULTI = """\
a: 1
---
# second
b:
  c: [1, 2]
  d: {e: f}
---
- g: h
- i: 'j'
---
k: |
  text
"""


def _nodes(doc: Node) -> list[Node]:
    out: list[Node] = []
    todo = [doc]
    while todo:
        n = todo.pop()
        out.append(n)
        if isinstance(n, MappingNode):
            todo.extend(v for _, v in n.value)
        elif isinstance(n, SequenceNode):
            todo.extend(n.value)
    return out


def test_node_at_finds_the_nodes_the_whole_parse_has() -> None:
    stream, style = DocStream.scan(MULTI)
    assert style == Style.of(MULTI, parse_documents(MULTI))
    streamed = YamlFile("m.yaml", MULTI, None, style, stream=stream)
    whole = YamlFile("m.yaml", MULTI, parse_documents(MULTI), style)
    wanted = [n for d in whole.docs for n in _nodes(d)]
    assert len(wanted) > 10
    for n in reversed(wanted):  # backwards too: jumps restart the stream
        for kind in (MappingNode, ScalarNode):
            a = streamed.node_at(n.start_mark.index, kind)
            b = whole.node_at(n.start_mark.index, kind)
            assert (a is None) == (b is None)
            if a is not None and b is not None:
                assert (a.start_mark.index, a.end_mark.index, a.tag) == (
                    b.start_mark.index,
                    b.end_mark.index,
                    b.tag,
                )
                assert (a.start_mark.line, a.start_mark.column) == (
                    b.start_mark.line,
                    b.start_mark.column,
                )
    assert streamed.node_at(MULTI.index("# second"), MappingNode) is None


def test_jumps_back_restart_then_keep_the_whole_file() -> None:
    stream, _ = DocStream.scan(MULTI)
    assert len(stream) == 4
    assert stream.index_at(0) == 0 and stream.index_at(MULTI.index("k:")) == 3
    last = stream.document(3)
    assert stream.document(3) is last and stream.composed == 4
    for _ in range(yaml_docs.MAX_RESTARTS):
        stream.document(0)
        stream.document(3)
    composed = stream.composed
    stream.document(0)  # one jump too many: parsed whole, kept
    assert stream.composed == composed
    assert [stream.document(i).start_mark.index for i in range(4)] == stream.starts


def test_a_stream_that_does_not_parse_is_refused() -> None:
    with pytest.raises(YamlEditError):
        DocStream.scan("a: 1\n---\nb: [\n")
