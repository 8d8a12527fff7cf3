"""Loading a big Kubernetes manifest holds one document's YAML nodes at a time (issue 8:
a 5,000-Deployment file peaked at 212 MB while every document's positioned nodes waited
for the objects to be built).

No timing: Python's own allocation tracer counts bytes. The peak of the load may exceed
what the loaded stack keeps by a little (one document, the parser), not by a copy of
the whole file's node trees (which was 3.4x)."""

from __future__ import annotations

import importlib.util
import tracemalloc
from pathlib import Path
from typing import Any

from infradoctor.loaders import load_stack

REPO = Path(__file__).resolve().parents[1]


def _synth() -> Any:
    spec = importlib.util.spec_from_file_location("bench_synth_k8s", REPO / "bench" / "synth.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_k8s_load_peak_is_close_to_what_it_keeps(tmp_path: Path) -> None:
    root = _synth().write(tmp_path / "k", "k8s", 300)
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
