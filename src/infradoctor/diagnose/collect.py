"""Gather evidence from a live host into a Bundle (the live half of `diagnose`).

Each collector runs in its own daemon thread with its own time budget and writes into a
private staging Bundle; only a collector that finishes in time has its files merged, so a
hung socket or a stuck `nginx -T` becomes an error entry instead of a hang. Collectors
never decide health (that is the analyzers' job) and never write to the host or the
Docker API. Everything is redacted before `collect_bundle` returns."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from infradoctor.diagnose.evidence import Bundle, CollectorStatus


@dataclass
class CollectOptions:
    path: Path | None = None
    nginx_conf: Path | None = None
    error_logs: list[Path] = field(default_factory=list)
    access_logs: list[Path] = field(default_factory=list)
    docker_host: str | None = None
    since_seconds: float | None = None
    timeout: float = 10.0
    probe: bool = True
    progress: Callable[[str], None] | None = None  # one-line status (a TTY), "" clears


@dataclass
class CollectContext:
    """What earlier collectors learned that later ones need (nginx config facts,
    containers); filled in order: nginx, docker, host, probes, files."""

    opts: CollectOptions
    started: float = field(default_factory=time.time)
    nginx_config_text: str | None = None
    nginx_facts: Any = None  # syntax.nginxdump.NginxFacts
    nginx_process: dict[str, Any] = field(default_factory=dict)
    nginx_logs: list[dict[str, Any]] = field(default_factory=list)  # nginx/logs.json
    containers: list[dict[str, Any]] = field(default_factory=list)
    docker_root: str | None = None
    deadline: float = 0.0  # time.monotonic() when the running collector's budget ends

    def time_left(self) -> float:
        return self.deadline - time.monotonic()

    @property
    def since_epoch(self) -> float | None:
        if self.opts.since_seconds is None:
            return None
        return self.started - self.opts.since_seconds


CollectorFn = Callable[[CollectContext, Bundle], "str | None"]


def run_collector(
    bundle: Bundle, ctx: CollectContext, name: str, fn: CollectorFn, timeout: float
) -> None:
    """Run one collector with a time budget; record ok/partial/error, never raise.

    `fn` returns None for ok or a message for a partial result (some evidence missing)."""
    staging = Bundle()
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["partial"] = fn(ctx, staging)
        except Exception as exc:  # noqa: BLE001 - a collector failure is evidence
            outcome["error"] = f"{type(exc).__name__}: {exc}"

    start = time.monotonic()
    ctx.deadline = start + timeout
    thread = threading.Thread(target=target, name=f"collect-{name}", daemon=True)
    thread.start()
    thread.join(timeout)
    seconds = round(time.monotonic() - start, 3)
    if thread.is_alive():
        bundle.record(CollectorStatus(name, "error", f"timed out after {timeout:g}s", seconds))
        return
    bundle.files.update(staging.files)
    if "error" in outcome:
        bundle.record(CollectorStatus(name, "error", outcome["error"], seconds))
    elif outcome.get("partial"):
        bundle.record(CollectorStatus(name, "partial", str(outcome["partial"]), seconds))
    else:
        bundle.record(CollectorStatus(name, "ok", None, seconds))


def collect_bundle(opts: CollectOptions) -> Bundle:
    """Collect everything readable on this host into a redacted Bundle."""
    from infradoctor import __version__
    from infradoctor.diagnose.collectors import docker, files, host, nginx, probes

    bundle = Bundle()
    ctx = CollectContext(opts)
    bundle.meta.update(
        {
            "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ctx.started)),
            "host": socket.gethostname(),
            "since": opts.since_seconds,
            "tool_version": __version__,
            "uid": os.geteuid(),
        }
    )
    budget = max(opts.timeout, 1.0)
    steps: list[tuple[str, CollectorFn, float]] = [
        ("nginx", nginx.collect, budget),
        ("docker", docker.collect, budget * 2),
        ("host", host.collect, budget),
    ]
    if opts.probe:
        steps.append(("probes", probes.collect, budget))
    else:
        bundle.record(CollectorStatus("probes", "skipped", "disabled (--no-probe)", 0.0))
    if opts.path is not None:
        steps.append(("files", files.collect, budget))
    for i, (name, fn, limit) in enumerate(steps, 1):
        if opts.progress:
            opts.progress(f"infradoctor: collecting {name} ({i}/{len(steps)})")
        run_collector(bundle, ctx, name, fn, limit)
    if opts.progress:
        opts.progress("")
    _redact(bundle)
    return bundle


def _redact(bundle: Bundle) -> None:
    """Bundles are redacted before they leave the collector (policy: infradoctor.redact)."""
    from infradoctor.diagnose.redact import redact_bundle

    redact_bundle(bundle)
