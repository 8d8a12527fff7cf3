"""Shared pieces of the fuzz tests: the oracle of bench/fuzz.py (loaded from its file,
bench/ is not a package) and the hypothesis settings.

The settings are deterministic (`derandomize=True`, no example database) so CI sees the
same examples every run; `INFRADOCTOR_FUZZ_EXAMPLES=N` multiplies the example counts and
`INFRADOCTOR_FUZZ_RANDOM=1` draws fresh random examples (for a longer local hunt).
Shrinking is off unless `INFRADOCTOR_FUZZ_SHRINK=1`: a failing example is already small,
bench/fuzz.py --replay minimises further, and shrinking has no time bound."""

from __future__ import annotations

import importlib.util
import os
import sys
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

from hypothesis import HealthCheck, Phase, settings

REPO = Path(__file__).resolve().parents[2]
BENCH_FUZZ = REPO / "bench" / "fuzz.py"
MULTIPLIER = max(1, int(os.environ.get("INFRADOCTOR_FUZZ_EXAMPLES", "1")))
RANDOM = os.environ.get("INFRADOCTOR_FUZZ_RANDOM") == "1"
SHRINK = os.environ.get("INFRADOCTOR_FUZZ_SHRINK") == "1"


@cache
def bench_fuzz() -> ModuleType:
    spec = importlib.util.spec_from_file_location("infradoctor_bench_fuzz", BENCH_FUZZ)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def fuzz_settings(examples: int) -> Any:
    phases = [Phase.explicit, Phase.generate] + ([Phase.shrink] if SHRINK else [])
    return settings(
        max_examples=examples * MULTIPLIER,
        deadline=None,
        derandomize=not RANDOM,
        database=None,
        phases=phases,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.filter_too_much,
            HealthCheck.function_scoped_fixture,
        ],
    )


def check(files: Mapping[str, str], mode: str) -> list[str]:
    """Failures (signature + detail) of bench/fuzz.py's `mode` oracle on `files`."""
    fuzz = bench_fuzz()
    project = {rel: text.encode("utf-8", "surrogatepass") for rel, text in files.items()}
    result = fuzz.check_project(project, mode, limit=10.0, preview=mode == "fix")
    return [f"{f.sig}\n{f.detail}" for f in result.failures]
