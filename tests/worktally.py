"""Count work instead of timing it: lines of infradoctor source executed.

`sys.settrace` sees every line the interpreter runs in src/infradoctor, whatever the
machine's speed or load, so a bound on the count is deterministic. A per-character
Python loop, a quadratic rescan or an exponential expansion shows up as a count far
past the bound; work done inside one C call (a regex, str.join) counts once."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Any, TypeVar

import infradoctor

SRC = str(Path(infradoctor.__file__).resolve().parent)
T = TypeVar("T")


def lines_run(fn: Callable[[], T]) -> tuple[T, int]:
    """`fn()`'s result and how many lines of infradoctor source it executed."""
    count = 0

    def local(frame: FrameType, event: str, arg: Any) -> Any:
        nonlocal count
        if event == "line":
            count += 1
        return local

    def tracer(frame: FrameType, event: str, arg: Any) -> Any:
        if event == "call" and frame.f_code.co_filename.startswith(SRC):
            return local
        return None

    previous = sys.gettrace()
    sys.settrace(tracer)
    try:
        result = fn()
    finally:
        sys.settrace(previous)
    return result, count


GROWTH = 4.5  # allowed count(4N) / count(N): linear work, with slack for fixed costs


def assert_linear(run: Callable[[int], object], n: int) -> tuple[int, int]:
    """Lines run by `run(n)` and `run(4 * n)`; fails unless the second is at most
    GROWTH times the first (a quadratic loop gives 16x)."""
    _, small = lines_run(lambda: run(n))
    _, large = lines_run(lambda: run(4 * n))
    assert large <= GROWTH * max(small, 1) + 50, (small, large)
    return small, large
