"""nginx access.log: status counts, 5xx over time and per upstream peer.

Understands the `combined` format and its common variants: the Docker image's `main`
(extra "$http_x_forwarded_for"), formats with `$upstream_addr $upstream_status ...` appended
positionally or as `key=value` pairs (`upstream_addr=`, `ua=`, `us=`, `upstream_status=`,
`rt=`), and JSON lines (`log_format ... escape=json`). The access log is the measure of
impact: error.log lines include retries that users never saw.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import compress
from operator import itemgetter
from pathlib import Path
from typing import Any

from infradoctor.diagnose.errorlog import (
    PieceJob,
    WorkersFailed,
    access_time,
    file_jobs,
    find_rows,
    gc_paused,
    iso_time,
    job_text,
    map_pieces,
    not_chars,
    piece_lines,
    text_jobs,
    use_workers,
)
from infradoctor.syntax.jsondoc import loads_bounded

MAX_EPOCH = 2**35  # seconds: beyond the year 3000 a number is not a timestamp
_COMBINED = re.compile(r'^(\S+) \S+ (\S+) (\[[^\]]+\]) "((?:[^"\\]|\\.)*)" (\d{3}) (\d+|-)')
_TIME = re.compile(r"\[(\d\d)/(\w{3})/(\d{4}):(\d\d):(\d\d):(\d\d) ([+-]\d{4})\]")
# possessive: a key run not followed by "=" cannot match shorter either, and a quoted
# value ends at its first unescaped quote; same matches, without the backtracking
_KV = re.compile(r'\b([A-Za-z_]++)=("[^"\\]*+(?:\\.[^"\\]*+)*+"|\S+)')
_QUOTED = re.compile(r'"((?:[^"\\]|\\.)*)"')
_ADDR = r"(?:\d{1,3}(?:\.\d{1,3}){3}:\d+|\[[0-9a-fA-F:]+\]:\d+|unix:\S+?|[\w.-]+:\d+)"
_ADDR_LIST = re.compile(
    rf"(?<!\S)({_ADDR}(?:(?:, | : ){_ADDR})*)(?:\s+((?:\d{{3}}|-)"
    rf"(?:(?:, | : )(?:\d{{3}}|-))*))?"
)
UPSTREAM_ADDR_KEYS = ("upstream_addr", "ua", "upstream", "u_addr", "upaddr", "upstream_address")
UPSTREAM_STATUS_KEYS = ("upstream_status", "us", "u_status", "upstatus", "ups")
ERROR_STATUSES = (500, 502, 503, 504)
_LIST_SEP = re.compile(r", | : ")
_CACHE_MAX = 20000  # distinct stamps memoised (lru_cache, no shared dicts)


@dataclass(slots=True)
class AccessLine:
    lineno: int
    raw: str
    ts: float | None
    status: int
    request: str | None
    upstream_addr: str | None = None
    upstream_status: str | None = None


@dataclass(slots=True)
class AccessSummary:
    """Counts over the window. `per_minute` maps minute start (epoch) -> status counts
    (only the statuses in ERROR_STATUSES plus a "total" key), for the timeline."""

    lines_total: int = 0
    parsed: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    per_minute: dict[int, Counter[str]] = field(default_factory=dict)
    upstreams: Counter[tuple[str, str]] = field(default_factory=Counter)  # (peer, status)
    samples: dict[int, list[tuple[str, AccessLine]]] = field(default_factory=dict)
    minute_first: dict[int, float] = field(default_factory=dict)  # first 5xx per minute
    first: float | None = None
    last: float | None = None
    has_upstream_fields: bool = False

    def add(self, source: str, line: AccessLine) -> None:
        self.parsed += 1
        self.statuses[line.status] += 1
        if line.ts is not None:
            self.first = line.ts if self.first is None else min(self.first, line.ts)
            self.last = line.ts if self.last is None else max(self.last, line.ts)
            minute = int(line.ts // 60) * 60
            bucket = self.per_minute.get(minute)
            if bucket is None:
                bucket = self.per_minute[minute] = Counter()
            bucket["total"] += 1
            if line.status in ERROR_STATUSES:
                bucket[str(line.status)] += 1
                first = self.minute_first.get(minute)
                if first is None or line.ts < first:
                    self.minute_first[minute] = line.ts
        if line.upstream_addr:
            self.count_upstream(line.upstream_addr, line.upstream_status, 1)
        if line.status >= 500:
            keep = self.samples.setdefault(line.status, [])
            if len(keep) < 5:
                keep.append((source, line))

    def count_upstream(self, addr_field: str, status_field: str | None, times: int) -> None:
        """Count `times` requests answered by the peers of one `$upstream_addr` value
        (a list when nginx tried several: `a:80, b:80` or `a:80 : b:80`)."""
        self.has_upstream_fields = True
        status_field = status_field or "-"
        if "," not in addr_field and " : " not in addr_field:
            self.upstreams[(addr_field, status_field)] += times
            return
        addrs = _LIST_SEP.split(addr_field)
        stats = _LIST_SEP.split(status_field)
        for i, addr in enumerate(addrs):
            status = stats[i] if i < len(stats) else "-"
            self.upstreams[(addr.strip(), status.strip())] += times

    @property
    def errors_5xx(self) -> int:
        return sum(n for s, n in self.statuses.items() if s >= 500)

    def count(self, *statuses: int) -> int:
        return sum(self.statuses.get(s, 0) for s in statuses)


def parse_line(raw: str, lineno: int = 0, full: bool = True) -> AccessLine | None:
    """Parse one access log line (combined-like or JSON); None if unrecognised. With
    `full=False` the upstream fields are only parsed for 5xx lines (all the summary needs:
    which peer failed), the fast path for large windows."""
    raw = raw.rstrip("\r\n")
    if raw.startswith("{"):
        return _parse_json(raw, lineno)
    m = _COMBINED.match(raw)
    if m is None:
        return None
    stamp = m.group(3)
    ts = _bracketed_time(stamp)
    line = AccessLine(lineno, raw, ts, int(m.group(5)), m.group(4))
    rest = raw[m.end() :]
    if not full and line.status < 500:
        return line
    line.upstream_addr, line.upstream_status = upstream_fields(rest)
    return line


def upstream_fields(rest: str) -> tuple[str | None, str | None]:
    """($upstream_addr, $upstream_status) from what follows `status bytes` in a
    combined-like line: `key=value` pairs (last one wins) or a positional peer list."""
    addr: str | None = None
    status: str | None = None
    if "=" in rest:
        for key, value in _KV.findall(rest):
            k = key.lower()
            v = value[1:-1] if value.startswith('"') else value
            if k in UPSTREAM_ADDR_KEYS and v != "-":
                addr = v
            elif k in UPSTREAM_STATUS_KEYS:
                status = v
    if addr is None:
        # positional: drop the quoted fields (referer, UA, XFF) and look for peer lists
        bare = _QUOTED.sub(" ", rest)
        am = _ADDR_LIST.search(bare)
        if am is not None:
            addr, status = am.group(1), am.group(2)
    return addr, status


def _parse_json(raw: str, lineno: int) -> AccessLine | None:
    try:
        obj = loads_bounded(raw)
    except ValueError:
        return None
    if not isinstance(obj, dict):
        return None
    status = obj.get("status")
    try:
        code = int(str(status))
    except ValueError:
        return None
    ts: float | None = None
    for key in ("time_iso8601", "@timestamp", "time", "timestamp", "time_local"):
        value = obj.get(key)
        if isinstance(value, str):
            tm = _TIME.search(f"[{value}]") if "/" in value else None
            ts = access_time(tm) if tm else iso_time(value)
            if ts is not None:
                break
        elif isinstance(value, int | float) and not isinstance(value, bool):
            # epoch seconds; inf/NaN/1e300 would break per-minute bucketing and display
            ts = float(value) if 0 <= value < MAX_EPOCH else None
            break
    request = obj.get("request") or obj.get("uri")
    line = AccessLine(lineno, raw, ts, code, str(request) if request else None)
    for key in UPSTREAM_ADDR_KEYS:
        if obj.get(key) not in (None, "", "-"):
            line.upstream_addr = str(obj[key])
            break
    for key in UPSTREAM_STATUS_KEYS:
        if obj.get(key) not in (None, ""):
            line.upstream_status = str(obj[key])
            break
    return line


def summarize_per_line(
    texts: Iterable[tuple[str, str]], since: float | None = None
) -> AccessSummary:
    """The straightforward per-line summary (parse_line + add): the reference that
    summarize() must match exactly, kept for tests and the benchmark."""
    summary = AccessSummary()
    for source, text in texts:
        for lineno, raw in enumerate(text.splitlines(), 1):
            summary.lines_total += 1
            line = parse_line(raw, lineno, full=False)
            if line is None:
                continue
            if since is not None and line.ts is not None and line.ts < since:
                continue
            summary.add(source, line)
    return summary


def summarize(texts: Iterable[tuple[str, str]], since: float | None = None) -> AccessSummary:
    """Count statuses over (source, text) windows of access logs (lines split as
    str.splitlines() does)."""
    sources: list[tuple[str, str | Path]] = list(texts)
    return _summarize_pieces(sources, text_jobs(sources), since)


def summarize_file(
    path: Path, source: str | None = None, since: float | None = None
) -> AccessSummary:
    """Stream an access log from disk in bounded memory (lines split as text mode
    reads them)."""
    sources: list[tuple[str, str | Path]] = [(source or str(path), path)]
    return _summarize_pieces(sources, file_jobs(path), since)


def _summarize_pieces(
    sources: list[tuple[str, str | Path]], jobs: Iterable[PieceJob], since: float | None
) -> AccessSummary:
    todo = list(jobs)
    with gc_paused():
        if use_workers(sources):
            try:
                return _summarize_once(sources, todo, since, True)
            except WorkersFailed:
                pass
        return _summarize_once(sources, todo, since, False)


def _summarize_once(
    sources: list[tuple[str, str | Path]],
    jobs: list[PieceJob],
    since: float | None,
    parallel: bool,
) -> AccessSummary:
    summary = AccessSummary()

    def calls() -> Iterator[tuple[Any, ...]]:
        for job in jobs:
            full = frozenset(s for s, kept in summary.samples.items() if len(kept) >= 5)
            yield (_access_job, job, since, full)

    lineno, previous = 0, -1
    for number, part in enumerate(map_pieces(calls(), sources, parallel)):
        job = jobs[number]
        if job.source != previous:
            lineno, previous = 0, job.source
        add_access_piece(
            summary,
            part,
            lambda job=job: job_text(job, sources),  # type: ignore[misc]
            sources[job.source][0],
            lineno,
            since,
        )
        lineno += part.lines
    return summary


def _access_job(
    job: PieceJob,
    sources: Sequence[tuple[str, str | Path]],
    since: float | None,
    full_statuses: frozenset[int],
) -> AccessPiece:
    with gc_paused():
        return scan_access_piece(job_text(job, sources), since, full_statuses)


# _KV over many rests joined by \n, which no value can span: one findall for all lines
_KV_ROWS = re.compile(r'(\n)|\b([A-Za-z_]++)=("[^"\\\n]*+(?:\\.[^"\\\n]*+)*+"|\S+)')


def upstream_fields_many(rests: list[str]) -> list[tuple[str | None, str | None]]:
    """[upstream_fields(rest) for rest in rests], with one regex pass for all."""
    out: list[tuple[str | None, str | None]] = []
    if not rests:
        return out
    addr: str | None = None
    status: str | None = None
    for newline, key, value in _KV_ROWS.findall("\n".join(rests)):
        if newline:
            out.append((addr, status))
            addr = status = None
            continue
        k = key.lower()
        if k in UPSTREAM_ADDR_KEYS:
            v = value[1:-1] if value.startswith('"') else value
            if v != "-":
                addr = v
        elif k in UPSTREAM_STATUS_KEYS:
            status = value[1:-1] if value.startswith('"') else value
    out.append((addr, status))
    for i, (addr, _status) in enumerate(out):
        if addr is None:
            out[i] = upstream_fields(rests[i])
    return out


# ------------------------------------------------------------------ chunked scan
#
# As in errorlog: one regex walks a whole piece and returns one row per line; statuses
# are counted per distinct (time, status) with Counter. Only 5xx lines need their
# upstream fields, and only a few sample lines become AccessLine objects (through
# parse_line(), so they are identical to the per-line reference).

_NOT_QUOTE_BACKSLASH = not_chars('"\\\n')
# (time, 5xx status, rest after the bytes field, other status, "{" of a JSON line)
_ROW = re.compile(
    r"\n(?:(?!\{)\S++ \S++ \S++ \[(" + not_chars("]\n") + r"++)\] "
    '"' + _NOT_QUOTE_BACKSLASH + r"*+(?:\\." + _NOT_QUOTE_BACKSLASH + '*+)*+" '
    r"(?:([5-9]\d\d) (?:\d++|-)(.*)|(\d{3}) (?:\d++|-))|(\{).*|.*)"
)
_TIME_STATUS = itemgetter(0, 1, 3)
_STATUS5 = itemgetter(1)
_REST = itemgetter(2)
_JSON = itemgetter(4)


@functools.lru_cache(maxsize=_CACHE_MAX)
def _bracketed_time(stamp: str) -> float | None:
    """Epoch of `[21/Aug/2026:10:00:01 +0000]`, None when it is no time."""
    tm = _TIME.match(stamp)
    return access_time(tm) if tm else None


@functools.lru_cache(maxsize=_CACHE_MAX)
def _stamp_time(stamp: str) -> float | None:
    return _bracketed_time(f"[{stamp}]")


@dataclass(slots=True)
class AccessPiece:
    """What one piece says, independent of the summary (so another process can compute
    it): counts in first-seen order and the rows of the first 5xx lines."""

    lines: int
    per_line: bool = False  # JSON lines (or 5xx in odd digits): parse line by line
    counts: list[tuple[float | None, int, int]] = field(default_factory=list)  # ts, status, n
    upstreams: list[tuple[str, str | None, int]] = field(default_factory=list)
    samples: dict[int, list[int]] = field(default_factory=dict)  # 5xx status -> rows


def scan_access_piece(
    text: str, since: float | None = None, full_statuses: frozenset[int] = frozenset()
) -> AccessPiece:
    """Count the lines of one piece; `text` is '\\n' + the \\n-normalized piece (row i is
    line i)."""
    rows = find_rows(_ROW, text)
    n = len(rows)
    part = AccessPiece(n)
    if n == 0:
        return part
    counts = Counter(map(_TIME_STATUS, rows))
    if (
        "\n{" in text
        and "{" in set(map(_JSON, rows))
        or any(other and int(other) >= 500 for _stamp, _s5, other in counts)
    ):
        part.per_line = True
        return part
    for (stamp, status5, other), count in counts.items():
        if not stamp:
            continue
        ts = _stamp_time(stamp)
        if since is not None and ts is not None and ts < since:
            continue
        part.counts.append((ts, int(status5 or other), count))
    if not any(status5 for _stamp, status5, _other in counts):
        return part
    # 5xx lines: which peers answered, and the first few lines of each status
    where = list(compress(range(n), map(_STATUS5, rows)))
    if since is not None:
        where = [i for i in where if not _too_old(rows[i][0], since)]
    for (addr, upstream_status), count in Counter(
        upstream_fields_many([rows[i][2] for i in where])
    ).items():
        if addr:
            part.upstreams.append((addr, upstream_status, count))
    for i in where:
        status = int(rows[i][1])
        if status in full_statuses:
            continue
        found = part.samples.setdefault(status, [])
        if len(found) < 5:
            found.append(i)
    return part


def add_access_piece(
    summary: AccessSummary,
    part: AccessPiece,
    piece_text: Callable[[], str],
    source: str,
    lineno0: int,
    since: float | None,
) -> None:
    """Add a scanned piece to `summary` as add() would, line by line in order."""
    summary.lines_total += part.lines
    if part.per_line:
        for i, raw in enumerate(piece_lines(piece_text())):
            line = parse_line(raw, lineno0 + i + 1, full=False)
            if line is not None and not (
                since is not None and line.ts is not None and line.ts < since
            ):
                summary.add(source, line)
        return
    for ts, status, count in part.counts:
        summary.parsed += count
        summary.statuses[status] += count
        if ts is None:
            continue
        if summary.first is None or ts < summary.first:
            summary.first = ts
        if summary.last is None or ts > summary.last:
            summary.last = ts
        minute = int(ts // 60) * 60
        bucket = summary.per_minute.get(minute)
        if bucket is None:
            bucket = summary.per_minute[minute] = Counter()
        bucket["total"] += count
        if status in ERROR_STATUSES:
            bucket[str(status)] += count
            first = summary.minute_first.get(minute)
            if first is None or ts < first:
                summary.minute_first[minute] = ts
    for addr, upstream_status, count in part.upstreams:
        summary.count_upstream(addr, upstream_status, count)
    lines: list[str] | None = None
    for status, found in part.samples.items():
        keep = summary.samples.setdefault(status, [])
        for i in found[: 5 - len(keep)]:
            if lines is None:
                lines = piece_lines(piece_text())
            line = parse_line(lines[i], lineno0 + i + 1, full=False)
            assert line is not None  # the row regex accepted the same line
            keep.append((source, line))


def _too_old(stamp: str, since: float) -> bool:
    ts = _stamp_time(stamp)
    return ts is not None and ts < since


__all__ = [
    "AccessLine",
    "AccessSummary",
    "ERROR_STATUSES",
    "parse_line",
    "summarize",
    "summarize_file",
    "summarize_per_line",
    "upstream_fields",
]
