"""analyze(): run every analyzer over a Bundle, merge symptoms into root causes, rank.

Ranking puts the most likely root cause first: severity, then the cause's place in the
causal order (a full disk or an OOM kill explains the connection errors that follow it),
then confidence and the number of failed requests. A container-level root (oom-killed,
crash loop, stopped) absorbs the symptom diagnoses about the same container (connection
refused, prematurely closed, stale IP, ...) so the report names one cause, not five."""

from __future__ import annotations

import re
import time
import traceback
from dataclasses import dataclass, field
from typing import Any

from infradoctor.diagnose.analyzers.base import Diagnosis
from infradoctor.diagnose.causes import CAUSES, RULE_NAMES
from infradoctor.diagnose.errorlog import utc_strftime
from infradoctor.diagnose.evidence import Bundle, CollectorStatus

EXIT_HEALTHY = 0
EXIT_PROBLEMS = 1
EXIT_CANNOT_RUN = 2
SCHEMA_VERSION = 1  # of the JSON document (docs/diagnose.md, diagnose/schema.json)

STATE_ROOTS = {"oom-killed": 3, "container-crashloop": 2, "container-stopped": 1}
# What a dead, restarting or stopped container explains about itself: connections to it
# refused / reset / closed / unroutable, its name gone from Docker's DNS, its health check.
# NOT here (a separate diagnosis even for the same container): header-too-big,
# upstream-invalid-response (it answered), upstream-tls-mismatch, upstream-timeout (the
# upstream analyzer already folds the timeouts of a container that is not running into its
# state cause; a still-running container's timeouts are their own problem), fd-exhausted,
# disk-full, log-growth, bot-conflict.
SYMPTOMS = frozenset(
    {
        "upstream-refused",
        "upstream-closed-connection",
        "stale-upstream-ip",
        "dns-unresolvable",
        "port-mismatch",
        "listening-on-loopback",
        "upstream-unavailable",
        "healthcheck-failing",
        "socket-missing",
    }
)
# causes that say the upstream answered: they do not explain `no live upstreams`
ANSWERED = frozenset({"header-too-big", "upstream-invalid-response"})
RULE_CODE = re.compile(r"\b(?:[A-Z]{2,3}|K8S)\d{3}\b")


@dataclass(slots=True)
class TimelineEvent:
    ts: float
    source: str  # container | kernel | error.log | access.log
    text: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "time": utc_strftime("%Y-%m-%dT%H:%M:%SZ", self.ts),
            "ts": self.ts,
            "source": self.source,
            "text": self.text,
        }

    @classmethod
    def from_dict(cls, doc: dict[str, Any]) -> TimelineEvent:
        return cls(float(doc["ts"]), str(doc["source"]), str(doc["text"]))


@dataclass(slots=True)
class DiagnoseResult:
    diagnoses: list[Diagnosis]
    collectors: list[CollectorStatus]
    meta: dict[str, Any] = field(default_factory=dict)
    impact: dict[str, Any] = field(default_factory=dict)
    window: dict[str, Any] = field(default_factory=dict)
    timeline: list[TimelineEvent] = field(default_factory=list)
    not_collected: list[str] = field(default_factory=list)
    analyzer_errors: list[str] = field(default_factory=list)
    could_not_run: str | None = None
    seconds: float = 0.0

    @property
    def problems(self) -> list[Diagnosis]:
        return [d for d in self.diagnoses if d.severity in ("error", "warning")]

    @property
    def exit_code(self) -> int:
        if self.could_not_run:
            return EXIT_CANNOT_RUN
        return EXIT_PROBLEMS if self.problems else EXIT_HEALTHY

    @property
    def healthy(self) -> bool:
        return not any(d.severity == "error" for d in self.diagnoses)

    @property
    def status(self) -> str:
        if self.could_not_run:
            return "cannot-run"
        return "problems" if self.problems else "healthy"

    def to_dict(self) -> dict[str, Any]:
        """The JSON document (docs/diagnose.md), before redaction: the one JSON shape."""
        from infradoctor import __version__

        return {
            "tool": "infradoctor",
            "version": __version__,
            "schema": SCHEMA_VERSION,
            "host": self.meta.get("host"),
            "created": self.meta.get("created"),
            "window": dict(self.window),
            "status": self.status,
            "exit_code": self.exit_code,
            "diagnoses": [d.to_dict() for d in self.diagnoses],
            "collectors": [
                {"name": c.name, "status": c.status, "error": c.error, "seconds": c.seconds}
                for c in self.collectors
            ],
            "impact": dict(self.impact),
            "timeline": [e.to_dict() for e in self.timeline],
            "not_collected": list(self.not_collected),
            "analyzer_errors": list(self.analyzer_errors),
            "error": self.could_not_run,
        }

    @classmethod
    def from_dict(cls, doc: dict[str, Any]) -> DiagnoseResult:
        """The inverse of `to_dict` (the reporters read a redacted document back)."""
        return cls(
            [Diagnosis.from_dict(d) for d in doc["diagnoses"]],
            [
                CollectorStatus(c["name"], c["status"], c["error"], c["seconds"])
                for c in doc["collectors"]
            ],
            {"host": doc["host"], "created": doc["created"]},
            dict(doc["impact"]),
            dict(doc["window"]),
            [TimelineEvent.from_dict(e) for e in doc["timeline"]],
            list(doc["not_collected"]),
            list(doc["analyzer_errors"]),
            doc["error"],
        )


def analyze(bundle: Bundle, stack: Any = None) -> DiagnoseResult:
    """Diagnose a bundle (and the static stack, when the bundle carried files/)."""
    from infradoctor.diagnose.analyzers import ANALYZERS
    from infradoctor.diagnose.analyzers.facts import build_facts

    started = time.perf_counter()
    found: list[Diagnosis] = []
    errors: list[str] = []
    facts = build_facts(bundle, stack)
    for name, fn in ANALYZERS:
        try:
            found.extend(fn(bundle, facts))
        except Exception as exc:  # noqa: BLE001 - one analyzer must not stop the others
            tb = traceback.extract_tb(exc.__traceback__)
            where = f"{tb[-1].filename.rsplit('/', 1)[-1]}:{tb[-1].lineno}" if tb else "?"
            errors.append(f"analyzer {name}: {type(exc).__name__}: {exc} ({where})")
    diagnoses = rank(merge(found))
    from infradoctor.diagnose import hygiene

    for d in diagnoses:
        cite_plan_rules(d)
        d.plan = list(dict.fromkeys(d.plan))
    hygiene.use_listen_port(diagnoses, hygiene.nginx_http_port(bundle, facts.containers))
    lowered = hygiene.lower_confidence(
        diagnoses, hygiene.unread_layers(bundle, facts.docker_reachable)
    )
    facts.log_events = _log_events(diagnoses)
    if stack is not None:
        from infradoctor.diagnose.analyzers.static import link_lint

        errors.extend(link_lint(diagnoses, stack))
    result = DiagnoseResult(
        diagnoses, list(bundle.collectors), _meta(bundle), analyzer_errors=errors
    )
    result.impact = _impact(facts)
    result.window = _window(bundle, facts)
    result.timeline = _timeline(facts)
    result.not_collected = _not_collected(bundle, facts) + ([lowered] if lowered else [])
    result.could_not_run = _could_not_run(bundle)
    result.seconds = time.perf_counter() - started
    return result


# ------------------------------------------------------------------ merging


def _key(d: Diagnosis) -> tuple[str, str]:
    s = d.subject
    return d.cause, s.get("container") or s.get("address") or s.get("upstream") or s.get(
        "path"
    ) or ""


def _absorb(root: Diagnosis, other: Diagnosis) -> None:
    root.merge_facts(other)
    root.requests = max(root.requests, other.requests)
    if other.cause != root.cause:
        if other.cause not in root.absorbed:
            root.absorbed.append(other.cause)
        root.confidence = round(min(1.0, max(root.confidence, other.confidence) + 0.03), 2)
        # the symptom's summary carries the log facts (counts, window): keep them
        tail = other.summary.split(". ", 1)[1] if ". " in other.summary else ""
        if tail and tail not in root.summary:
            root.summary = f"{root.summary.rstrip('.')}. {tail}"
    else:
        root.confidence = max(root.confidence, other.confidence)
        if len(other.summary) > len(root.summary):
            root.summary = other.summary


def merge(found: list[Diagnosis]) -> list[Diagnosis]:
    """Deduplicate (same cause and subject) and fold symptoms into their root cause."""
    by_key: dict[tuple[str, str], Diagnosis] = {}
    order: list[Diagnosis] = []
    for d in found:
        k = _key(d)
        if k in by_key:
            _absorb(by_key[k], d)
        else:
            by_key[k] = d
            order.append(d)
    # container-level roots absorb symptoms about the same container
    by_container: dict[str, list[Diagnosis]] = {}
    for d in order:
        if d.container:
            by_container.setdefault(d.container, []).append(d)
    dropped: set[int] = set()
    for group in by_container.values():
        roots = sorted(
            (d for d in group if d.cause in STATE_ROOTS), key=lambda d: -STATE_ROOTS[d.cause]
        )
        if not roots:
            continue
        root = roots[0]
        for d in group:
            if d is root:
                continue
            if d.cause in SYMPTOMS or d.cause in STATE_ROOTS:
                _absorb(root, d)
                dropped.add(id(d))
    kept = [d for d in order if id(d) not in dropped]
    # `no live upstreams` for a group: fold into the diagnosis about a member peer
    for d in [x for x in kept if x.cause == "upstream-unavailable"]:
        group_name = d.subject.get("upstream")
        candidates = [x for x in kept if x is not d and x.severity == "error"]
        # a server nginx marked failed did not answer: prefer a connection-level cause
        candidates.sort(key=lambda x: x.cause in ANSWERED)
        peers = [x for x in candidates if x.subject.get("upstream") == group_name]
        if not peers:
            peers = [x for x in candidates if x.subject.get("address")]
            peers = peers if len({x.subject.get("address") for x in peers}) == 1 else []
        if peers:
            _absorb(peers[0], d)
            kept.remove(d)
    invalid = [x for x in kept if x.cause == "nginx-config-invalid"]
    for d in [x for x in kept if x.cause == "nginx-down"]:
        if invalid:
            _absorb(invalid[0], d)
            kept.remove(d)
    return kept


def cite_plan_rules(d: Diagnosis) -> None:
    """A lint rule the fix plan names ("... (lint CMP001)") is a rule that prevents it:
    list it in `rules` too, so "Prevent it" and the plan agree."""
    for step in d.plan:
        for code in RULE_CODE.findall(step):
            if code in RULE_NAMES and code not in d.rules:
                d.rules.append(code)


def rank(diagnoses: list[Diagnosis]) -> list[Diagnosis]:
    return sorted(
        diagnoses,
        key=lambda d: (-d.severity_rank, CAUSES[d.cause].rank, -d.confidence, -d.requests, _key(d)),
    )


# ------------------------------------------------------------------ context


def _meta(bundle: Bundle) -> dict[str, Any]:
    keep = ("created", "host", "since", "tool_version", "uid", "utc_offset")
    return {k: bundle.meta[k] for k in keep if k in bundle.meta}


def _impact(f: Any) -> dict[str, Any]:
    acc = f.access
    return {
        "requests": acc.parsed,
        "errors_5xx": acc.errors_5xx,
        "status_502": acc.count(502),
        "status_504": acc.count(504),
        "status_500": acc.count(500),
        "status_503": acc.count(503),
        "error_log_failures": f.errors.failures,
        "failed_requests_error_log": f.errors.failed_requests,
        "access_log_first": acc.first,
        "access_log_last": acc.last,
        "probe_requests_excluded": getattr(f, "probe_requests", 0),
    }


def _window(bundle: Bundle, f: Any) -> dict[str, Any]:
    firsts = [x for x in (f.errors.first, f.access.first) if x is not None]
    lasts = [x for x in (f.errors.last, f.access.last) if x is not None]
    return {
        "since_seconds": bundle.meta.get("since"),
        "first": min(firsts) if firsts else None,
        "last": max(lasts) if lasts else None,
    }


def _timeline(f: Any, limit: int = 60) -> list[TimelineEvent]:
    from infradoctor.diagnose.errorlog import iso_time

    events: list[TimelineEvent] = []
    for c in f.containers:
        interesting = c.restart_count > 0 or not c.running or c.oom_killed or f.is_proxied(c)
        if not interesting:
            continue
        if c.started_at:
            events.append(
                TimelineEvent(
                    c.started_at,
                    "container",
                    f"{c.name} started"
                    + (f" (restart #{c.restart_count})" if c.restart_count else ""),
                )
            )
        if c.finished_at and (not c.running or c.restart_count):
            why = "OOM-killed" if c.oom_killed else f"exit code {c.exit_code}"
            events.append(TimelineEvent(c.finished_at, "container", f"{c.name} exited ({why})"))
    for line in (f.bundle.read_text("host/oom.txt") or "").splitlines():
        ts = iso_time(line[:40].split(" ", 1)[0]) if line[:4].isdigit() else None
        if ts is not None:
            events.append(TimelineEvent(ts, "kernel", line.split(" ", 1)[-1][:160]))
    for minute, n in sorted(f.errors.per_minute.items()):
        first = f.errors.minute_first.get(minute, float(minute))
        events.append(
            TimelineEvent(
                first,
                "error.log",
                f"{n} upstream error line{'s' if n != 1 else ''} "
                f"in the minute from {utc_strftime('%H:%M', minute)}",
            )
        )
    for minute, counts in sorted(f.access.per_minute.items()):
        bad = {k: v for k, v in counts.items() if k != "total"}
        if bad:
            parts = ", ".join(f"{v}x {k}" for k, v in sorted(bad.items()))
            first = f.access.minute_first.get(minute, float(minute))
            events.append(
                TimelineEvent(
                    first,
                    "access.log",
                    f"{parts} of {counts['total']} requests in the minute from "
                    f"{utc_strftime('%H:%M', minute)}",
                )
            )
    events.extend(getattr(f, "log_events", []))
    events.sort(key=lambda e: (e.ts, e.source))
    if len(events) > limit:
        pinned = ("container", "kernel", "container log")
        keep_sources = [e for e in events if e.source in pinned]
        rest = [e for e in events if e.source not in pinned]
        events = sorted(
            keep_sources[-limit // 2 :] + rest[-(limit - min(len(keep_sources), limit // 2)) :],
            key=lambda e: (e.ts, e.source),
        )
    return events


def _log_events(diagnoses: list[Diagnosis]) -> list[TimelineEvent]:
    """The first and last container-log line quoted as evidence, per container."""
    from infradoctor.diagnose.errorlog import iso_time

    by_source: dict[str, list[tuple[float, str]]] = {}
    for d in diagnoses:
        if d.severity == "info":
            continue
        for e in d.evidence:
            source = e.source
            if not source.startswith("docker/logs/"):
                continue
            text = e.text
            ts = iso_time(text.split(" ", 1)[0]) if text[:4].isdigit() else None
            if ts is not None:
                by_source.setdefault(source, []).append((ts, text.split(" ", 1)[-1]))
    events: list[TimelineEvent] = []
    for source, items in by_source.items():
        name = source.removeprefix("docker/logs/").removesuffix(".log")
        items.sort()
        for ts, text in dict.fromkeys([items[0], items[-1]]):
            events.append(TimelineEvent(ts, "container log", f"{name}: {text[:140]}"))
    return events


def _not_collected(bundle: Bundle, f: Any) -> list[str]:
    from infradoctor.diagnose.hygiene import advise

    notes: list[str] = []
    engine = bundle.read_json("docker/engine.json", {}) or {}
    if not isinstance(engine, dict):
        engine = {}
    docker_host = engine.get("host")
    for c in bundle.collectors:
        if c.status in ("error", "partial", "skipped"):
            error = advise(c.name, c.error, docker_host)
            notes.append(f"{c.name}: {c.status}" + (f" ({error})" if error else ""))
    logs = bundle.read_json("nginx/logs.json", []) or []
    for entry in logs if isinstance(logs, list) else []:
        if isinstance(entry, dict) and entry.get("status") not in (None, "ok"):
            notes.append(
                f"log {entry.get('path')}: {entry.get('status')}"
                + (f" ({entry.get('error')})" if entry.get("error") else "")
            )
    if f.docker_reachable is False:
        notes.append(
            f"Docker engine not reachable: {advise('docker', engine.get('error'), docker_host)}"
        )
    running = [c for c in f.containers if c.running]
    if running and all(c.listening is None for c in running):
        notes.append(
            "listening sockets inside containers (needs root to read other "
            "processes' /proc/<pid>/net)"
        )
    return list(dict.fromkeys(notes))


def _could_not_run(bundle: Bundle) -> str | None:
    if not bundle.files and not bundle.collectors:
        return "the bundle is empty"
    if bundle.collectors and not any(c.status in ("ok", "partial") for c in bundle.collectors):
        failed = "; ".join(f"{c.name}: {c.error or c.status}" for c in bundle.collectors)
        return f"no collector succeeded ({failed})"
    return None
