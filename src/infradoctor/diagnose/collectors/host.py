"""Host collector: disk space and inodes where nginx and Docker write, the largest
files there, kernel OOM-killer lines, and file-descriptor limits of nginx."""

from __future__ import annotations

import os
import re
import subprocess
import time
from pathlib import Path
from typing import Any

from infradoctor.diagnose.evidence import Bundle

OOM_RE = re.compile(
    r"invoked oom-killer|Out of memory|oom-kill:|Killed process|Memory cgroup out of memory"
    r"|oom_reaper",
    re.IGNORECASE,
)
MAX_WALK_ENTRIES = 20000
MAX_LARGEST = 40
DEBIAN_NGINX_TEMP = "/var/lib/nginx"


def mounts(mountinfo: str | None = None) -> list[tuple[str, str, str]]:
    """(mount point, device, fstype) from /proc/self/mountinfo, later mounts last."""
    if mountinfo is None:
        try:
            mountinfo = Path("/proc/self/mountinfo").read_text()
        except OSError:
            return []
    out = []
    for line in mountinfo.splitlines():
        left, _, right = line.partition(" - ")
        cols, rcols = left.split(), right.split()
        if len(cols) < 5 or len(rcols) < 2:
            continue
        point = cols[4].replace("\\040", " ")
        out.append((point, rcols[1], rcols[0]))
    return out


def mount_of(path: str, table: list[tuple[str, str, str]]) -> tuple[str, str, str]:
    best = ("/", "", "")
    for point, dev, fstype in table:  # the last, longest match wins (stacked mounts)
        if (path == point or path.startswith(point.rstrip("/") + "/")) and len(point) >= len(
            best[0]
        ):
            best = (point, dev, fstype)
    return best


def _existing(path: str) -> str:
    p = os.path.abspath(path)
    while not os.path.exists(p) and p != "/":
        p = os.path.dirname(p)
    return p


PROC_ROOT_RE = re.compile(r"^/proc/(\d+)/root(/.*)?$")


def _proc_mounts(pid: str) -> list[tuple[str, str, str]]:
    try:
        return mounts(Path(f"/proc/{pid}/mountinfo").read_text())
    except OSError:
        return []


def disk_usage(targets: list[tuple[str, str]]) -> list[dict[str, Any]]:
    """One entry per filesystem holding any of (purpose, path)."""
    table = mounts()
    by_mount: dict[str, dict[str, Any]] = {}
    for purpose, path in targets:
        m = PROC_ROOT_RE.match(path)
        if m:
            # inside a container (/proc/<pid>/root/...): its own mount table; statvfs
            # follows the magic link correctly where realpath() would not
            inner = m.group(2) or "/"
            point, dev, fstype = mount_of(inner, _proc_mounts(m.group(1)))
            real = _existing(path)
            point = (
                f"/proc/{m.group(1)}/root{point.rstrip('/')}"
                if point != "/"
                else f"/proc/{m.group(1)}/root"
            )
        else:
            real = os.path.realpath(_existing(path))
            point, dev, fstype = mount_of(real, table)
        entry = by_mount.get(point)
        if entry is None:
            try:
                st = os.statvfs(real)
            except OSError as exc:
                by_mount[point] = {
                    "path": path,
                    "mount": point,
                    "device": dev,
                    "fstype": fstype,
                    "error": str(exc.strerror or exc),
                    "purposes": [],
                    "paths": {},
                }
                entry = by_mount[point]
            else:
                total = st.f_blocks * st.f_frsize
                avail = st.f_bavail * st.f_frsize
                entry = by_mount[point] = {
                    "path": path,
                    "mount": point,
                    "device": dev,
                    "fstype": fstype,
                    "total": total,
                    "used": total - st.f_bfree * st.f_frsize,
                    "avail": avail,
                    "inodes_total": st.f_files,
                    "inodes_free": st.f_favail,
                    "purposes": [],
                    "paths": {},
                }
        if purpose not in entry["purposes"]:
            entry["purposes"].append(purpose)
        entry["paths"].setdefault(purpose, [])
        if path not in entry["paths"][purpose]:
            entry["paths"][purpose].append(path)
    return list(by_mount.values())


def largest_files(root: str, what: str, budget: list[int]) -> list[dict[str, Any]]:
    """Biggest regular files under `root`; `budget[0]` caps entries walked in total."""
    found: list[dict[str, Any]] = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if not os.path.islink(os.path.join(dirpath, d))]
        for fn in filenames:
            budget[0] -= 1
            if budget[0] <= 0:
                return found
            p = os.path.join(dirpath, fn)
            try:
                st = os.lstat(p)
            except OSError:
                continue
            if st.st_size > 0 and not os.path.islink(p):
                found.append({"path": p, "bytes": st.st_size, "what": what})
    return found


def oom_lines(since: float | None, timeout: float) -> tuple[list[str], str | None]:
    """Kernel OOM-killer lines, ISO-stamped; from dmesg, else journalctl -k."""
    attempts = (
        ["dmesg", "--time-format", "iso"],
        ["journalctl", "-k", "-o", "short-iso", "--no-pager", "-q"],
    )
    errors = []
    for argv in attempts:
        try:
            proc = subprocess.run(
                argv, capture_output=True, timeout=timeout, check=False, stdin=subprocess.DEVNULL
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            errors.append(f"{argv[0]}: {exc}")
            continue
        if proc.returncode != 0:
            errors.append(f"{argv[0]}: {proc.stderr.decode('utf-8', 'replace').strip()[:200]}")
            continue
        lines = [
            ln for ln in proc.stdout.decode("utf-8", "replace").splitlines() if OOM_RE.search(ln)
        ]
        if since is not None:
            lines = [ln for ln in lines if (_iso_time(ln) or since) >= since]
        return lines, None
    try:
        lines = kmsg_oom_lines(since)
    except OSError as exc:
        errors.append(f"/dev/kmsg: {exc.strerror or exc}")
    else:
        return lines, None
    return [], "; ".join(errors) or "kernel log not readable"


def kmsg_oom_lines(
    since: float | None, path: str = "/dev/kmsg", max_records: int = 200000
) -> list[str]:
    """OOM lines straight from the kernel ring buffer (no dmesg binary needed), stamped
    like `dmesg --time-format iso`. Non-blocking: stops at the end of the buffer."""
    import datetime

    boot = time.time() - float(Path("/proc/uptime").read_text().split()[0])
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    out: list[str] = []
    try:
        for _ in range(max_records):
            try:
                record = os.read(fd, 8192)
            except BlockingIOError:
                break
            except OSError as exc:
                if exc.errno == 32:  # EPIPE: overwritten record, go on
                    continue
                raise
            if not record:
                break
            head, _, msg = record.decode("utf-8", "replace").partition(";")
            fields = head.split(",")
            if len(fields) < 3 or not OOM_RE.search(msg):
                continue
            stamp = boot + int(fields[2]) / 1e6
            if since is not None and stamp < since:
                continue
            iso = datetime.datetime.fromtimestamp(stamp, datetime.UTC).strftime(
                "%Y-%m-%dT%H:%M:%S,%f+00:00"
            )
            out.append(f"{iso} {msg.splitlines()[0] if msg else ''}")
    finally:
        os.close(fd)
    return out


def _iso_time(line: str) -> float | None:
    m = re.match(r"(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)[,.]?\d*([+-]\d\d):?(\d\d)", line)
    if not m:
        return None
    import calendar

    y, mo, d, h, mi, s, tzh, tzm = m.groups()
    offset = int(tzh) * 3600 + (1 if tzh[0] != "-" else -1) * int(tzm) * 60
    return calendar.timegm((int(y), int(mo), int(d), int(h), int(mi), int(s), 0, 0, 0)) - offset


def proc_limits(pid: int) -> dict[str, Any]:
    info: dict[str, Any] = {"pid": pid}
    try:
        for line in Path(f"/proc/{pid}/limits").read_text().splitlines():
            if line.startswith("Max open files"):
                cols = line.split()
                info["soft"], info["hard"] = cols[3], cols[4]
    except OSError as exc:
        info["error"] = str(exc.strerror or exc)
    try:
        info["open"] = len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        info["open"] = None
    return info


def collect(ctx: Any, bundle: Bundle) -> str | None:
    problems: list[str] = []
    facts = ctx.nginx_facts
    targets: list[tuple[str, str]] = []
    config_logs: list[str] = []
    if facts is not None:
        config_logs = [*facts.error_logs, *facts.access_logs]
    logs = [*config_logs, *map(str, ctx.opts.error_logs), *map(str, ctx.opts.access_logs)]
    logs = [p for p in logs if not p.startswith("stream:")]
    for p in logs:
        targets.append(("nginx-log", os.path.dirname(p) or "/"))
    temp = []
    if facts is not None:
        for directive, paths in sorted(facts.temp_paths.items()):
            temp += [(f"nginx-temp:{directive}", p) for p in paths]
    if not temp:
        temp = [("nginx-temp", DEBIAN_NGINX_TEMP)]
    targets += [(purpose.split(":")[0], p) for purpose, p in temp]
    if ctx.docker_root:
        targets.append(("docker-root", ctx.docker_root))
    targets.append(("var-log", "/var/log"))
    bundle.put_json("host/disk.json", disk_usage(targets))

    largest: list[dict[str, Any]] = []
    for c in ctx.containers:
        if c.get("LogPath") and c.get("LogSize") is not None:
            largest.append(
                {
                    "path": c["LogPath"],
                    "bytes": c["LogSize"],
                    "what": f"container-log:{c.get('Name')}",
                }
            )
    budget = [MAX_WALK_ENTRIES]
    if os.path.isdir("/var/log"):
        largest += largest_files("/var/log", "var-log", budget)
    for p in logs:
        try:
            largest.append({"path": p, "bytes": os.stat(p).st_size, "what": "nginx-log"})
        except OSError:
            pass
    uniq = {x["path"]: x for x in largest}
    bundle.put_json(
        "host/largest.json", sorted(uniq.values(), key=lambda x: -x["bytes"])[:MAX_LARGEST]
    )

    lines, err = oom_lines(ctx.since_epoch, max(1.0, min(ctx.opts.timeout / 3, 5.0)))
    bundle.put_text("host/oom.txt", "\n".join(lines) + ("\n" if lines else ""))
    if err:
        problems.append(f"kernel log: {err}")

    limits: dict[str, Any] = {
        "nginx_worker_rlimit_nofile": getattr(facts, "worker_rlimit_nofile", None),
        "nginx_worker_connections": getattr(facts, "worker_connections", None),
        "open_files": [],
        "collected_at": time.time(),
    }
    proc = ctx.nginx_process or {}
    for pid in [*proc.get("pids", []), *proc.get("workers", [])]:
        limits["open_files"].append(proc_limits(pid))
    try:
        allocated, _, maximum = Path("/proc/sys/fs/file-nr").read_text().split()
        limits["system_file_nr"] = {"allocated": int(allocated), "max": int(maximum)}
    except (OSError, ValueError):
        pass
    bundle.put_json("host/limits.json", limits)
    return "; ".join(problems) or None
