"""nginx error.log, step 1 of 3: parse one line (time, level, pid, connection, message,
errno, phase, context fields) and the time helpers the log readers share. The
`upstream: "..."` context field is the join key to a container. Classification is
errorclass.py, grouping and counting errorlog.py."""

from __future__ import annotations

import calendar
import functools
import re
import time
from typing import Any

from infradoctor.diagnose.errorclass import classify
from infradoctor.diagnose.errorline import ErrorLine, Peer, _int, parse_peer, peer_authority

# an nginx error.log line starts '<stamp> [<level>] <pid>#<tid>: *<request id> '
_LINE_PREFIX = re.compile(r"(\d{4}/\d\d/\d\d \d\d:\d\d:\d\d) \[(\w+)\] (\d+)#\d+: (?:\*(\d+) )?")


_ERRNO = re.compile(r" \((\d+): ([^)]*)\)")


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


def _peer_for(auth: str | None) -> Peer | None:
    """parse_peer() of a peer authority, cached (few distinct peers, many lines)."""
    return _parsed_peer(auth) if auth else None


@functools.lru_cache(maxsize=_CACHE_MAX)
def _parsed_peer(auth: str) -> Peer | None:
    return parse_peer(auth)
