"""Shell-style globs (`*`, `?`, `[...]`) as nginx's include and glob(3) read them,
translated in linear time.

`fnmatch.translate` scans forward for the `]` of every `[`, so a pattern of 20,000 `[`
takes seconds to translate, and `glob.glob` translates once per directory it lists. Here
the closing bracket of every position is found in one backward pass, each component is
translated once, and the disk walk lists each directory of the pattern once."""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Iterator

GLOB_CHARS = frozenset("*?[")


def has_magic(pattern: str) -> bool:
    return any(c in GLOB_CHARS for c in pattern)


def _class(body: str) -> str:
    """A `[...]` body (negation already removed) as a regex class body: ranges kept when
    ordered (glob drops `z-a` like fnmatch does), everything else escaped."""
    parts: list[str] = []
    i, n = 0, len(body)
    while i < n:
        if i + 2 < n and body[i + 1] == "-":
            lo, hi = body[i], body[i + 2]
            if lo <= hi:
                parts.append(f"{re.escape(lo)}-{re.escape(hi)}")
            i += 3
            continue
        parts.append(re.escape(body[i]))
        i += 1
    return "".join(parts)


def translate(pattern: str) -> str:
    """The regex (anchored at both ends) a glob component matches, built in O(len)."""
    n = len(pattern)
    next_close = [-1] * (n + 1)
    for i in range(n - 1, -1, -1):
        next_close[i] = i if pattern[i] == "]" else next_close[i + 1]
    out: list[str] = []
    i = 0
    while i < n:
        c = pattern[i]
        i += 1
        if c == "*":
            if not out or out[-1] != ".*":
                out.append(".*")
        elif c == "?":
            out.append(".")
        elif c == "[":
            j = i + 1 if i < n and pattern[i] == "!" else i
            if j < n and pattern[j] == "]":
                j += 1  # `[]...]` / `[!]...]`: the first `]` is a member
            close = next_close[j] if j <= n else -1
            if close == -1:
                out.append(re.escape("["))  # never closed: a literal `[`
                continue
            negate = pattern[i : i + 1] == "!"
            body = _class(pattern[i + 1 if negate else i : close])
            i = close + 1
            if not body:
                out.append("." if negate else "(?!)")
            else:
                out.append(f"[{'^' if negate else ''}{body}]")
        else:
            out.append(re.escape(c))
    return "(?s:" + "".join(out) + r")\Z"


@functools.lru_cache(maxsize=1024)
def compile_glob(pattern: str) -> re.Pattern[str]:
    return re.compile(translate(pattern))


def fnmatchcase(name: str, pattern: str) -> bool:
    """`fnmatch.fnmatchcase`, in time linear in the pattern."""
    return compile_glob(pattern).match(name) is not None


def _matching_entries(directory: str, component: str) -> Iterator[str]:
    """Names in `directory` matching one glob component; hidden names only when the
    component itself starts with `.` (glob(3) and nginx agree)."""
    rx = compile_glob(component)
    try:
        with os.scandir(directory) as it:
            names = [e.name for e in it]
    except OSError:
        return
    hidden_ok = component.startswith(".")
    for name in names:
        if (hidden_ok or not name.startswith(".")) and rx.match(name):
            yield name


def glob_under(base: str, rel_pattern: str) -> list[str]:
    """Paths under `base` matching the relative pattern `rel_pattern` (already
    normalised, `/`-separated), sorted; `base` itself is never read as a pattern."""
    current = [base]
    for component in rel_pattern.split("/"):
        if not component:
            continue
        nxt: list[str] = []
        if has_magic(component):
            for d in current:
                nxt.extend(os.path.join(d, name) for name in _matching_entries(d, component))
        else:
            nxt = [os.path.join(d, component) for d in current]
        current = nxt
        if not current:
            return []
    return sorted(p for p in current if os.path.lexists(p))
