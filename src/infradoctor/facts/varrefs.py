"""`${VAR...}` / `$VAR` references of a compose file, with the service whose block holds
each one. Scanned once per file and service layout: a base compose file is read by every
variant project (`compose.yaml` + `compose.prod.yaml`, + `compose.ci.yaml`, ...), and a
1 MB file with 1.5M references took seconds when each of ~9 projects scanned it again."""

from __future__ import annotations

from collections.abc import Iterator

from infradoctor.lazyre import lazy
from infradoctor.model.source import Location, SourceFile
from infradoctor.records import record

# `$` first, then the look-behind (not preceded by another `$`): a pattern that starts
# with a literal is searched for that character, one that starts with a look-behind is
# tried at every position (2.7x slower on compose lines)
REF_RE = lazy(
    r"\$(?<!\$\$)(?:\{(?P<name>[_a-zA-Z][_a-zA-Z0-9]*)(?:(?P<op>:?[-?+])(?P<word>[^}]*))?\}"
    r"|(?P<bare>[_a-zA-Z][_a-zA-Z0-9]*))"
)

_COMMENT = lazy(r"(?<![^ \t])#")  # a `#` at the start or after a blank

# (line, column, name) of each service key defined in a file, sorted
Starts = tuple[tuple[int, int, str], ...]


@record(hot=True)
class VarRef:
    """One reference. Plain slots and a `location` built on demand: a 1 MB file can hold
    500,000 references, and a frozen dataclass plus a Location each cost 3.5 us a piece
    (1.75 s per lint; the fuzzer's fix run lints three times)."""

    name: str
    op: str | None  # None, ":-", "-", ":?", "?", ":+", "+"
    word: str  # default / error message / alternative
    file: str
    line: int
    column: int
    service: str | None  # the service whose definition holds it (None: outside services)

    @property
    def location(self) -> Location:
        return Location(self.file, self.line, self.column)

    @property
    def has_default(self) -> bool:
        return self.op in (":-", "-")

    @property
    def required(self) -> bool:
        return self.op in (":?", "?")


def file_var_refs(src: SourceFile, starts: Starts) -> tuple[VarRef, ...]:
    """The references of `src`, owned by the services starting at `starts`; memoised on
    the file (projects sharing the file and its services share the answer)."""
    key = ("var_refs", starts)
    found = src.facts_memo.get(key)
    if found is None:
        found = src.facts_memo[key] = tuple(_scan(src, starts))
    return found  # type: ignore[no-any-return]


def _scan(src: SourceFile, starts: Starts) -> Iterator[VarRef]:
    seen = 0  # starts[:seen] begin at or before the current line (lines only grow)
    for lineno, line in _dollar_lines(src.text):
        body = line[: comment_start(line)]
        while seen < len(starts) and starts[seen][0] <= lineno:
            seen += 1
        owner = _owner(starts, seen, lineno, len(line) - len(line.lstrip()))
        path = src.path
        for m in REF_RE.finditer(body):
            # `$$` escapes are skipped by the lookbehind; `$${X}` too
            name, op, word, bare = m.groups()
            yield VarRef(name or bare, op, word or "", path, lineno, m.start() + 1, owner)


def _dollar_lines(text: str) -> Iterator[tuple[int, str]]:
    """(number, text) of the `\n`-separated lines holding a `$`, found with `str.find`:
    most lines of a compose file have none and are never looked at one by one."""
    lineno, counted = 1, 0  # lines before offset `counted`
    pos = text.find("$")
    while pos != -1:
        start = text.rfind("\n", 0, pos) + 1
        lineno += text.count("\n", counted, start)
        counted = start
        end = text.find("\n", pos)
        if end == -1:
            end = len(text)
        yield lineno, text[start:end]
        pos = text.find("$", end)


def comment_start(line: str) -> int:
    """Index of a YAML comment (` #` outside quotes), or len(line)."""
    if "#" not in line:  # most lines: no per-character walk
        return len(line)
    if "'" not in line and '"' not in line:
        m = _COMMENT.search(line)
        return m.start() if m else len(line)
    quote: str | None = None
    for i, ch in enumerate(line):
        if quote:
            if ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
        elif ch == "#" and (i == 0 or line[i - 1] in " \t"):
            return i
    return len(line)


def _owner(starts: Starts, seen: int, lineno: int, indent: int) -> str | None:
    """The service whose block holds a line: the last service key at or before it that
    the line is indented under (or on it). Walks back from the nearest key, so the
    common case (every service at one column) costs one step, not one per service."""
    for i in range(seen - 1, -1, -1):
        sline, scol, sname = starts[i]
        if sline == lineno or indent >= scol:
            return sname
    return None
