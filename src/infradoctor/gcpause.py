"""Pausing Python's cyclic garbage collector while a large structure is built.

Loading a stack (and parsing a big YAML file for the fixers) allocates millions of
long-lived objects and next to no cyclic garbage; every time the allocations pass the
collector's thresholds it walks the whole, still growing heap again, which took more
time than the loading itself on a 4 MB compose file. Reference counting still frees
everything acyclic while paused; cycles made meanwhile wait for the next collection.

Inside `one_shot()` (a CLI command) what a paused block built is also frozen when the
block ends (`gc.freeze()`): the first collections after the pause would otherwise walk
the whole new heap again (a quarter of a corpus lint's time went there). The command
unfreezes everything when it ends, so a caller running commands in-process (the tests)
still gets its cycles collected."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

_one_shot = 0  # depth of one_shot() blocks


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
            if _one_shot:
                gc.freeze()
            gc.enable()


@contextmanager
def one_shot() -> Iterator[None]:
    """A whole command: heaps built under `gc_paused` are frozen until the block ends."""
    global _one_shot
    _one_shot += 1
    try:
        yield
    finally:
        _one_shot -= 1
        if not _one_shot:
            gc.unfreeze()
