"""Regular expressions compiled on first use.

A lint process imports about 230 modules defining about 230 patterns, and compiling one
costs 20-700 us, while a given run uses only some of them (redaction's token shapes,
policy, Helm, Terraform, rare rule branches). A pattern defined with `lazy` compiles at
its first use and from then on calls straight into the compiled pattern. Use it for a
module-level pattern that is only ever called as `PATTERN.method(...)` (never handed to
`re.sub(PATTERN, ...)` and the like, which want a real `re.Pattern`). At first use the
module global naming it is rebound to the compiled pattern, so later calls cost nothing
extra; a stand-in kept elsewhere (a tuple, another module's import) calls through its
instance dict (about 70 ns more per call)."""

from __future__ import annotations

import re
import sys
from typing import cast

# What a compiled pattern offers; all of it lands in the stand-in's __dict__ at first use.
_ATTRS = (
    "search",
    "match",
    "fullmatch",
    "sub",
    "subn",
    "split",
    "findall",
    "finditer",
    "scanner",
    "pattern",
    "flags",
    "groups",
    "groupindex",
)


class _Compiled:
    """A `_Lazy` after its first use: the compiled pattern's bound methods sit in the
    instance __dict__. No `__getattr__` here: a class defining one makes every attribute
    read slower, found or not."""

    _source: tuple[str, int]

    def __repr__(self) -> str:
        return f"lazy({self._source[0]!r})"


class _Lazy(_Compiled):
    """Stands for `re.compile(pattern, flags)` until an attribute is read."""

    def __init__(self, pattern: str, flags: int) -> None:
        self._source = (pattern, flags)

    def __getattr__(self, name: str) -> object:
        compiled = re.compile(*self._source)
        for attr in _ATTRS:
            setattr(self, attr, getattr(compiled, attr))
        self.__class__ = _Compiled  # type: ignore[assignment]  # same layout, no __getattr__
        # The module whose code reads the pattern gets the compiled one in its place:
        # from then on `PATTERN.search` there costs what it did before laziness.
        scope = sys._getframe(1).f_globals
        for key, value in list(scope.items()):
            if value is self:
                scope[key] = compiled
        return getattr(compiled, name)


def lazy(pattern: str, flags: int = 0) -> re.Pattern[str]:
    """`re.compile(pattern, flags)`, compiled when first used."""
    return cast("re.Pattern[str]", _Lazy(pattern, flags))
