"""nginx's own resources: file descriptors and worker connections."""

from __future__ import annotations

from typing import Any

from infradoctor.diagnose.analyzers.base import Diagnosis, make
from infradoctor.diagnose.analyzers.facts import Facts
from infradoctor.diagnose.evidence import Bundle
from infradoctor.syntax.numbers import parse_int


def analyze(bundle: Bundle, f: Facts) -> list[Diagnosis]:
    out: list[Diagnosis] = []
    lines = [
        *f.errors.samples.get("fd-exhausted", []),
        *f.errors.samples.get("worker-connections", []),
    ]
    limits = f.json("host/limits.json", {}) or {}
    if lines:
        n = f.errors.by_kind.get("fd-exhausted", 0) + f.errors.by_kind.get("worker-connections", 0)
        what = (
            "too many open files (24)"
            if any(ln.kind == "fd-exhausted" for ln in lines)
            else "worker_connections are not enough"
        )
        d = make(
            "fd-exhausted",
            "error",
            0.9,
            f"nginx logged {what} {n} times: requests fail with 500 or are refused",
            {"upstream": None},
        )
        d.first_seen = min((ln.ts for ln in lines if ln.ts is not None), default=None)
        for ln in lines[:3]:
            d.add_evidence(ln.source, ln.lineno, ln.raw)
        _limit_evidence(d, limits)
        out.append(d)
        return out
    for proc in (limits.get("open_files") or []) if isinstance(limits, dict) else []:
        if not isinstance(proc, dict):
            continue
        soft, used = parse_int(str(proc.get("soft"))), parse_int(str(proc.get("open")))
        if soft is None or used is None:
            continue
        if soft > 0 and used / soft >= 0.9:
            d = make(
                "fd-exhausted",
                "warning",
                0.7,
                f"nginx process {proc.get('pid')} has {used} of {soft} file descriptors open",
                {"upstream": None},
            )
            _limit_evidence(d, limits)
            out.append(d)
            break
    return out


def _limit_evidence(d: Diagnosis, limits: Any) -> None:
    if not isinstance(limits, dict):
        return
    d.add_evidence(
        "host/limits.json",
        None,
        f"worker_rlimit_nofile={limits.get('nginx_worker_rlimit_nofile')} "
        f"worker_connections={limits.get('nginx_worker_connections')} "
        f"open_files={limits.get('open_files')}",
    )
