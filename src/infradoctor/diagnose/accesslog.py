"""nginx access.log: status counts, 5xx over time and per upstream peer.

Understands the `combined` format and its common variants: the Docker image's `main`
(extra "$http_x_forwarded_for"), formats with `$upstream_addr $upstream_status ...` appended
positionally or as `key=value` pairs (`upstream_addr=`, `ua=`, `us=`, `upstream_status=`,
`rt=`), and JSON lines (`log_format ... escape=json`). The access log is the measure of
impact: error.log lines include retries that users never saw.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path

from infradoctor.diagnose.errorlog import (
    access_time,
    file_pieces,
    gc_paused,
    iso_time,
    not_chars,
    rows_text,
    text_pieces,
)

_COMBINED = re.compile(r'^(\S+) \S+ (\S+) (\[[^\]]+\]) "((?:[^"\\]|\\.)*)" (\d{3}) (\d+|-)')
_TIME = re.compile(r"\[(\d\d)/(\w{3})/(\d{4}):(\d\d):(\d\d):(\d\d) ([+-]\d{4})\]")
_KV = re.compile(r'\b([A-Za-z_]+)=("(?:[^"\\]|\\.)*"|\S+)')
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
_TS_CACHE: dict[str, float | None] = {}


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
    ts = _TS_CACHE.get(stamp)
    if ts is None:
        tm = _TIME.match(stamp)
        ts = access_time(tm) if tm else None
        if len(_TS_CACHE) > 20000:
            _TS_CACHE.clear()
        _TS_CACHE[stamp] = ts
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
        obj = json.loads(raw)
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
        elif isinstance(value, (int, float)):
            ts = float(value)
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
    summary = AccessSummary()
    with gc_paused():
        for source, text in texts:
            lineno = 0
            for piece in text_pieces(text):
                lineno += _scan_piece(summary, piece, source, lineno, since)
    return summary


def summarize_file(
    path: Path, source: str | None = None, since: float | None = None
) -> AccessSummary:
    """Stream an access log from disk in bounded memory (lines split as text mode
    reads them)."""
    summary = AccessSummary()
    name = source or str(path)
    lineno = 0
    with gc_paused():
        for piece in file_pieces(path):
            lineno += _scan_piece(summary, piece, name, lineno, since)
    return summary


# ------------------------------------------------------------------ chunked scan
#
# As in errorlog: one regex walks a whole piece and returns one row per line; statuses
# are counted per distinct (time, status) with Counter. Only 5xx lines need their
# upstream fields, and only a few sample lines become AccessLine objects (through
# parse_line(), so they are identical to the per-line reference).

_NOT_QUOTE_BACKSLASH = not_chars('"\\\n')
# (time, 5xx status, rest after the bytes field, other status, "{" of a JSON line)
_ROW = re.compile(
    r"\n(?:(?!\{)\S+ \S+ \S+ \[(" + not_chars("]\n") + r"+)\] "
    '"' + _NOT_QUOTE_BACKSLASH + r"*+(?:\\." + _NOT_QUOTE_BACKSLASH + '*+)*+" '
    r"(?:([5-9]\d\d) (?:\d+|-)(.*)|(\d{3}) (?:\d+|-))|(\{).*|.*)"
)
_TIME_STATUS = itemgetter(0, 1, 3)
_STATUS5 = itemgetter(1)
_REST = itemgetter(2)
_JSON = itemgetter(4)


def _stamp_time(stamp: str) -> float | None:
    ts = _TS_CACHE.get(stamp, False)
    if ts is False:
        tm = _TIME.match(f"[{stamp}]")
        ts = access_time(tm) if tm else None
        if len(_TS_CACHE) > 20000:
            _TS_CACHE.clear()
        _TS_CACHE[f"[{stamp}]"] = ts
        _TS_CACHE[stamp] = ts
    return ts  # type: ignore[return-value]


def _scan_piece(
    summary: AccessSummary, piece: str, source: str, lineno0: int, since: float | None
) -> int:
    """Add the lines of one \\n-normalized piece to `summary` exactly as parse_line() +
    add() would. Returns the number of lines in the piece."""
    text = rows_text(piece)
    rows = _ROW.findall(text)
    n = len(rows)
    if n == 0:
        return 0
    summary.lines_total += n
    counts = Counter(map(_TIME_STATUS, rows))
    if "{" in set(map(_JSON, rows)) or any(
        other and int(other) >= 500 for _stamp, _s5, other in counts
    ):
        # JSON lines (or a 5xx status in non-ASCII digits): the per-line path
        for i, raw in enumerate(text[1:].split("\n")):
            line = parse_line(raw, lineno0 + i + 1, full=False)
            if line is not None and not (
                since is not None and line.ts is not None and line.ts < since
            ):
                summary.add(source, line)
        return n
    for (stamp, status5, other), count in counts.items():
        if not stamp:
            continue
        ts = _stamp_time(stamp)
        if since is not None and ts is not None and ts < since:
            continue
        status = int(status5 or other)
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
    if not any(status5 for _stamp, status5, _other in counts):
        return n
    # 5xx lines: which peers answered, and the first few lines of each status
    where = [i for i, row in enumerate(rows) if row[1]]
    if since is not None:
        where = [i for i in where if not _too_old(rows[i][0], since)]
    for (addr, upstream_status), count in Counter(
        upstream_fields(rows[i][2]) for i in where
    ).items():
        if addr:
            summary.count_upstream(addr, upstream_status, count)
    lines: list[str] | None = None
    for i in where:
        status = int(rows[i][1])
        keep = summary.samples.setdefault(status, [])
        if len(keep) < 5:
            if lines is None:
                lines = text[1:].split("\n")
            line = parse_line(lines[i], lineno0 + i + 1, full=False)
            assert line is not None  # the row regex accepted the same line
            keep.append((source, line))
    return n


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
