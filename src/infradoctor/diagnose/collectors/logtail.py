"""Windowed tails of log files: read backwards from the end in blocks until the lines
are older than the cutoff or the byte cap is reached. A multi-GB log costs only the
window, never the whole file."""

from __future__ import annotations

import calendar
import errno
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path

BLOCK = 64 * 1024
DEFAULT_CAP = 16 * 1024 * 1024

ERROR_TS_RE = re.compile(rb"^(\d{4})/(\d\d)/(\d\d) (\d\d):(\d\d):(\d\d) ")
ACCESS_TS_RE = re.compile(rb"\[(\d\d)/([A-Z][a-z]{2})/(\d{4}):(\d\d):(\d\d):(\d\d) ([+-]\d{4})\]")
ISO_TS_RE = re.compile(rb"^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)")
MONTHS = {
    m.encode(): i + 1
    for i, m in enumerate("Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split())
}


@dataclass(slots=True)
class Tail:
    data: bytes
    bytes_total: int
    bytes_read: int
    truncated: bool  # hit the byte cap before reaching the cutoff / start of file


def line_time(line: bytes) -> float | None:
    """Epoch seconds of an nginx error.log line (local time), an access.log line
    ([10/Oct/2026:13:55:36 +0000]) or an ISO-stamped line; None if it has none."""
    m = ERROR_TS_RE.match(line)
    if m:
        y, mo, d, h, mi, sec = (int(x) for x in m.groups())
        return time.mktime((y, mo, d, h, mi, sec, 0, 0, -1))
    m = ACCESS_TS_RE.search(line[:512])
    if m:
        day, mon, year, hour, minute, second, tz = m.groups()
        month = MONTHS.get(mon)
        if month is None:
            return None
        sign = -1 if tz[:1] == b"-" else 1
        offset = sign * (int(tz[1:3]) * 3600 + int(tz[3:5]) * 60)
        utc = calendar.timegm(
            (int(year), month, int(day), int(hour), int(minute), int(second), 0, 0, 0)
        )
        return utc - offset
    m = ISO_TS_RE.match(line)
    if m:
        y, mo, d, h, mi, sec = (int(x) for x in m.groups())
        return calendar.timegm((y, mo, d, h, mi, sec, 0, 0, 0))
    return None


def _first_time(chunk: bytes) -> float | None:
    for line in chunk.split(b"\n")[1:20]:
        t = line_time(line)
        if t is not None:
            return t
    return None


def _open_log(path: str, root: str | None) -> int:
    """An fd on a regular log file, opened without blocking (a FIFO used for log
    shipping would hang the collector) and, under a container `root`, resolving symlinks
    inside it. Raises OSError (FileNotFoundError / PermissionError where they apply)."""
    from infradoctor.loaders.files import Refusal, open_in_root, open_regular

    if root is not None and (path == root or path.startswith(root.rstrip("/") + "/")):
        opened = open_in_root(root, path[len(root.rstrip("/")) :] or "/")
    else:
        opened = open_regular(Path(path))
    if isinstance(opened, Refusal):
        if opened.errno is not None:
            raise OSError(opened.errno, os.strerror(opened.errno), path)  # its subclass
        raise OSError(errno.EINVAL, opened.message, path)
    fd, _ = opened
    try:  # regular file: blocking reads are fine (and seek works)
        os.set_blocking(fd, True)
    except OSError:
        pass
    return fd


def tail_window(
    path: str, since: float | None, cap: int = DEFAULT_CAP, root: str | None = None
) -> Tail:
    """The end of `path` back to `since` (epoch seconds; None = as much as `cap` allows).
    Only whole lines are returned; lines older than `since` are dropped. Raises OSError
    (also for anything that is not a regular file). `root`: the container root directory
    `path` lies under (/proc/<pid>/root), whose symlinks must resolve inside it."""
    with os.fdopen(_open_log(path, root), "rb") as fh:
        size = os.fstat(fh.fileno()).st_size
        pos = size
        chunks: list[bytes] = []
        read = 0
        reached_cutoff = False
        while pos > 0 and read < cap:
            step = min(BLOCK, pos, cap - read)
            pos -= step
            fh.seek(pos)
            chunk = fh.read(step)
            read += len(chunk)
            chunks.append(chunk)
            if since is not None:
                first = _first_time(chunk)
                if first is not None and first < since:
                    reached_cutoff = True
                    break
    data = b"".join(reversed(chunks))
    if pos > 0:
        # drop the partial first line
        nl = data.find(b"\n")
        data = data[nl + 1 :] if nl >= 0 else b""
    if since is not None:
        data = _drop_older(data, since)
    truncated = pos > 0 and not reached_cutoff
    return Tail(data, size, read, truncated)


def _drop_older(data: bytes, since: float) -> bytes:
    """Drop leading lines stamped before `since` (unstamped lines follow their stamp)."""
    offset = 0
    keep_from = None
    for line in data.split(b"\n"):
        t = line_time(line)
        if t is not None and t >= since:
            keep_from = offset
            break
        offset += len(line) + 1
    if keep_from is None:
        return b""
    return data[keep_from:]
