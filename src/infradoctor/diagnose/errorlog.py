"""nginx error.log, step 3 of 3: summarize. Group the parsed, classified lines by peer and
by request (*N), count failures, scan large logs in pieces (in worker processes when it
pays), and read a log file backwards to a time cutoff.

Parsing one line is errorparse.py, classifying it errorclass.py; both are re-exported
here, the module callers import."""

from __future__ import annotations

import functools
import gc
import multiprocessing
import operator
import os
import re
from collections import Counter, OrderedDict, defaultdict, deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import compress
from operator import itemgetter
from pathlib import Path
from typing import Any

from infradoctor.diagnose.errorclass import classify
from infradoctor.diagnose.errorline import FAILURE_KINDS, peer_authority
from infradoctor.diagnose.errorparse import (
    _CACHE_MAX,
    ErrorLine,
    Peer,
    _epoch,
    _id,
    _is_unix,
    _message_info,
    _peer_for,
    access_time,
    iso_time,
    line_time,
    nginx_time,
    parse_line,
    parse_peer,
    utc_strftime,
)

MAX_REQUEST_GROUPS = 100_000  # request groups (*N) kept in memory per summary
MAX_PEER_LINES = 200  # failure lines kept per peer
MAX_OTHER_FAILURES = 500  # failure lines without a peer kept
RECENT_REQUESTS = 4096  # past MAX_REQUEST_GROUPS: ids remembered to count each request once


# ------------------------------------------------------------------ summaries


@dataclass(slots=True)
class PeerFailures:
    """All failure lines for one peer (IP:port, unix socket, group or host name)."""

    key: str
    peer: Peer | None
    lines: list[ErrorLine] = field(default_factory=list)
    kinds: Counter[str] = field(default_factory=Counter)
    requests: set[int] = field(default_factory=set)

    @property
    def first(self) -> float | None:
        ts = [x.ts for x in self.lines if x.ts is not None]
        return min(ts) if ts else None

    @property
    def last(self) -> float | None:
        ts = [x.ts for x in self.lines if x.ts is not None]
        return max(ts) if ts else None

    @property
    def main_kind(self) -> str:
        return self.kinds.most_common(1)[0][0] if self.kinds else "other"


@dataclass(slots=True)
class ErrorLogSummary:
    """What one or more error logs say, grouped for the analyzers."""

    lines_total: int = 0
    lines_parsed: int = 0
    by_kind: Counter[str] = field(default_factory=Counter)
    by_level: Counter[str] = field(default_factory=Counter)
    peers: dict[str, PeerFailures] = field(default_factory=dict)
    other_failures: list[ErrorLine] = field(default_factory=list)  # no upstream field
    requests: dict[int, list[ErrorLine]] = field(default_factory=dict)
    requests_overflow: int = 0
    _recent: dict[int, None] = field(default_factory=OrderedDict, repr=False)
    samples: dict[str, list[ErrorLine]] = field(default_factory=lambda: defaultdict(list))
    per_minute: Counter[int] = field(default_factory=Counter)  # failure lines per minute
    minute_first: dict[int, float] = field(default_factory=dict)  # first failure per minute
    first: float | None = None
    last: float | None = None
    keep_samples: int = 20

    def add(self, line: ErrorLine) -> None:
        """Count one parsed line (the per-line reference of the chunked scan)."""
        self.lines_parsed += 1
        self.by_kind[line.kind] += 1
        self.by_level[line.level] += 1
        if line.ts is not None:
            self.first = line.ts if self.first is None else min(self.first, line.ts)
            self.last = line.ts if self.last is None else max(self.last, line.ts)
        # the peer is keyed on the upstream field as logged (before fill_context)
        auth = line.peer_authority
        key = _key_for(line.kind, line.name, auth) if line.kind in FAILURE_KINDS else None
        samples = self.samples[line.kind]
        if len(samples) < self.keep_samples:
            line.fill_context()
            samples.append(line)
        if not line.is_failure:
            return
        if line.ts is not None:
            minute = int(line.ts // 60) * 60
            self.per_minute[minute] += 1
            if minute not in self.minute_first or line.ts < self.minute_first[minute]:
                self.minute_first[minute] = line.ts
        if line.conn is not None:
            group = self._group(line.conn)
            if group is not None and len(group) < 4:
                group.append(line)
        if key is None:
            if len(self.other_failures) < MAX_OTHER_FAILURES:
                line.fill_context()
                self.other_failures.append(line)
            return
        pf = self.peers.get(key)
        if pf is None:
            pf = self.peers[key] = PeerFailures(key, _peer_for(auth))
        if len(pf.lines) < MAX_PEER_LINES:
            line.fill_context()
            pf.lines.append(line)
        pf.kinds[line.kind] += 1
        if line.conn is not None and len(pf.requests) < MAX_REQUEST_GROUPS:
            pf.requests.add(line.conn)

    def _group(self, conn: int) -> list[ErrorLine] | None:
        """The line list of request *conn, created while fewer than MAX_REQUEST_GROUPS
        exist; past that, new requests are only counted (bounded memory)."""
        group = self.requests.get(conn)
        if group is not None:
            return group
        if len(self.requests) < MAX_REQUEST_GROUPS:
            group = self.requests[conn] = []
            return group
        if conn not in self._recent:
            self.requests_overflow += 1
            self._recent[conn] = None
            if len(self._recent) > RECENT_REQUESTS:
                self._recent.popitem(last=False)  # type: ignore[call-arg]
        return None

    @property
    def failures(self) -> int:
        return sum(n for k, n in self.by_kind.items() if k in FAILURE_KINDS)

    @property
    def failed_requests(self) -> int:
        """Distinct client connections (*N) with at least one failure line."""
        return len(self.requests) + self.requests_overflow


def _key_for(kind: str, name: str | None, auth: str | None) -> str | None:
    """Which PeerFailures a failure line belongs to: the failed name for DNS errors, the
    upstream group for `no live upstreams`, else the peer address."""
    if kind in ("dns", "host-not-found", "no-resolver") and name:
        return f"name:{name}"
    if not auth:
        return None
    if kind == "no-live-upstreams":
        return f"group:{name or auth}"
    peer = _peer_for(auth)
    return peer.address if peer else auth


def iter_lines(
    text: str, source: str = "", utc_offset: float = 0.0, since: float | None = None
) -> Iterator[tuple[int, str, ErrorLine | None]]:
    for lineno, raw in enumerate(text.splitlines(), 1):
        line = parse_line(raw, source, lineno, utc_offset, full=False)
        if line is not None and since is not None and line.ts is not None and line.ts < since:
            continue
        yield lineno, raw, line


def summarize_per_line(
    texts: Iterable[tuple[str, str]], utc_offset: float = 0.0, since: float | None = None
) -> ErrorLogSummary:
    """The straightforward per-line summary (parse_line + add): the reference that
    summarize() must match exactly, kept for tests and the benchmark."""
    summary = ErrorLogSummary()
    for source, text in texts:
        for _lineno, _raw, line in iter_lines(text, source, utc_offset, since):
            summary.lines_total += 1
            if line is not None:
                summary.add(line)
    return summary


def summarize(
    texts: Iterable[tuple[str, str]], utc_offset: float = 0.0, since: float | None = None
) -> ErrorLogSummary:
    """Parse and group (source, text) pairs of error log windows (lines split as
    str.splitlines() does; lines before `since` are skipped and not counted)."""
    sources = list(texts)
    summary = ErrorLogSummary()
    with gc_paused():
        for parallel in (True, False) if use_workers(sources) else (False,):
            try:
                _summarize_pieces(summary, text_jobs(sources), sources, utc_offset, since, parallel)
                break
            except WorkersFailed:
                summary = ErrorLogSummary()
    return summary


def summarize_file(
    path: Path, source: str | None = None, utc_offset: float = 0.0, since: float | None = None
) -> ErrorLogSummary:
    """Stream a (windowed) error log from disk in bounded memory (lines split as text
    mode reads them; lines before `since` are counted in lines_total but not parsed)."""
    sources = [(source or str(path), path)]
    summary = ErrorLogSummary()
    with gc_paused():
        for parallel in (True, False) if use_workers(sources) else (False,):
            try:
                _summarize_pieces(summary, file_jobs(path), sources, utc_offset, since, parallel)
                break
            except WorkersFailed:
                summary = ErrorLogSummary()
    return summary


def _summarize_pieces(
    summary: ErrorLogSummary,
    jobs: Iterable[PieceJob],
    sources: Sequence[tuple[str, str | Path]],
    utc_offset: float,
    since: float | None,
    parallel: bool,
) -> None:
    order: list[PieceJob] = []

    def calls() -> Iterator[tuple[Any, ...]]:
        for job in jobs:
            order.append(job)
            full = _full_kinds(summary)
            yield (_error_job, job, utc_offset, since, summary.keep_samples, full)

    lineno = 0
    previous = -1
    for part in map_pieces(calls(), sources, parallel):
        job = order.pop(0)
        if job.source != previous:
            lineno, previous = 0, job.source
        name, where = sources[job.source]
        add_error_piece(
            summary,
            part,
            lambda job=job: job_text(job, sources),  # type: ignore[misc]
            name,
            lineno,
            utc_offset,
            isinstance(where, Path),
        )
        lineno += part.lines


def _error_job(
    job: PieceJob,
    sources: Sequence[tuple[str, str | Path]],
    utc_offset: float,
    since: float | None,
    keep_samples: int,
    full_kinds: frozenset[str],
) -> ErrorPiece:
    with gc_paused():
        return scan_error_piece(job_text(job, sources), utc_offset, since, keep_samples, full_kinds)


# ------------------------------------------------------------------ chunked scan
#
# Per-line Python (parse_line + add) runs at ~25 MB/s. The summaries instead cut the
# window into ~8 MB pieces; scan_*_piece() lets one compiled regex walk a whole piece and
# return one row per line (findall), then counts with Counter over columns, and only the
# rows of failure lines carry on (request id, peer key). That part depends on nothing
# but the piece, so for large windows two forked workers run it; add_*_piece() then adds
# the pieces in order. Only the few lines the summary keeps (samples, the first lines of
# each peer and request) become ErrorLine objects, through parse_line(), so they are
# identical to the per-line reference by construction (tests/diagnose/test_logscan.py).

PIECE_CHARS = 8 * 1024 * 1024
# splitlines() breaks lines on these too; text-mode files only on \r and \r\n
_SPLITLINES_BREAKS = "\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
_TO_NEWLINE = {ord(c): "\n" for c in _SPLITLINES_BREAKS}


def _normalize_breaks(piece: str, every_break: bool) -> str:
    """Make \\n the only line break: \\r\\n and \\r always (universal newlines), and with
    `every_break` also the other separators str.splitlines() honours."""
    if "\r" in piece:
        piece = piece.replace("\r\n", "\n").replace("\r", "\n")
    if every_break and any(c in piece for c in _SPLITLINES_BREAKS[1:]):
        piece = piece.translate(_TO_NEWLINE)
    return piece


PARALLEL_MIN_CHARS = 48 * 1024 * 1024  # below this, forking workers costs more than it saves


@dataclass(frozen=True, slots=True)
class PieceJob:
    """Piece `start:end` of source number `source`: characters of a text, or bytes of a
    file (then always cut after a newline)."""

    source: int
    start: int
    end: int


class WorkersFailed(Exception):
    """The worker processes could not run; the caller redoes the work in-process."""


def text_jobs(sources: Sequence[tuple[str, str | Path]]) -> Iterator[PieceJob]:
    """Pieces of about PIECE_CHARS characters, each ending after a newline."""
    size = PIECE_CHARS
    for number, (_name, text) in enumerate(sources):
        assert isinstance(text, str)
        start, end = 0, len(text)
        while start < end:
            cut = text.rfind("\n", start, start + size) + 1 if start + size < end else end
            if cut <= start:
                cut = text.find("\n", start + size) + 1 or end
            yield PieceJob(number, start, cut)
            start = cut


def file_jobs(path: Path, number: int = 0) -> Iterator[PieceJob]:
    """Byte ranges of about PIECE_CHARS, each ending after a newline (or at the end)."""
    size = PIECE_CHARS
    with open(path, "rb") as fh:
        end = fh.seek(0, os.SEEK_END)
        start = 0
        while start < end:
            cut = min(start + size, end)
            if cut < end:
                fh.seek(cut - 1)
                while True:
                    block = fh.read(65536)
                    nl = block.find(b"\n")
                    if nl != -1:
                        cut += nl
                        break
                    if not block:
                        cut = end
                        break
                    cut += len(block)
            yield PieceJob(number, start, cut)
            start = cut


def job_text(job: PieceJob, sources: Sequence[tuple[str, str | Path]]) -> str:
    """The rows text of a piece: '\\n' + its \\n-normalized lines (works in the workers:
    sources are inherited). Pieces start after a newline, which is read along: no copy."""
    where = sources[job.source][1]
    if isinstance(where, Path):
        with open(where, "rb") as fh:
            if job.start:
                fh.seek(job.start - 1)
                text = fh.read(job.end - job.start + 1).decode("utf-8", "replace")
            else:
                text = "\n" + fh.read(job.end).decode("utf-8", "replace")
        return _normalize_breaks(text, False)
    if job.start:
        return _normalize_breaks(where[job.start - 1 : job.end], True)
    return _normalize_breaks("\n" + where[: job.end], True)


def use_workers(sources: Sequence[tuple[str, str | Path]]) -> bool:
    """Two worker processes pay off for large windows on a machine with 2+ CPUs."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        cpus = os.cpu_count() or 1
    if cpus < 2 or "fork" not in multiprocessing.get_all_start_methods():
        return False
    total = 0
    for _name, where in sources:
        total += where.stat().st_size if isinstance(where, Path) else len(where)
    return total >= PARALLEL_MIN_CHARS


_WORKER_SOURCES: Sequence[tuple[str, str | Path]] = ()


def _run_call(call: tuple[Any, ...]) -> Any:
    fn, job, *args = call
    return fn(job, _WORKER_SOURCES, *args)


def map_pieces(
    calls: Iterator[tuple[Any, ...]],
    sources: Sequence[tuple[str, str | Path]],
    parallel: bool,
) -> Iterator[Any]:
    """fn(job, sources, *args) for each (fn, job, *args) of `calls`, results in order.
    In parallel, two forked workers (which inherit `sources`, no copying) run at most
    16 calls ahead; `calls` is pulled lazily, so a call's arguments can depend on the
    results already consumed."""
    global _WORKER_SOURCES
    if not parallel:
        for fn, job, *args in calls:
            yield fn(job, sources, *args)
        return
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    _WORKER_SOURCES = sources
    pending: deque[Any] = deque()
    try:
        with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("fork")) as pool:
            for call in calls:
                pending.append(pool.submit(_run_call, call))
                if len(pending) >= 16:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
    except (BrokenProcessPool, OSError) as exc:
        raise WorkersFailed(str(exc)) from exc
    finally:
        _WORKER_SOURCES = ()


def find_rows(pattern: re.Pattern[str], text: str) -> list[Any]:
    """pattern.findall() over a piece's rows text ('\\n' + the piece, see job_text()),
    the final newline left out: every line then starts with \\n, the literal the row
    regexes begin with (a literal first char lets the regex engine skip ahead fast), and
    row i is line i."""
    end = len(text)
    return pattern.findall(text, 0, end - 1 if end > 1 and text.endswith("\n") else end)


def piece_lines(text: str) -> list[str]:
    """The lines of a piece from its rows text (row i of find_rows() is line i)."""
    lines = text[1:].split("\n")
    if len(text) > 1 and text.endswith("\n"):
        lines.pop()
    return lines


class LazyLines:
    """Row i of a piece's findall is line i; the lines themselves are split out only
    if some row has to become an object."""

    __slots__ = ("_text", "_lines")

    def __init__(self, text: str) -> None:
        self._text = text
        self._lines: list[str] | None = None

    def __getitem__(self, index: int) -> str:
        if self._lines is None:
            self._lines = piece_lines(self._text)
        return self._lines[index]


def not_chars(chars: str) -> str:
    r"""A regex class of every character except `chars`, spelled as code point ranges:
    re runs `[\x00-\t\x0b-+\--\U0010ffff]*` about 3x faster than the equal `[^\n,]*`."""
    parts: list[str] = []
    low = 0
    for code in sorted({ord(c) for c in chars}):
        if code > low:
            parts.append(f"\\U{low:08x}" + (f"-\\U{code - 1:08x}" if code - 1 > low else ""))
        low = code + 1
    parts.append(f"\\U{low:08x}-\\U0010ffff")
    return "[" + "".join(parts) + "]"


_NOT_NL_COMMA = not_chars("\n,")
_NOT_NL_U = not_chars("\nu")
# One row per line: (head, conn, message, peer authority) for lines that look like nginx
# ones, all empty otherwise. `head` is '<stamp> [<level>]', checked once per distinct
# value by _stamp_time() and _level_ok(). The message ends at the first ", client: " (as in parse_line), the
# authority is that of the first `upstream: "..."` field after it (peer_authority()).
_ROW = re.compile(
    r"\n(?:(.{19}) \[(" + not_chars("]\n") + r"++)\] \d++#\d++: (?:\*(\d++) )?"
    "(" + _NOT_NL_COMMA + "*+(?:,(?! client: )" + _NOT_NL_COMMA + "*+)*+)"
    "(?:, client: " + _NOT_NL_U + '*+(?:u(?!pstream: ")' + _NOT_NL_U + "*+)*+"
    '(?:upstream: "('
    "(?:" + not_chars('"\n:') + "|:(?!//))*+://(?!unix:)" + not_chars('"\n/') + "*+"
    "|" + not_chars('"\n') + "*+"
    "))?)?|.*)"
)
_STAMP = re.compile(r"\d{4}/\d\d/\d\d \d\d:\d\d:\d\d")
_LEVEL = re.compile(r"\w+")


@functools.lru_cache(maxsize=_CACHE_MAX)
def _stamp_time(stamp: str, utc_offset: float) -> float | None | bool:
    """Epoch of a row's stamp (None for an impossible date), False when it is not the
    digits parse_line's prefix regex wants."""
    if _STAMP.fullmatch(stamp) is None:
        return False
    return _epoch(stamp, utc_offset)


@functools.lru_cache(maxsize=_CACHE_MAX)
def _level_ok(level: str) -> bool:
    return _LEVEL.fullmatch(level) is not None


@functools.lru_cache(maxsize=_CACHE_MAX)
def _pair_info(message: str, auth: str) -> tuple[str, bool, str | None, str | None]:
    """(message, authority) -> (kind, is failure, peer key, authority)."""
    authority = auth or None
    cached = _message_info(message, _is_unix(message, authority))
    kind, name = cached[5], cached[8]
    if kind == "no-live-upstreams":
        peer = _peer_for(authority)
        name = peer.host if peer else None
    failure = kind in FAILURE_KINDS
    key = _key_for(kind, name, authority) if failure else None
    return (kind, failure, key, authority)


_MSG_AUTH = itemgetter(3, 4)
_CONN_OF_ROW = itemgetter(2)
_STAMP_OF_ROW = itemgetter(0)
_FIRST = itemgetter(0)
_LEVEL_OF_ROW = itemgetter(1)


@contextmanager
def gc_paused() -> Iterator[None]:
    """Scanning allocates millions of short-lived tuples and keeps ~10^5 lines; the
    cyclic GC would re-walk those on every pass (no cycles are made here)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@dataclass(slots=True)
class ErrorPiece:
    """What one piece says, independent of the summary it is added to (so it can be
    computed in another process): counts in first-seen order, and per failure line its
    row, request id and peer key, in line order."""

    lines: int
    skipped: int = 0  # lines before `since`
    parsed: int = 0
    levels: list[tuple[str, int]] = field(default_factory=list)
    first: float | None = None
    last: float | None = None
    # (kind, is failure, peer key, peer authority, lines) in first-seen order
    pairs: list[tuple[str, bool, str | None, str | None, int]] = field(default_factory=list)
    samples: dict[str, list[int]] = field(default_factory=dict)  # kind -> first rows
    minutes: list[tuple[int, int, float]] = field(default_factory=list)  # minute, n, first
    rows: list[int] = field(default_factory=list)  # failure lines: row in the piece
    conns: list[int | None] = field(default_factory=list)  # ... their request id
    keys: list[str | None] = field(default_factory=list)  # ... their peer key


def scan_error_piece(
    text: str,
    utc_offset: float = 0.0,
    since: float | None = None,
    keep_samples: int = 20,
    full_kinds: frozenset[str] = frozenset(),
) -> ErrorPiece:
    """Classify the lines of one piece; `text` is '\\n' + the \\n-normalized piece (row i
    is line i). `full_kinds` need no sample rows."""
    rows = find_rows(_ROW, text)
    n = len(rows)
    part = ErrorPiece(n)
    if n == 0:
        return part
    index: Sequence[int] = range(n)
    stamps: Sequence[str] | None = None  # only when some rows are dropped
    stamp_counts = Counter(map(_STAMP_OF_ROW, rows))
    level_counts = Counter(map(_LEVEL_OF_ROW, rows))
    when = {stamp: _stamp_time(stamp, utc_offset) for stamp in stamp_counts}
    bad = {stamp for stamp, ts in when.items() if ts is False}
    bad_levels = {level for level in level_counts if not _level_ok(level)}
    late = (
        {stamp for stamp, ts in when.items() if ts is not False and ts is not None and ts < since}
        if since is not None
        else set()
    )
    if bad or bad_levels or late:  # some lines are not nginx ones, or too old
        nginx = [row[0] not in bad and row[1] not in bad_levels for row in rows]
        keep = [ok and row[0] not in late for ok, row in zip(nginx, rows, strict=True)]
        part.skipped = sum(nginx) - sum(keep)
        index = list(compress(index, keep))
        stamps = list(compress(map(_STAMP_OF_ROW, rows), keep))
        stamp_counts = Counter(stamps)
        level_counts = Counter(compress(map(_LEVEL_OF_ROW, rows), keep))
    if not index:
        return part
    part.parsed = len(index)
    part.levels = list(level_counts.items())
    times = [ts for stamp in stamp_counts if (ts := when[stamp]) is not None]
    if times:
        part.first, part.last = min(times), max(times)  # type: ignore[type-var]

    pairs = list(map(_MSG_AUTH, rows)) if len(index) == n else [rows[i][3:] for i in index]
    pair_counts = Counter(pairs)
    row_kind: dict[tuple[str, str], str] = {}
    row_failure: dict[tuple[str, str], tuple[str | None]] = {}  # (peer key,)
    for pair, count in pair_counts.items():
        kind, failure, key, authority = _pair_info(*pair)
        row_kind[pair] = kind
        part.pairs.append((kind, failure, key, authority, count))
        if failure:
            row_failure[pair] = (key,)

    # samples: the first keep_samples lines of each kind
    kinds: list[str] | None = None
    for kind in dict.fromkeys(row_kind.values()):
        if kind in full_kinds or keep_samples <= 0:
            continue
        if kinds is None:
            kinds = list(map(row_kind.__getitem__, pairs))
        found = part.samples[kind] = []
        at = -1
        for _ in range(keep_samples):
            try:
                at = kinds.index(kind, at + 1)
            except ValueError:
                break
            found.append(index[at])

    if not row_failure:
        return part
    failures = list(map(row_failure.get, pairs))  # (key,) or None: one lookup per line
    failing = list(map(bool, failures))
    minutes: dict[int, list[Any]] = {}
    all_stamps = map(_STAMP_OF_ROW, rows) if stamps is None else stamps
    for stamp, count in Counter(compress(all_stamps, failing)).items():
        ts = when[stamp]
        if ts is None or ts is False:
            continue
        minute = int(ts // 60) * 60
        slot = minutes.get(minute)
        if slot is None:
            minutes[minute] = [count, ts]
        else:
            slot[0] += count
            slot[1] = min(slot[1], ts)
    part.minutes = [(minute, count, ts) for minute, (count, ts) in minutes.items()]
    part.rows = list(compress(index, failing))
    conns = list(
        compress(map(_CONN_OF_ROW, rows), failing)
        if len(index) == n
        else compress((rows[i][2] for i in index), failing)
    )
    try:
        part.conns = (
            list(map(int, conns)) if "" not in conns else [int(c) if c else None for c in conns]
        )
    except ValueError:  # a request id too long for int(): the slow, total way
        part.conns = [_id(c) for c in conns]
    part.keys = list(map(_FIRST, filter(None, failures)))
    return part


def _full_kinds(summary: ErrorLogSummary) -> frozenset[str]:
    return frozenset(k for k, v in summary.samples.items() if len(v) >= summary.keep_samples)


def add_error_piece(  # noqa: C901
    summary: ErrorLogSummary,
    part: ErrorPiece,
    piece_text: Callable[[], str],
    source: str,
    lineno0: int,
    utc_offset: float,
    count_skipped: bool,
) -> None:
    """Add a scanned piece to `summary`, in line order. Lines the summary keeps become
    ErrorLine objects through parse_line() (the piece text is fetched only then)."""
    summary.lines_total += part.lines if count_skipped else part.lines - part.skipped
    if not part.parsed:
        return
    summary.lines_parsed += part.parsed
    for level, count in part.levels:
        summary.by_level[level] += count
    if part.first is not None and (summary.first is None or part.first < summary.first):
        summary.first = part.first
    if part.last is not None and (summary.last is None or part.last > summary.last):
        summary.last = part.last
    peers = summary.peers
    for kind, failure, key, authority, count in part.pairs:
        summary.by_kind[kind] += count
        summary.samples[kind]  # noqa: B018 - touched per line in add(): same key order
        if failure and key is not None:
            pf = peers.get(key)
            if pf is None:
                pf = peers[key] = PeerFailures(key, _peer_for(authority))
            pf.kinds[kind] += count

    lines: LazyLines | None = None
    made: dict[int, ErrorLine] = {}

    def line_at(i: int, fill: bool) -> ErrorLine:
        nonlocal lines
        obj = made.get(i)
        if obj is None:
            if lines is None:
                lines = LazyLines(piece_text())
            parsed = parse_line(lines[i], source, lineno0 + i + 1, utc_offset, full=False)
            assert parsed is not None  # the row regex accepted the same prefix
            obj = made[i] = parsed
        if fill:
            obj.fill_context()
        return obj

    for kind, found in part.samples.items():
        samples = summary.samples[kind]
        for i in found[: summary.keep_samples - len(samples)]:
            samples.append(line_at(i, True))

    for minute, count, ts in part.minutes:
        summary.per_minute[minute] += count
        first = summary.minute_first.get(minute)
        if first is None or ts < first:
            summary.minute_first[minute] = ts
    if not part.rows:
        return
    requests = summary.requests
    others = summary.other_failures
    lines_wanted = any(
        len(others) < MAX_OTHER_FAILURES if key is None else len(peers[key].lines) < MAX_PEER_LINES
        for key in set(part.keys)
    )
    if not lines_wanted and len(requests) >= MAX_REQUEST_GROUPS and None not in part.conns:
        _count_requests(summary, part.rows, part.conns, part.keys, line_at)  # type: ignore[arg-type]
        return
    groups_open = len(requests) < MAX_REQUEST_GROUPS
    recent = summary._recent
    for i, conn, key in zip(part.rows, part.conns, part.keys, strict=True):
        if conn is not None:
            group = requests.get(conn)
            if group is None and (groups_open or conn not in recent):
                group = summary._group(conn)
                groups_open = len(requests) < MAX_REQUEST_GROUPS
            if group is not None and len(group) < 4:
                group.append(line_at(i, False))
        if key is None:
            if len(others) < MAX_OTHER_FAILURES:
                others.append(line_at(i, True))
            continue
        pf = peers[key]
        if lines_wanted and len(pf.lines) < MAX_PEER_LINES:
            pf.lines.append(line_at(i, True))
        if conn is not None and len(pf.requests) < MAX_REQUEST_GROUPS:
            pf.requests.add(conn)


def _count_requests(
    summary: ErrorLogSummary,
    where: list[int],
    conns: list[int],
    keys: list[str | None],
    line_at: Callable[[int, bool], ErrorLine],
) -> None:
    """The steady state of the failure loop once the request groups are full and every
    peer has its lines: the same bookkeeping as add(), a column at a time."""
    requests = summary.requests
    known = list(map(requests.__contains__, conns))
    if any(known):
        for i, conn in compress(zip(where, conns, strict=True), known):
            group = requests[conn]
            if len(group) < 4:
                group.append(line_at(i, False))
        fresh = list(compress(conns, map(operator.not_, known)))
    else:
        fresh = conns
    recent = summary._recent
    if len(set(fresh)) == len(fresh) and recent.keys().isdisjoint(fresh):
        summary.requests_overflow += len(fresh)
        recent.update(dict.fromkeys(fresh[-RECENT_REQUESTS:]))
        for _ in range(len(recent) - RECENT_REQUESTS):
            recent.popitem(last=False)  # type: ignore[call-arg]
    else:
        for conn in fresh:
            if conn not in recent:
                summary._group(conn)
    peers = summary.peers
    by_key: dict[str | None, list[int]] = {}
    for key, conn in zip(keys, conns, strict=True):
        bucket = by_key.get(key)
        if bucket is None:
            bucket = by_key[key] = []
        bucket.append(conn)
    for key, bucket in by_key.items():
        if key is None:
            continue
        ids = peers[key].requests
        room = MAX_REQUEST_GROUPS - len(ids)
        if room <= 0:
            continue
        if len(bucket) <= room:
            ids.update(bucket)
            continue
        for conn in bucket:
            if len(ids) >= MAX_REQUEST_GROUPS:
                break
            ids.add(conn)


# ------------------------------------------------------------------ reading files


def read_tail_since(
    path: Path,
    since: float | None,
    *,
    max_bytes: int = 64 * 1024 * 1024,
    timestamp: Callable[[str], float | None] | None = None,
    block: int = 1024 * 1024,
) -> tuple[bytes, int, int]:
    """Read the end of a log file back to the first line at or after `since` (epoch
    seconds), never more than `max_bytes`. Works for error and access logs (timestamps
    are detected per line). Returns (window, bytes_total, bytes_read). Reading goes
    backwards block by block, so a multi-GB log costs only the size of the window."""
    stamp = timestamp or line_time
    with open(path, "rb") as fh:
        fh.seek(0, os.SEEK_END)
        total = fh.tell()
        pos = total
        chunks: list[bytes] = []
        read = 0
        carry = b""
        while pos > 0 and read < max_bytes:
            size = min(block, pos, max_bytes - read)
            pos -= size
            fh.seek(pos)
            data = fh.read(size) + carry
            read += size
            if since is None:
                chunks.append(data)
                carry = b""
                continue
            # the first (possibly partial) line is carried to the next, earlier block
            nl = data.find(b"\n") if pos > 0 else -1
            head, body = (data[: nl + 1], data[nl + 1 :]) if nl != -1 else (b"", data)
            first_ts = _first_time(body, stamp)
            if first_ts is not None and first_ts < since:
                chunks.append(_cut_before(body, since, stamp))
                carry = b""
                pos = 0
                break
            chunks.append(body)
            carry = head
        if carry and pos == 0:
            chunks.append(carry)
    window = b"".join(reversed(chunks))
    if pos > 0 and since is None:  # cut off by max_bytes: drop the partial first line
        nl = window.find(b"\n")
        window = window[nl + 1 :] if nl != -1 else b""
    return window, total, read


def _first_time(data: bytes, stamp: Callable[[str], float | None]) -> float | None:
    for raw in data[:65536].split(b"\n", 64)[:64]:
        ts = stamp(raw.decode("utf-8", "replace"))
        if ts is not None:
            return ts
    return None


def _cut_before(data: bytes, since: float, stamp: Callable[[str], float | None]) -> bytes:
    """Drop the lines of `data` (sorted by time) that are before `since`."""
    lines = data.split(b"\n")
    for i, raw in enumerate(lines):
        ts = stamp(raw.decode("utf-8", "replace"))
        if ts is not None and ts >= since:
            return b"\n".join(lines[i:])
    return b""


__all__ = [
    "FAILURE_KINDS",
    "access_time",
    "peer_authority",
    "ErrorLine",
    "ErrorLogSummary",
    "Peer",
    "PeerFailures",
    "classify",
    "iso_time",
    "line_time",
    "nginx_time",
    "parse_line",
    "parse_peer",
    "read_tail_since",
    "summarize",
    "summarize_file",
    "utc_strftime",
]
