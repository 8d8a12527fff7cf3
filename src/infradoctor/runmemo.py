"""Module-level memos that hold parts of one lint's model or parse trees.

Per-stack indexes (keyed by the stack's or a config's id) and the fixers' composed
documents live in module globals, so after a lint they keep the last stack's objects
alive until the next lint replaces them. In-process, the cyclic collector's first pass
after the lint then walks all of them (a corpus lint: 191k objects, where the model's
own cycles are 75k), and an embedding program holds that memory for nothing. A memo
registered here is emptied by `release()`, which `lint` calls once its report is out."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, TypeVar


class _Clearable(Protocol):
    def clear(self) -> None: ...


M = TypeVar("M", bound=_Clearable)

_CLEARS: list[Callable[[], None]] = []


def per_run(memo: M) -> M:
    """Register `memo` (a dict or anything with `clear()`) to be emptied by `release`."""
    _CLEARS.append(memo.clear)
    return memo


def per_run_clear(clear: Callable[[], None]) -> None:
    """Register a function that empties a memo (an lru_cache's `cache_clear`)."""
    _CLEARS.append(clear)


def release() -> None:
    """Empty every registered memo: nothing from the last lint stays reachable."""
    for clear in _CLEARS:
        clear()
