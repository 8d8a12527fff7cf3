"""Shared test helpers."""

from __future__ import annotations

import functools
import importlib.util
from collections.abc import Mapping
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
CORPUS = SHARED / "corpus"


def require_corpus(path: Path = CORPUS) -> Path:
    """`path` under the shared corpus. The corpus is part of CI, so a missing one fails
    the test that needs it instead of skipping it."""
    if not path.exists():
        pytest.fail(f"{path} missing: the shared corpus (../shared/corpus) is part of CI")
    return path


@functools.cache
def bench_synth() -> ModuleType:
    """bench/synth.py (bench/ is not a package): the synthetic stacks the scaling and
    work-counting tests share with the benchmarks."""
    spec = importlib.util.spec_from_file_location("bench_synth", REPO / "bench" / "synth.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def write_tree(root: Path, files: Mapping[str, str]) -> Path:
    """Write {relative path: text} under root and return root."""
    for rel, text in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    return root


@pytest.fixture
def tree(tmp_path: Path):
    def make(files: Mapping[str, str], name: str = "stack") -> Path:
        return write_tree(tmp_path / name, files)

    return make
