"""Pausing Python's cyclic garbage collector while a large structure is built.

Loading a stack (and parsing a big YAML file for the fixers) allocates millions of
long-lived objects and next to no cyclic garbage; every time the allocations pass the
collector's thresholds it walks the whole, still growing heap again, which took more
time than the loading itself on a 4 MB compose file. Reference counting still frees
everything acyclic while paused; cycles made meanwhile wait for the next collection."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def gc_paused() -> Iterator[None]:
    """Disable the cyclic collector for the block (re-entrant: only the outermost block
    enables it again, and only if it was enabled)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
