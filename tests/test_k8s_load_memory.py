"""Loading a big Kubernetes manifest holds one document's YAML nodes at a time (issue 8:
a 5,000-Deployment file peaked at 212 MB while every document's positioned nodes waited
for the objects to be built).

No timing: Python's own allocation tracer counts bytes. The peak of the load may exceed
what the loaded stack keeps by a little (one document, the parser), not by a copy of
the whole file's node trees (which was 3.4x)."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

from infradoctor.loaders import load_stack
from tests.conftest import bench_synth


def test_k8s_load_peak_is_close_to_what_it_keeps(tmp_path: Path) -> None:
    root = bench_synth().write(tmp_path / "k", "k8s", 300)
    load_stack(root)  # imports and caches outside the measure
    tracemalloc.start()
    try:
        start = tracemalloc.get_traced_memory()[0]
        stack = load_stack(root)
        kept, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(stack.k8s) >= 300
    assert peak - start <= 1.5 * (kept - start), (peak - start, kept - start)
