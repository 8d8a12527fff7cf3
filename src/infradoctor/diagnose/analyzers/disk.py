"""Disk: full filesystems under nginx temp/log paths and the Docker root (ENOSPC lines or
statvfs numbers), and container logs that grow without a size limit."""

from __future__ import annotations

import re
from typing import Any

from infradoctor.diagnose.analyzers.base import Diagnosis, human_bytes, make
from infradoctor.diagnose.analyzers.facts import Container, Facts
from infradoctor.diagnose.evidence import Bundle

FULL_ERROR = 0.97  # used fraction from which a filesystem is "full"
FULL_WARNING = 0.90
INODES_ERROR = 0.01  # free inode fraction
LOG_SIZE_WARNING = 100 * 1024 * 1024
LOG_RATE_WARNING = 1024**3 / 86400  # bytes per second: 1 GiB a day
LOG_RATE_MIN_SIZE = 1024 * 1024


def _disks(f: Facts) -> list[dict[str, Any]]:
    disks = f.json("host/disk.json", []) or []
    return [d for d in disks if isinstance(d, dict)] if isinstance(disks, list) else []


def _mount_for(path: str, disks: list[dict[str, Any]]) -> dict[str, Any] | None:
    best: dict[str, Any] | None = None
    for d in disks:
        mount = str(d.get("mount") or "")
        if mount and (path == mount or path.startswith(mount.rstrip("/") + "/")):
            if best is None or len(mount) > len(str(best.get("mount") or "")):
                best = d
    return best


def _used(d: dict[str, Any]) -> float | None:
    total, avail = d.get("total"), d.get("avail")
    if not isinstance(total, int) or not isinstance(avail, int) or total <= 0:
        return None
    return 1 - avail / total


def _largest_under(f: Facts, mount: str) -> list[dict[str, Any]]:
    items = f.json("host/largest.json", []) or []
    out = [
        x
        for x in items
        if isinstance(x, dict)
        and str(x.get("path", "")).startswith(mount.rstrip("/") + "/" if mount != "/" else "/")
    ]
    return sorted(out, key=lambda x: -int(x.get("bytes") or 0))[:3]


def analyze(bundle: Bundle, f: Facts) -> list[Diagnosis]:
    disks = _disks(f)
    out: list[Diagnosis] = []
    enospc = [ln for ln in f.errors.samples.get("disk-full", [])]
    by_mount: dict[str, list[Any]] = {}
    for ln in enospc:
        fs = _mount_for(ln.path or "", disks) if ln.path else None
        by_mount.setdefault(str(fs.get("mount")) if fs else (ln.path or "?"), []).append(ln)
    reported: set[str] = set()
    for key, lines in by_mount.items():
        entry = next((d for d in disks if str(d.get("mount")) == key), None)
        path = lines[0].path or key
        temp_dir = re.sub(r"(/[^/]*temp)/.*$", r"\1", path)
        if entry is not None and temp_dir == path:
            temp_dir = str(entry.get("mount"))
        n = f.errors.by_kind.get("disk-full", len(lines))
        what = (
            "request bodies (uploads fail with 500)"
            if "client" in path
            else ("proxied responses (large responses are truncated)")
        )
        summary = (
            f"No space left on device (28): nginx could not write temp files for {what} "
            f"under {entry.get('mount') if entry else temp_dir} ({n} ENOSPC errors)"
        )
        if entry is not None:
            summary += (
                f": {human_bytes(entry.get('avail'))} free of "
                f"{human_bytes(entry.get('total'))} ({entry.get('fstype')})"
            )
            reported.add(str(entry.get("mount")))
        diag = make(
            "disk-full",
            "error",
            0.95,
            summary,
            {
                "address": None,
                "upstream": None,
                "path": str(entry.get("mount")) if entry else temp_dir,
            },
            {"path": str(entry.get("mount")) if entry else temp_dir},
            plan=_free_space_plan(f, str(entry.get("mount")) if entry else None),
        )
        diag.first_seen = min((ln.ts for ln in lines if ln.ts is not None), default=None)
        diag.requests = len({ln.conn for ln in lines if ln.conn is not None})
        for ln in lines[:3]:
            diag.add_evidence(ln.source, ln.lineno, ln.raw)
        if entry is not None:
            _disk_evidence(diag, f, entry)
        out.append(diag)
    for entry in disks:
        mount = str(entry.get("mount") or entry.get("path") or "?")
        if mount in reported:
            continue
        used = _used(entry)
        inodes_total, inodes_free = entry.get("inodes_total"), entry.get("inodes_free")
        inode_low = (
            isinstance(inodes_total, int)
            and isinstance(inodes_free, int)
            and inodes_total > 0
            and inodes_free / inodes_total < INODES_ERROR
        )
        if (used is None or used < FULL_WARNING) and not inode_low:
            continue
        purposes = ", ".join(entry.get("purposes") or []) or "host"
        severity = "error" if (used is not None and used >= FULL_ERROR) or inode_low else "warning"
        what = "inodes" if inode_low else f"{(used or 0) * 100:.0f}% used"
        summary = (
            f"{mount} ({purposes}) is {'out of ' if inode_low else ''}{what}: "
            f"{human_bytes(entry.get('avail'))} free of {human_bytes(entry.get('total'))}"
        )
        big = _largest_under(f, mount)
        if big:
            summary += f"; largest: {big[0].get('path')} ({human_bytes(big[0].get('bytes'))})"
        paths = entry.get("paths") or {}
        probe_path = (
            next((p for ps in paths.values() for p in ps), None)
            if isinstance(paths, dict)
            else None
        )
        full = make(
            "disk-full",
            severity,
            0.9 if severity == "error" else 0.7,
            summary,
            {"path": mount},
            {"path": probe_path or mount},
            plan=_free_space_plan(f, mount),
        )
        _disk_evidence(full, f, entry)
        out.append(full)
    out.extend(_log_growth(f, disks))
    return out


def _free_space_plan(f: Facts, mount: str | None) -> list[str]:
    """Name the biggest files on that filesystem (from host/largest.json)."""
    if not mount:
        return []
    return [
        f"ls -l {item.get('path')}  ({human_bytes(item.get('bytes'))}, {item.get('what')}: "
        f"a candidate to truncate or move)"
        for item in _largest_under(f, mount)[:2]
    ]


def _disk_evidence(d: Diagnosis, f: Facts, entry: dict[str, Any]) -> None:
    d.add_evidence(
        "host/disk.json",
        None,
        f"{entry.get('mount')} ({entry.get('device')}, {entry.get('fstype')}): "
        f"total={entry.get('total')} used={entry.get('used')} "
        f"avail={entry.get('avail')} inodes_free={entry.get('inodes_free')} "
        f"purposes={entry.get('purposes')}",
    )
    for item in _largest_under(f, str(entry.get("mount") or "/")):
        d.add_evidence(
            "host/largest.json",
            None,
            f"{item.get('path')}: {human_bytes(item.get('bytes'))} ({item.get('what')})",
        )


def _unbounded(c: Container) -> bool:
    lc = c.log_config
    driver = str(lc.get("Type") or "json-file")
    opts = lc.get("Config") if isinstance(lc.get("Config"), dict) else {}
    return driver == "json-file" and not (opts or {}).get("max-size")


def _log_growth(f: Facts, disks: list[dict[str, Any]]) -> list[Diagnosis]:
    out: list[Diagnosis] = []
    now = f.collected_at
    for c in f.containers:
        size = c.log_size
        if size is None or not _unbounded(c):
            continue
        started = c.started_at or None
        rate = size / max(now - started, 1.0) if now and started and now > started else None
        big = size >= LOG_SIZE_WARNING
        fast = rate is not None and rate >= LOG_RATE_WARNING and size >= LOG_RATE_MIN_SIZE
        if not (big or fast):
            continue
        per_day = f", growing about {human_bytes(rate * 86400)}/day" if rate else ""
        root = next((d for d in disks if "docker-root" in (d.get("purposes") or [])), None)
        used = _used(root) if root else None
        severity = "error" if used is not None and used >= FULL_ERROR else "warning"
        summary = f"{c.name} has a {human_bytes(size)} json-file log with no max-size{per_day}"
        if used is not None:
            summary += f"; the Docker root is {used * 100:.0f}% full"
        d = make("log-growth", severity, 0.85 if fast else 0.75, summary, c.subject())
        d.add_evidence(
            "docker/containers.json",
            None,
            f"{c.name}: LogSize={size} LogConfig={c.log_config} "
            f"StartedAt={c.state.get('StartedAt')}",
        )
        if c.raw.get("LogPath"):
            d.add_evidence(
                "host/largest.json", None, f"{c.raw.get('LogPath')}: {human_bytes(size)}"
            )
        out.append(d)
    logs = f.json("nginx/logs.json", []) or []
    for entry in logs if isinstance(logs, list) else []:
        if (
            isinstance(entry, dict)
            and isinstance(entry.get("bytes_total"), int)
            and entry["bytes_total"] >= 4 * 1024**3
        ):
            d = make(
                "log-growth",
                "warning",
                0.6,
                f"nginx log {entry.get('path')} is {human_bytes(entry['bytes_total'])}: "
                f"is it rotated?",
                {"path": str(entry.get("path"))},
                plan=["ls -l /etc/logrotate.d/nginx; logrotate -d /etc/logrotate.d/nginx"],
                rules=["XF013"],
            )
            d.add_evidence(
                "nginx/logs.json", None, f"{entry.get('path')}: bytes_total={entry['bytes_total']}"
            )
            out.append(d)
    return out
