"""nginx error.log: parse lines, classify upstream failures, group them by request, and read
a log file backwards to a time cutoff.

The classification follows shared/reference/nginx-upstream-errors.md: match on the errno
*number* (the strerror text differs between glibc and musl) and on the phase (`while
<action>`); the `upstream: "..."` context field is the join key to a container. Every
class carries the reference id (C1, H2, F2, ...) and the status the client got.
"""

from __future__ import annotations

import calendar
import functools
import gc
import multiprocessing
import operator
import os
import re
import time
from collections import Counter, OrderedDict, defaultdict, deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import compress
from operator import itemgetter
from pathlib import Path
from typing import Any

from infradoctor.syntax.numbers import HUGE

# an nginx error.log line starts '<stamp> [<level>] <pid>#<tid>: *<request id> '
_LINE_PREFIX = re.compile(r"(\d{4}/\d\d/\d\d \d\d:\d\d:\d\d) \[(\w+)\] (\d+)#\d+: (?:\*(\d+) )?")
_ERRNO = re.compile(r" \((\d+): ([^)]*)\)")
_CONTEXT_KEY = re.compile(
    r"(client|server|request|subrequest|upstream|host|referrer|resolver): "
    r"(\"(?:[^\"\\]|\\.)*\"|[^,]*)(?:, |$)"
)
_PEER = re.compile(
    r"^(?P<scheme>[a-z]+)://(?:unix:(?P<unix>[^:]+)(?::|$)|"
    r"(?P<host>\[[^\]]+\]|[^:/]+)(?::(?P<port>\d+))?)"
)
_RESOLVE_NAME = re.compile(r"^(\S+) could not be resolved \((\d+): ([^)]*)\)")
_HOST_NOT_FOUND = re.compile(r'host not found in upstream "([^"]+)"')
_NO_RESOLVER = re.compile(r"no resolver defined to resolve (\S+)")
_FILE_PATH = re.compile(r'(?:open|pwritev?|write|mkdir)\(\) "([^"]+)" failed')
_TEMP_FILE = re.compile(r"buffered to a temporary file (\S+)")

MAX_REQUEST_GROUPS = 100_000  # request groups (*N) kept in memory per summary
MAX_PEER_LINES = 200  # failure lines kept per peer
MAX_OTHER_FAILURES = 500  # failure lines without a peer kept
RECENT_REQUESTS = 4096  # past MAX_REQUEST_GROUPS: ids remembered to count each request once

# (kind, reference id, status) is decided by classify(); these are the kinds that mean
# "the client's request failed because of the upstream or nginx's own resources".
FAILURE_KINDS = frozenset(
    {
        "refused",
        "unreachable",
        "timeout",
        "socket-missing",
        "permission",
        "backlog",
        "ephemeral-ports",
        "no-live-upstreams",
        "fd-exhausted",
        "worker-connections",
        "dns",
        "no-resolver",
        "host-not-found",
        "no-port",
        "reset",
        "closed",
        "too-big-header",
        "invalid-header",
        "ssl",
        "disk-full",
        "readonly",
    }
)


@dataclass(slots=True)
class ErrorLine:
    """One parsed error.log line. `ts` is seconds since the epoch (the log's local time
    read as UTC, minus `utc_offset` when the bundle says what the host's offset was)."""

    source: str
    lineno: int
    raw: str
    ts: float | None
    level: str
    pid: int
    conn: int | None
    message: str
    errno: int | None = None
    errtext: str | None = None
    action: str | None = None
    client: str | None = None
    server: str | None = None
    request: str | None = None
    upstream: str | None = None
    host: str | None = None
    resolver: str | None = None
    referrer: str | None = None
    subrequest: str | None = None
    kind: str = "other"
    ref: str | None = None
    status: int | None = None
    name: str | None = None  # host name that failed to resolve / upstream group
    path: str | None = None  # file path for disk errors / temp files
    context: str | None = field(default=None, repr=False)  # unparsed context (fast path)

    def fill_context(self, context: str | None = None) -> None:
        """Parse the `, client: ..., server: ..., upstream: "..."` pairs."""
        text = context if context is not None else self.context
        if not text:
            return
        for key, value in _CONTEXT_KEY.findall(text):
            if value.startswith('"') and value.endswith('"'):
                value = value[1:-1]
            setattr(self, key, value)
        self.context = None

    @property
    def is_failure(self) -> bool:
        return self.kind in FAILURE_KINDS

    @property
    def peer(self) -> Peer | None:
        return parse_peer(self.upstream) if self.upstream else None

    @property
    def peer_authority(self) -> str | None:
        """'http://172.18.0.5:8000/x' -> 'http://172.18.0.5:8000' (cache key)."""
        return peer_authority(self.upstream)


@dataclass(frozen=True, slots=True)
class Peer:
    """The peer named by an `upstream:` field: an IP/host and port, a unix socket, or
    (for `no live upstreams`) an upstream group name."""

    scheme: str | None
    host: str | None
    port: int | None
    unix: str | None

    @property
    def address(self) -> str:
        if self.unix:
            return f"unix:{self.unix}"
        if self.port is None:
            return self.host or "?"
        return f"{self.host}:{self.port}"


def parse_peer(upstream: str) -> Peer | None:
    m = _PEER.match(upstream)
    if m is None:
        name = upstream.strip().strip('"')
        return Peer(None, name, None, None) if name else None
    port = _int(m.group("port")) if m.group("port") else None
    host = m.group("host")
    if host and host.startswith("["):
        host = host[1:-1]
    if port is None and host and m.group("scheme") in ("http", "https") and not _looks_ip(host):
        port = None  # an upstream group name, e.g. http://backend/path
    return Peer(m.group("scheme"), host, port, m.group("unix"))


def _looks_ip(host: str) -> bool:
    return bool(re.fullmatch(r"[\d.]+|[0-9a-fA-F:]+", host))


def nginx_time(text: str, utc_offset: float = 0.0) -> float | None:
    """'2026/08/21 10:00:01' -> epoch seconds."""
    try:
        t = (
            int(text[0:4]),
            int(text[5:7]),
            int(text[8:10]),
            int(text[11:13]),
            int(text[14:16]),
            int(text[17:19]),
        )
        return calendar.timegm((*t, 0, 0, 0)) - utc_offset
    except (ValueError, IndexError):
        return None


# Memo sizes of the pure per-text helpers below (lru_cache: bounded, no shared dicts)
_CACHE_MAX = 20000


def peer_authority(upstream: str | None) -> str | None:
    """'http://172.18.0.5:8000/x' -> 'http://172.18.0.5:8000'; unix sockets and values
    without a scheme are returned whole. The cache key and the join key of a peer."""
    if not upstream:
        return None
    start = upstream.find("://")
    if start == -1 or upstream.startswith("unix:", start + 3):
        return upstream
    slash = upstream.find("/", start + 3)
    return upstream if slash == -1 else upstream[:slash]


@functools.lru_cache(maxsize=_CACHE_MAX)
def _epoch(stamp: str, utc_offset: float) -> float | None:
    """'2026/08/21 10:00:01' (already matched by _LINE_PREFIX) -> epoch seconds, cached; None
    for an impossible date (month 13) instead of an exception."""
    try:
        ts: float | None = (
            calendar.timegm(
                (
                    int(stamp[0:4]),
                    int(stamp[5:7]),
                    int(stamp[8:10]),
                    int(stamp[11:13]),
                    int(stamp[14:16]),
                    int(stamp[17:19]),
                    0,
                    0,
                    0,
                )
            )
            - utc_offset
        )
    except (ValueError, OverflowError):
        ts = None
    return ts


@functools.lru_cache(maxsize=_CACHE_MAX)
def _message_info(message: str, unix: bool) -> tuple[Any, ...]:
    """Classification of one message text (the part before `, client: `), cached:
    (message, resolver, action, errno, errtext, kind, ref, status, name, path)."""
    probe = ErrorLine("", 0, "", None, "", 0, None, message, upstream="unix:" if unix else None)
    rcut = message.find(", resolver: ")
    if rcut != -1:
        probe.resolver = message[rcut + 12 :].strip()
        probe.message = message[:rcut]
    head = probe.message
    wcut = head.rfind(" while ")
    if wcut != -1:
        probe.action = head[wcut + 7 :]
        head = head[:wcut]
    em = _ERRNO.search(head)
    if em is not None:
        probe.errno = _int(em.group(1))
        probe.errtext = em.group(2)
    classify(probe)
    return (
        probe.message,
        probe.resolver,
        probe.action,
        probe.errno,
        probe.errtext,
        probe.kind,
        probe.ref,
        probe.status,
        probe.name,
        probe.path,
    )


def _is_unix(message: str, auth: str | None) -> bool:
    """A unix-socket peer: decides ECONNREFUSED -> socket-missing. Looked up in the peer's
    authority (not the request path, which may contain anything)."""
    return (auth is not None and "unix:" in auth) or "to unix:" in message


def parse_line(
    raw: str, source: str = "", lineno: int = 0, utc_offset: float = 0.0, full: bool = True
) -> ErrorLine | None:
    """Parse one error.log line; None for lines that are not nginx log lines (stderr
    noise, continuation lines of multi-line messages). With `full=False` only the
    `upstream` context field is parsed (call `fill_context()` for the rest). This is the
    per-line reference the chunked summaries must agree with. Classification is cached
    per distinct message text."""
    m = _LINE_PREFIX.match(raw)
    if m is None:
        return None
    stamp, level, pid, conn = m.groups()
    raw = raw.rstrip("\r\n")
    rest = raw[m.end() :]
    cut = rest.find(", client: ")
    if cut == -1:
        message, context = rest, ""
    else:
        message, context = rest[:cut], rest[cut + 2 :]
    ts = _epoch(stamp, utc_offset)
    if full and context:
        line = ErrorLine(source, lineno, raw, ts, level, _int(pid), _id(conn), "")
        line.fill_context(context)
        upstream = line.upstream
    else:
        upstream = None
        if context:
            up = context.find('upstream: "')
            if up != -1:
                close = context.find('"', up + 11)
                upstream = context[up + 11 : close if close != -1 else None]
    auth = peer_authority(upstream) if upstream else None
    info = _message_info(message, _is_unix(message, auth))
    name = info[8]
    if info[5] == "no-live-upstreams":
        peer = _peer_for(auth)
        name = peer.host if peer else None
    if full and context:
        (
            line.message,
            line.resolver,
            line.action,
            line.errno,
            line.errtext,
            line.kind,
            line.ref,
            line.status,
            line.path,
        ) = (*info[:8], info[9])
        line.name = name
        return line
    return ErrorLine(
        source,
        lineno,
        raw,
        ts,
        level,
        _int(pid),
        _id(conn),
        info[0],
        info[3],
        info[4],
        info[2],
        None,
        None,
        None,
        upstream,
        None,
        info[1],
        None,
        None,
        info[5],
        info[6],
        info[7],
        name,
        info[9],
        context or None,
    )


def classify(line: ErrorLine) -> None:
    """Set kind, ref (reference table id) and status from message, errno and phase."""
    msg = line.message
    err = line.errno
    action = line.action or ""
    unix = (line.upstream or "").find("unix:") != -1 or "to unix:" in msg

    def set_(kind: str, ref: str | None, status: int | None) -> None:
        line.kind, line.ref, line.status = kind, ref, status

    if "upstream timed out" in msg or (err == 110 and "could not be resolved" not in msg):
        if "connecting" in action:
            set_("timeout", "C3", 504)
        elif "SSL handshaking" in action:
            set_("timeout", "T5", 504)
        elif "sending request" in action:
            set_("timeout", "S1", 504)
        elif "reading response header" in action:
            set_("timeout", "H1", 504)
        elif action == "reading upstream":
            set_("timeout", "B2", None)
        else:
            set_("timeout", None, 504)
        return
    if "could not be resolved" in msg:
        rm = _RESOLVE_NAME.match(msg)
        line.name = rm.group(1) if rm else msg.split(" ", 1)[0]
        ref = {3: "D1", 110: "D2"}.get(err or 0, "D3")
        set_("dns", ref, 502)
        return
    if "host not found in upstream" in msg:
        hm = _HOST_NOT_FOUND.search(msg)
        line.name = hm.group(1) if hm else None
        set_("host-not-found", "D6", None)
        return
    if "no resolver defined" in msg:
        nm = _NO_RESOLVER.search(msg)
        line.name = nm.group(1) if nm else None
        set_("no-resolver", "D4", 502)
        return
    if "while resolving" in msg or action.startswith("resolving"):
        set_("dns", "D5", None)
        return
    if msg.startswith("no port in upstream"):
        set_("no-port", "D7", 500)
        return
    if msg.startswith("no live upstreams"):
        peer = parse_peer(line.upstream) if line.upstream else None
        line.name = peer.host if peer else None
        set_("no-live-upstreams", "C8", 502)
        return
    if "upstream server temporarily disabled" in msg:
        set_("disabled", "C9", None)
        return
    if err == 28:
        fm = _FILE_PATH.search(msg)
        line.path = fm.group(1) if fm else None
        status = 500 if line.path and "client" in line.path else None
        set_("disk-full", "F5" if status == 500 else ("F2" if line.path else "F6"), status)
        return
    if err == 24:
        set_(
            "fd-exhausted",
            "C10" if "socket()" in msg else "accept",
            500 if "socket()" in msg else None,
        )
        return
    if "worker_connections are not enough" in msg:
        set_("worker-connections", "C11", 500)
        return
    if msg.startswith(("client prematurely closed", "client closed")):
        set_("client-closed", None, 499)
        return
    if "upstream prematurely closed connection" in msg:
        set_(
            "closed",
            "B1" if action == "reading upstream" else "H2",
            None if action == "reading upstream" else 502,
        )
        return
    if "client prematurely closed" in msg or "client closed" in msg:
        set_("client-closed", None, 499)
        return
    if "too big header" in msg:
        set_("too-big-header", "H4", 502)
        return
    if "SSL" in msg and ("upstream" in action or "upstream" in msg):
        set_(
            "ssl",
            "T1"
            if "wrong version number" in msg
            else (
                "T2"
                if "peer closed connection in SSL handshake" in msg
                else ("T3" if "verify error" in msg else ("T4" if "does not match" in msg else "T"))
            ),
            502,
        )
        return
    if err == 111:
        set_("socket-missing" if unix else "refused", "C1", 502)
        return
    if err == 2 and ("connect()" in msg or unix):
        set_("socket-missing", "C4", 502)
        return
    if err in (113, 101):
        set_("unreachable", "C2", 502)
        return
    if err in (104, 32):
        if action == "reading upstream":
            set_("reset", "B3", None)
        elif "sending request" in action:
            set_("reset", "S2", 502)
        elif "upstream" in action:
            set_("reset", "H3", 502)
        else:
            set_("client-closed" if "client" in action else "reset", None, None)
        return
    if err == 13:
        fm = _FILE_PATH.search(msg)
        line.path = fm.group(1) if fm else None
        set_("permission", "F3" if line.path else "C5", 502)
        return
    if err == 30:
        fm = _FILE_PATH.search(msg)
        line.path = fm.group(1) if fm else None
        set_("readonly", "F3", None)
        return
    if err == 11 and unix:
        set_("backlog", "C6", 502)
        return
    if err == 99:
        set_("ephemeral-ports", "C7", 502)
        return
    if msg.startswith("upstream sent") and (
        "invalid" in msg or "no valid" in msg or "Transfer-Encoding" in msg
    ):
        ref = (
            "H7"
            if "no valid" in msg
            else ("B4" if "chunked" in msg else ("H6" if "Transfer-Encoding" in msg else "H5"))
        )
        set_("invalid-header", ref, 200 if ref == "H7" else (None if ref == "B4" else 502))
        return
    if "buffered to a temporary file" in msg:
        tm = _TEMP_FILE.search(msg)
        line.path = tm.group(1) if tm else None
        set_("buffered", "F4" if "client request body" in msg else "F1", None)
        return
    if msg.startswith("limiting requests"):
        set_("limit-req", None, 503)
        return
    if msg.startswith("limiting connections"):
        set_("limit-conn", None, 503)
        return
    if "client intended to send too large body" in msg:
        set_("body-too-large", None, 413)
        return
    if "FastCGI sent in stderr" in msg:
        set_("fastcgi-stderr", None, None)
        return
    set_("other", None, None)


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


def _peer_for(auth: str | None) -> Peer | None:
    """parse_peer() of a peer authority, cached (few distinct peers, many lines)."""
    return _parsed_peer(auth) if auth else None


@functools.lru_cache(maxsize=_CACHE_MAX)
def _parsed_peer(auth: str) -> Peer | None:
    return parse_peer(auth)


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


def add_error_piece(
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


_ACCESS_TIME = re.compile(r"\[(\d\d)/(\w{3})/(\d{4}):(\d\d):(\d\d):(\d\d) ([+-]\d{4})\]")
_ISO_TIME = re.compile(r"(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.\d+)?(Z|[+-]\d\d:?\d\d)?")
MONTHS = {
    m: i
    for i, m in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1
    )
}


def line_time(raw: str, utc_offset: float = 0.0) -> float | None:
    """Timestamp of an error.log, access.log (combined or ISO8601 / JSON) line."""
    if len(raw) >= 19 and raw[4:5] == "/" and raw[10:11] == " ":
        return nginx_time(raw, utc_offset)
    m = _ACCESS_TIME.search(raw, 0, 300)
    if m is not None:
        return access_time(m)
    m2 = _ISO_TIME.search(raw, 0, 300)
    if m2 is not None:
        return iso_time(m2.group(0))
    return None


def access_time(m: re.Match[str]) -> float | None:
    mon = MONTHS.get(m.group(2))
    if mon is None:
        return None
    tz = m.group(7)
    offset = (int(tz[1:3]) * 3600 + int(tz[3:5]) * 60) * (1 if tz[0] == "+" else -1)
    return (
        calendar.timegm(
            (
                int(m.group(3)),
                mon,
                int(m.group(1)),
                int(m.group(4)),
                int(m.group(5)),
                int(m.group(6)),
                0,
                0,
                0,
            )
        )
        - offset
    )


def _int(digits: str) -> int:
    """A `\\d+` match (pid, errno, request id) as an int: int() refuses more than 4300
    digits (and is quadratic below), so an absurdly long one clamps to HUGE."""
    return int(digits) if len(digits) <= 30 else HUGE


def _id(digits: str | None) -> int | None:
    """A request id (`*123`) as an int, None when absent."""
    return _int(digits) if digits else None


def utc_strftime(fmt: str, ts: float | None, default: str = "?") -> str:
    """`time.strftime(fmt, time.gmtime(ts))`, or `default` for a timestamp the platform
    cannot represent (inf, NaN, year 10**9...) instead of OverflowError/OSError."""
    if ts is None:
        return default
    try:
        return time.strftime(fmt, time.gmtime(ts))
    except (OverflowError, OSError, ValueError):
        return default


def iso_time(text: str | None) -> float | None:
    """RFC 3339 / Docker time ('2026-08-21T10:00:01.123456789Z') -> epoch seconds."""
    if not text:
        return None
    m = _ISO_TIME.match(text.strip())
    if m is None:
        return None
    year = int(m.group(1))
    if year < 1971:
        return None  # Docker's zero time "0001-01-01T00:00:00Z"
    base = calendar.timegm(
        (
            year,
            int(m.group(2)),
            int(m.group(3)),
            int(m.group(4)),
            int(m.group(5)),
            int(m.group(6)),
            0,
            0,
            0,
        )
    )
    stamp: float = base
    frac = re.match(r"\.(\d+)", text.strip()[19:])
    if frac:
        stamp += float("0." + frac.group(1)[:6])
    tz = m.group(7)
    if tz and tz != "Z":
        sign = 1 if tz[0] == "+" else -1
        digits = tz[1:].replace(":", "")
        stamp -= sign * (int(digits[:2]) * 3600 + int(digits[2:4]) * 60)
    return stamp


__all__ = [
    "FAILURE_KINDS",
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
