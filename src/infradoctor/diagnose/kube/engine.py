"""analyze_kube(): run the Kubernetes analyzers over a bundle, fold symptoms into their
root cause, rank, and build the same DiagnoseResult the Docker diagnosis renders.

Merging, per workload: the most specific root (OOM kill > config error > image pull >
crash loop > unschedulable > readiness > stuck rollout) absorbs the others about the same
workload and the symptoms it explains (its Service without ready endpoints, the ingress
503s, refused connections and timeouts towards its pods). A workload that fails because
it cannot reach another workload that has its own root cause (`depends_on`) is ranked
below that root as a consequence. Ranking: roots before consequences, then severity, the
cause's causal rank, confidence and failed requests."""

from __future__ import annotations

import time
import traceback
from typing import Any

from infradoctor.diagnose.analyzers.base import Diagnosis
from infradoctor.diagnose.causes import CAUSES
from infradoctor.diagnose.engine import DiagnoseResult, TimelineEvent
from infradoctor.diagnose.evidence import Bundle
from infradoctor.diagnose.kube import layout
from infradoctor.diagnose.kube.analyzers import ANALYZERS, KubeFacts, build_facts

WORKLOAD_ROOTS = (
    "oom-killed",
    "config-error",
    "image-pull-failed",
    "container-crashloop",
    "unschedulable",
    "readiness-failing",
    "rollout-stuck",
)
SYMPTOMS = frozenset(
    {"no-ready-endpoints", "upstream-refused", "upstream-timeout", "rollout-stuck"}
)


def analyze_kube(bundle: Bundle) -> DiagnoseResult:
    started = time.perf_counter()
    errors: list[str] = []
    facts = build_facts(bundle)
    found: list[Diagnosis] = []
    for name, fn in ANALYZERS:
        try:
            found.extend(fn(facts))
        except Exception as exc:  # noqa: BLE001 - one analyzer must not stop the others
            tb = traceback.extract_tb(exc.__traceback__)
            where = f"{tb[-1].filename.rsplit('/', 1)[-1]}:{tb[-1].lineno}" if tb else "?"
            errors.append(f"analyzer {name}: {type(exc).__name__}: {exc} ({where})")
    diagnoses = rank(merge(found))
    from infradoctor.diagnose.hygiene import lower_confidence

    lowered = lower_confidence(diagnoses, _unread_layers(bundle, facts))
    meta: dict[str, Any] = {
        k: bundle.meta[k] for k in ("created", "host", "tool_version") if k in bundle.meta
    }
    meta.setdefault("host", facts.state.cluster.get("context") or "kubernetes")
    if "created" not in meta and facts.now is not None:
        # a recording without a manifest: its newest timestamp is when it was taken
        meta["created"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(facts.now))
    result = DiagnoseResult(diagnoses, list(bundle.collectors), meta, analyzer_errors=errors)
    result.impact = _impact(facts)
    result.window = {
        "since_seconds": bundle.meta.get("since"),
        "first": facts.ingress.first,
        "last": facts.ingress.last,
    }
    result.timeline = _timeline(facts)
    result.not_collected = _not_collected(bundle, facts) + ([lowered] if lowered else [])
    result.could_not_run = _could_not_run(bundle, facts)
    result.seconds = time.perf_counter() - started
    return result


# ------------------------------------------------------------------ merging


def _target(d: Diagnosis) -> str:
    s = d.subject
    return s.get("workload") or s.get("node") or s.get("service") or s.get("address") or ""


def _absorb(root: Diagnosis, other: Diagnosis) -> None:
    root.merge_facts(other)
    same_place = other.cause == root.cause and other.subject.get("address") == root.subject.get(
        "address"
    )
    root.requests = (
        max(root.requests, other.requests) if same_place else root.requests + other.requests
    )
    if other.cause == root.cause:
        root.confidence = max(root.confidence, other.confidence)
    else:
        if other.cause not in root.absorbed:
            root.absorbed.append(other.cause)
        root.confidence = round(min(1.0, max(root.confidence, other.confidence) + 0.03), 2)
        first = other.summary.split(": ", 1)[-1] if other.cause in SYMPTOMS else ""
        if first and other.cause != "rollout-stuck":
            note = f"Consequence: {other.summary}"
            if note not in root.summary and len(root.summary) < 900:
                root.summary = f"{root.summary.rstrip('.')}. {note}"
    # the rollback of a stuck rollout is part of the fix of the cause that stalls it
    for step in other.plan:
        if step not in root.plan and (
            "rollout undo" in step or "helm rollback" in step or "helm history" in step
        ):
            root.plan.append(step)
    for step in other.verify:
        if step not in root.verify:
            root.verify.append(step)


def merge(found: list[Diagnosis]) -> list[Diagnosis]:
    by_key: dict[tuple[str, str], Diagnosis] = {}
    order: list[Diagnosis] = []
    for d in found:
        k = (d.cause, _target(d))
        if k in by_key:
            _absorb(by_key[k], d)
        else:
            by_key[k] = d
            order.append(d)
    dropped: set[int] = set()
    by_workload: dict[str, list[Diagnosis]] = {}
    for d in order:
        w = d.subject.get("workload")
        if w:
            by_workload.setdefault(w, []).append(d)
    for group in by_workload.values():
        roots = [d for d in group if d.cause in WORKLOAD_ROOTS and d.severity != "info"]
        if not roots:
            continue
        roots.sort(key=lambda d: (-d.severity, WORKLOAD_ROOTS.index(d.cause)))
        root = roots[0]
        for d in group:
            if d is root or id(d) in dropped:
                continue
            explained = d.cause in WORKLOAD_ROOTS or d.cause in SYMPTOMS
            if "matches no pod" in d.subject.get("selector", ""):
                explained = False  # a wrong selector is its own root, whatever the pods do
            # a running, ready workload's timeouts are its own problem, not its crash's
            if d.cause == "upstream-timeout" and root.cause == "readiness-failing":
                explained = True
            if explained and d.severity != "info":
                _absorb(root, d)
                dropped.add(id(d))
    return [d for d in order if id(d) not in dropped]


def _is_consequence(d: Diagnosis, roots: dict[str, Diagnosis]) -> bool:
    dep = d.subject.get("depends_on")
    if not dep:
        return False
    other = roots.get(dep)
    return other is not None and other is not d and other.severity in ("error", "warning")


def rank(diagnoses: list[Diagnosis]) -> list[Diagnosis]:
    roots = {
        d.subject["workload"]: d
        for d in diagnoses
        if d.subject.get("workload") and d.cause in WORKLOAD_ROOTS
    }
    for d in diagnoses:
        if d.cause == "node-pressure" and d.subject.get("node"):
            roots[f"node:{d.subject['node']}"] = d
    for d in diagnoses:
        dep = d.subject.get("depends_on")
        if dep and _is_consequence(d, roots):
            note = f"Consequence of the {roots[dep].cause} of {dep}"
            if note not in d.summary:
                d.summary = f"{d.summary.rstrip('.')}. {note}."
            d.confidence = round(max(0.0, d.confidence - 0.2), 2)
    return sorted(
        diagnoses,
        key=lambda d: (
            _is_consequence(d, roots),
            -d.severity_rank,
            CAUSES[d.cause].rank,
            -d.confidence,
            -d.requests,
            _target(d),
        ),
    )


# ------------------------------------------------------------------ context


def _impact(f: KubeFacts) -> dict[str, Any]:
    st = f.ingress.status
    return {
        "requests": f.ingress.requests,
        "errors_5xx": sum(n for s, n in st.items() if s >= 500),
        "status_502": st.get(502, 0),
        "status_504": st.get(504, 0),
        "status_500": st.get(500, 0),
        "status_503": st.get(503, 0),
        "error_log_failures": f.ingress.error_lines,
        "failed_requests_error_log": sum(len(h) for h in f.ingress.hits.values()),
        "access_log_first": f.ingress.first,
        "access_log_last": f.ingress.last,
        "probe_requests_excluded": f.ingress.probe_requests,
        "ingress_controllers": list(f.ingress.controller_pods),
    }


def _timeline(f: KubeFacts, limit: int = 60) -> list[TimelineEvent]:
    state = f.state
    events: list[TimelineEvent] = []
    for p in state.pods:
        for s in p.statuses:
            if s.last_finished_at is not None and s.restart_count > 0:
                events.append(
                    TimelineEvent(
                        s.last_finished_at,
                        "container",
                        f"{p.key} {s.name} exited (reason {s.last_reason}, exit code {s.last_exit_code}; "
                        f"restart #{s.restart_count})",
                    )
                )
    for e in state.events:
        if e.type != "Warning":
            continue
        if e.first is not None and e.count > 1 and e.first != e.last:
            events.append(
                TimelineEvent(
                    e.first, "event", f"first {e.reason} {e.kind} {e.object_key}: {e.message[:140]}"
                )
            )
        if e.last is not None:
            events.append(TimelineEvent(e.last, "event", e.text()[:200]))
    for minute, counts in sorted(f.ingress.per_minute.items()):
        parts = ", ".join(f"{n}x {k}" for k, n in sorted(counts.items()))
        events.append(
            TimelineEvent(
                float(minute),
                "ingress",
                f"{parts} in the minute from {time.strftime('%H:%M', time.gmtime(minute))}",
            )
        )
    events.sort(key=lambda e: (e.ts, e.source, e.text))
    if len(events) > limit:
        events = events[-limit:]
    return events


def _unread_layers(bundle: Bundle, f: KubeFacts) -> list[str]:
    """What a live collection tried to read and could not (a recording that simply lacks a
    file is not a failed read)."""
    layers = [
        c.name.removeprefix("kube:")
        for c in bundle.collectors
        if c.name.startswith("kube:")
        and c.name != "kube:version"
        and c.status == "error"
        and "not served by this cluster" not in (c.error or "")
    ]
    controllers = {k.split("/", 1)[1] for k in f.ingress.controller_pods}
    if controllers and not any(lf.pod in controllers for lf in f.state.logs.values()):
        layers.append("ingress controller log")
    return layers


def _not_collected(bundle: Bundle, f: KubeFacts) -> list[str]:
    notes: list[str] = []
    for c in bundle.collectors:
        if c.status in ("error", "partial"):
            notes.append(f"{c.name}: {c.status}" + (f" ({c.error})" if c.error else ""))
    notes += [f"unreadable: {u}" for u in f.state.unreadable]
    missing = [r for r in layout.RESOURCES if r not in f.state.present]
    if missing:
        notes.append("not in the evidence: " + ", ".join(missing))
    if not f.ingress.controller_pods:
        notes.append("no ingress-nginx controller pod found: ingress errors were not joined")
    elif not any(
        lf.pod in {k.split("/", 1)[1] for k in f.ingress.controller_pods}
        for lf in f.state.logs.values()
    ):
        notes.append("the ingress-nginx controller's log is not in the evidence")
    return notes


def _could_not_run(bundle: Bundle, f: KubeFacts) -> str | None:
    failed = "; ".join(
        f"{c.name}: {c.error or c.status}" for c in bundle.collectors if c.status == "error"
    )
    if not any(r in f.state.present for r in layout.ESSENTIAL):
        what = "the evidence is empty" if not bundle.files else "no pods in the evidence"
        if f.state.unreadable:
            what += " (" + "; ".join(f.state.unreadable) + ")"
        return what + (f" ({failed})" if failed else "")
    return None
