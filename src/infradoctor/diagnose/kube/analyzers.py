"""Kubernetes analyzers: pure functions `(KubeFacts) -> list[Diagnosis]`, one per layer
(pods and their containers, workload rollouts, Services and endpoints, nodes, the ingress
controller's log). The facts are built once per analysis (`build_facts`) and passed in;
nothing is cached between analyses.

Subjects name what a diagnosis is about: `workload` (`namespace/name`) with `kind`,
`namespace`, `pod`, `container`; or `node`; or `service` (`namespace/name`, kind Service);
plus `address` / `upstream` for ingress failures and `depends_on` (a workload or Service
this one fails to reach) for the engine's causal ranking."""

from __future__ import annotations

import difflib
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from infradoctor.diagnose.analyzers.base import Diagnosis
from infradoctor.diagnose.evidence import Bundle
from infradoctor.diagnose.kube import layout, plans
from infradoctor.diagnose.kube.ingress import (
    Hit,
    IngressFacts,
    is_controller,
    parse_controller_logs,
    upstream_services,
)
from infradoctor.diagnose.kube.model import (
    ContainerSpec,
    ContainerStatus,
    Event,
    KubeState,
    LogFile,
    Pod,
    Ref,
    Service,
    build_state,
)

PODS = layout.resource_path("pods")
EVENTS = layout.resource_path("events")
SERVICES = layout.resource_path("services")
NODES = layout.resource_path("nodes")
DEPLOYMENTS = layout.resource_path("deployments")
REPLICASETS = layout.resource_path("replicasets")
SLICES = layout.resource_path("endpointslices")

IMAGE_PULL = frozenset(
    {
        "ErrImagePull",
        "ImagePullBackOff",
        "InvalidImageName",
        "ErrImageNeverPull",
        "RegistryUnavailable",
    }
)
CONFIG = frozenset({"CreateContainerConfigError", "CreateContainerError"})
RECOVERED_AFTER = 600.0  # seconds since the last failure before "recovered?"
CRASH_RESTARTS = 3
NODE_RESTART_WINDOW = 60.0
_CONN_IP = re.compile(
    r"(?i)(ECONNREFUSED|connection refused|i/o timeout|no route to host|timed out|"
    r"connect(?:ion)? (?:failed|error)|could not connect|ETIMEDOUT|EHOSTUNREACH|dial tcp)"
    r"[^\n]*?\b((?:\d{1,3}\.){3}\d{1,3}):(\d{1,5})\b"
    r"|\b((?:\d{1,3}\.){3}\d{1,3}):(\d{1,5})\b[^\n]*?"
    r"(ECONNREFUSED|connection refused|i/o timeout|no route to host|timed out|ETIMEDOUT)"
)
_CONN_NAME = re.compile(
    r"(?i)(?:getaddrinfo (?:ENOTFOUND|EAI_AGAIN) |could not translate host name \"|"
    r"lookup |UnknownHostException: )([a-z0-9][a-z0-9.-]*)"
)
# error lines in container logs: first class names the failure, second class mentions one
_STRONG = re.compile(
    r"\bpanic:|level=(?:fatal|panic)|\bFATAL\b|^[F]\d{4} |^\s*(?:\S+ )?Error:|"
    r"\b\w*(?:Error|Exception)\b:|Exception in thread|Traceback|OutOfMemoryError|\bfatal\b"
)
_WEAK = re.compile(
    r"level=error|\b(?:ERROR|CRITICAL|SEVERE)\b|^E\d{4} |ECONNREFUSED|ENOTFOUND|\bKilled\b|"
    r"connection refused|i/o timeout"
)
_HELP_TEXT = re.compile(r"^\s+-")
_JVM_ENV = (
    "JAVA_OPTS",
    "JAVA_TOOL_OPTIONS",
    "JDK_JAVA_OPTIONS",
    "_JAVA_OPTIONS",
    "JVM_OPTS",
    "CATALINA_OPTS",
)


@dataclass(slots=True)
class KubeFacts:
    """Everything the analyzers read, parsed once."""

    bundle: Bundle
    state: KubeState
    ingress: IngressFacts
    now: float | None
    upstream_services: dict[str, str]
    node_restarts: list[tuple[float, int]] = field(default_factory=list)  # (finishedAt, containers)

    def age(self, ts: float | None) -> float | None:
        if ts is None or self.now is None:
            return None
        return self.now - ts


def build_facts(bundle: Bundle) -> KubeFacts:
    state = build_state(bundle)
    now = state.reference_time()
    year = time.gmtime(now).tm_year if now is not None else None
    facts = KubeFacts(
        bundle, state, parse_controller_logs(state, year), now, upstream_services(state)
    )
    facts.node_restarts = _node_restarts(state)
    return facts


def _node_restarts(state: KubeState) -> list[tuple[float, int]]:
    """Moments when containers of several pods ended together with reason Unknown / exit
    255: the node or its container runtime restarted (not the apps crashing)."""
    stamps: list[tuple[float, str]] = []
    for pod in state.pods:
        for s in pod.statuses:
            if s.last_finished_at is not None and (
                s.last_reason == "Unknown" or s.last_exit_code == 255
            ):
                stamps.append((s.last_finished_at, pod.key))
    stamps.sort()
    out: list[tuple[float, int]] = []
    i = 0
    while i < len(stamps):
        j = i
        while j + 1 < len(stamps) and stamps[j + 1][0] - stamps[i][0] <= NODE_RESTART_WINDOW:
            j += 1
        pods = {p for _, p in stamps[i : j + 1]}
        if len(pods) >= 2 and j - i + 1 >= 3:
            out.append((stamps[i][0], j - i + 1))
        i = j + 1
    return out


# ------------------------------------------------------------------ helpers


def fmt_time(ts: float | None) -> str:
    return "?" if ts is None else time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))


def fmt_age(seconds: float | None) -> str:
    if seconds is None:
        return "?"
    s = max(0, int(seconds))
    if s < 120:
        return f"{s} s"
    if s < 7200:
        return f"{s // 60} min"
    if s < 172800:
        return f"{s / 3600:.1f} h"
    return f"{s / 86400:.1f} d"


def status_text(pod: Pod, s: ContainerStatus) -> str:
    parts = [f"{pod.key} container {s.name}: {s.state}"]
    if s.reason:
        parts[-1] += f" {s.reason}"
    if s.message:
        parts.append(f"message {s.message.strip()[:300]!r}")
    parts.append(f"ready={str(s.ready).lower()}")
    parts.append(f"restartCount={s.restart_count}")
    if s.exit_code is not None:
        parts.append(f"exitCode={s.exit_code}")
    if s.last_reason is not None or s.last_exit_code is not None:
        parts.append(
            f"lastState.terminated reason={s.last_reason} exitCode={s.last_exit_code} "
            f"finishedAt={fmt_time(s.last_finished_at)}"
        )
    return "; ".join(parts)


def _is_strong(line: str) -> bool:
    return bool(_STRONG.search(line) or _WEAK.search(line)) and not _HELP_TEXT.match(line)


def log_tail(lf: LogFile | None, n: int = 5) -> list[tuple[int, str]]:
    """The lines worth quoting: the last error lines (panic, fatal, level=error, klog E/F,
    exceptions, ECONNREFUSED) near the end, then the last line; else the last lines."""
    if lf is None:
        return []
    lines = [(i, ln) for i, ln in enumerate(lf.text.splitlines(), 1) if ln.strip()]
    tail = lines[-200:]
    strong = [x for x in tail if _is_strong(x[1])]
    if not strong:
        return tail[-n:]
    chosen = strong[-(n - 1) :] if n > 1 else strong[-1:]
    if tail[-1] not in chosen and n > 1:
        chosen.append(tail[-1])
    return chosen


def last_error(lines: list[tuple[int, str]]) -> str | None:
    for pattern in (_STRONG, _WEAK):
        found = [t for _, t in lines if pattern.search(t) and not _HELP_TEXT.match(t)]
        if found:
            return found[-1].strip()
    return lines[-1][1].strip() if lines else None


def selector_text(labels: dict[str, str]) -> str:
    return ",".join(f"{k}={v}" for k, v in sorted(labels.items()))


def pod_selector(state: KubeState, ref: Ref, pod: Pod | None) -> str:
    w = state.workload(ref)
    if w is not None and w.selector:
        return selector_text(w.selector)
    if pod is not None:
        keep = {k: v for k, v in pod.labels.items() if k != "pod-template-hash"}
        for key in ("app.kubernetes.io/name", "app", "k8s-app", "name"):
            if key in keep:
                return f"{key}={keep[key]}"
        if keep:
            return selector_text(keep)
    return f"<labels of {ref.key}>"


def services_of(state: KubeState, pod: Pod) -> list[Service]:
    return [
        s
        for s in state.services
        if s.namespace == pod.namespace
        and s.selector
        and all(pod.labels.get(k) == v for k, v in s.selector.items())
    ]


def _ingress_route(state: KubeState, svc: Service | None) -> tuple[str | None, str | None]:
    if svc is None:
        return None, None
    for ing in state.ingresses:
        if ing.namespace != svc.namespace:
            continue
        for b in ing.backends:
            if b.service == svc.name:
                return b.host, b.path
    return None, None


def plan_values(f: KubeFacts, ref: Ref, pod: Pod | None, container: str | None) -> dict[str, Any]:
    state = f.state
    svc = services_of(state, pod)[0] if pod is not None and services_of(state, pod) else None
    host, path = _ingress_route(state, svc)
    controller = next((p for p in state.pods if is_controller(p)), None)
    return {
        "namespace": ref.namespace,
        "name": ref.name,
        "kind_cmd": plans.kind_cmd(ref.kind),
        "pod": pod.name if pod is not None else f"<pod of {ref.key}>",
        "container": container or (pod.containers[-1].name if pod and pod.containers else ""),
        "selector": pod_selector(state, ref, pod),
        "service_name": svc.name if svc is not None else None,
        "host": host,
        "path": path or "/",
        "controller_namespace": controller.namespace if controller else "ingress-nginx",
        "controller_pod": controller.name if controller else "<ingress-nginx controller pod>",
    }


def workload_subject(
    ref: Ref, pod: Pod | None = None, container: str | None = None
) -> dict[str, str | None]:
    return {
        "workload": ref.key,
        "kind": ref.kind,
        "namespace": ref.namespace,
        "pod": pod.name if pod is not None else None,
        "container": container,
    }


def diagnosis(
    cause: str,
    severity: str,
    confidence: float,
    summary: str,
    subject: dict[str, str | None],
    values: dict[str, Any],
    inspect: list[str] | None = None,
    change: list[str] | None = None,
    verify: list[str] | None = None,
) -> Diagnosis:
    plan, checks, rules = plans.build(cause, values, inspect, change, verify)
    clean = {k: str(v) for k, v in subject.items() if v not in (None, "")}
    return Diagnosis(cause, severity, confidence, summary, clean, [], plan, checks, rules)


def add_events(d: Diagnosis, events: list[Event], limit: int = 4) -> None:
    for e in sorted(events, key=lambda e: (e.type != "Warning", -(e.last or 0)))[:limit]:
        d.add_evidence(EVENTS, None, e.text())


def _pod_events(state: KubeState, pod: Pod, *reasons: str) -> list[Event]:
    evs = state.events_for("Pod", pod.key)
    return [e for e in evs if not reasons or e.reason in reasons]


def _bad_rollout(state: KubeState, ref: Ref, pods: list[Pod]) -> bool:
    """The failing pods belong to the newest ReplicaSet while an older one still serves."""
    if ref.kind != "Deployment":
        return False
    sets = state.replicasets_of(ref)
    if len(sets) < 2:
        w = state.workload(ref)
        return w is not None and w.revision > 1 and w.updated < w.replicas
    newest, older = sets[-1], sets[:-1]
    failing_new = any(
        p.owner is not None and p.owner.kind == "ReplicaSet" and p.owner.name == newest.name
        for p in pods
    )
    return failing_new and any(rs.ready > 0 for rs in older)


def _rollback(state: KubeState, ref: Ref) -> list[str]:
    w = state.workload(ref)
    return plans.rollback_steps(ref.kind, ref.namespace, ref.name, w.helm_release if w else None)


# ------------------------------------------------------------------ dependencies


def _ready_note(state: KubeState, svc: Service) -> str:
    if "endpointslices" not in state.present:
        return ""
    ready = sum(1 for e in state.endpoints_of(svc) if e.ready)
    return f" ({ready} ready endpoint{'s' if ready != 1 else ''})"


def dependency_notes(
    f: KubeFacts, pod: Pod, lines: list[tuple[int, str]]
) -> tuple[list[str], str | None]:
    """What the addresses/names a crashing container failed to reach are in the cluster:
    (notes for the evidence, the workload or Service it depends on when that one exists)."""
    state = f.state
    notes: list[str] = []
    depends: str | None = None
    seen: set[str] = set()
    for _, text in lines:
        for m in _CONN_IP.finditer(text):
            ip = m.group(2) or m.group(4)
            port = m.group(3) or m.group(5)
            if not ip or ip in seen:
                continue
            seen.add(ip)
            svc = state.service_by_ip.get(ip)
            target = state.pod_by_ip.get(ip)
            if svc is not None:
                note = f"{ip}:{port} is Service {svc.key}" + _ready_note(state, svc)
                if svc.key == "default/kubernetes":
                    note += ": the Kubernetes API server (the container failed to reach it)"
                notes.append(note)
                backing = state.selected_pods(svc)
                if backing:
                    depends = state.workload_ref(backing[0]).key
                elif svc.selector:
                    depends = f"service:{svc.key}"
            elif target is not None:
                notes.append(
                    f"{ip}:{port} is pod {target.key} of {state.workload_ref(target)} "
                    f"(phase {target.phase}, ready={str(target.ready).lower()})"
                )
                depends = state.workload_ref(target).key
            elif state.services or state.pods:
                notes.append(
                    f"{ip}:{port} is no Service and no pod in the cluster "
                    f"(recorded {len(state.services)} Services, {len(state.pods)} pods): a "
                    "hard-coded or stale address; use the Service's DNS name"
                )
        for m in _CONN_NAME.finditer(text):
            name = m.group(1).rstrip(".")
            if name in seen or name[0].isdigit():
                continue
            seen.add(name)
            short, _, rest = name.partition(".")
            ns = rest.split(".")[0] if rest and not rest.startswith("svc") else pod.namespace
            svc = state.service_by_key.get(f"{ns}/{short}")
            if svc is None:
                notes.append(f"name {name!r}: no Service {short!r} in namespace {ns}")
            else:
                notes.append(f"name {name!r} is Service {svc.key}" + _ready_note(state, svc))
                backing = state.selected_pods(svc)
                if backing:
                    depends = state.workload_ref(backing[0]).key
    return notes, depends


# ------------------------------------------------------------------ pods


def _container_cause(s: ContainerStatus) -> str | None:
    if s.state == "waiting" and s.reason in IMAGE_PULL:
        return "image-pull-failed"
    if s.state == "waiting" and s.reason in CONFIG:
        return "config-error"
    if (s.state == "terminated" and s.reason == "OOMKilled") or (
        s.last_reason == "OOMKilled" and s.restart_count >= 1
    ):
        return "oom-killed"
    if s.state == "waiting" and s.reason in ("CrashLoopBackOff", "RunContainerError"):
        return "container-crashloop"
    if s.restart_count >= CRASH_RESTARTS and (
        s.last_reason is not None or s.last_exit_code is not None
    ):
        return "container-crashloop"
    if s.state == "terminated" and s.exit_code not in (None, 0) and s.init:
        return "container-crashloop"
    return None


def _jvm_vs_limit(spec: ContainerSpec | None) -> str | None:
    from infradoctor.rules._jvm import MIN_HEADROOM, UNIT, XMX_RE
    from infradoctor.rules.kubernetes._k8s import human_bytes, parse_memory

    if spec is None or not spec.memory_limit:
        return None
    limit = parse_memory(spec.memory_limit)
    if not limit:
        return None
    sources = [("args", " ".join(spec.argv))] + [
        (e.name, e.value or "") for e in spec.env if e.name in _JVM_ENV or "-Xmx" in (e.value or "")
    ]
    for where, text in sources:
        m = XMX_RE.search(text)
        if m is None:
            continue
        heap = int(float(m.group(1)) * UNIT[m.group(2).lower()])
        if heap >= limit:
            verdict = "the heap alone can fill the limit"
        elif limit - heap < MIN_HEADROOM:
            verdict = (
                f"only {human_bytes(limit - heap)} is left for metaspace, threads and native memory"
            )
        else:
            return None
        return (
            f"{where} sets {m.group(0)} ({human_bytes(heap)}) but limits.memory is "
            f"{spec.memory_limit} ({human_bytes(limit)}): {verdict}"
        )
    return None


def analyze_pods(f: KubeFacts) -> list[Diagnosis]:
    state = f.state
    groups: dict[tuple[str, Ref], list[tuple[Pod, ContainerStatus | None]]] = {}
    for pod in state.pods:
        if pod.finished or pod.deleted or (pod.phase == "Failed" and pod.reason == "Evicted"):
            continue
        ref = state.workload_ref(pod)
        sched = pod.conditions.get("PodScheduled")
        if pod.phase == "Pending" and sched is not None and sched.status == "False":
            groups.setdefault(("unschedulable", ref), []).append((pod, None))
            continue
        found = False
        for s in pod.statuses:
            cause = _container_cause(s)
            if cause is not None:
                groups.setdefault((cause, ref), []).append((pod, s))
                found = True
        readiness = [
            e for e in _pod_events(state, pod, "Unhealthy") if "Readiness probe" in e.message
        ]
        if not found and readiness:
            groups.setdefault(("readiness-failing", ref), []).append((pod, None))
        elif not found and pod.phase == "Running" and not pod.ready and pod.statuses:
            if any(s.state == "running" and not s.ready for s in pod.statuses):
                groups.setdefault(("readiness-failing", ref), []).append((pod, None))
    out: list[Diagnosis] = []
    builders: dict[
        str, Callable[[KubeFacts, Ref, list[tuple[Pod, ContainerStatus | None]]], Diagnosis | None]
    ] = {
        "image-pull-failed": _image_pull,
        "config-error": _config_error,
        "oom-killed": _oom,
        "container-crashloop": _crashloop,
        "unschedulable": _unschedulable,
        "readiness-failing": _readiness,
    }
    for (cause, ref), members in groups.items():
        d = builders[cause](f, ref, members)
        if d is not None:
            out.append(d)
    return out


def _pods_phrase(state: KubeState, ref: Ref, members: list[Any]) -> str:
    pods = {m[0].key for m in members}
    total = len([p for p in state.pods_of(ref) if not p.finished])
    return f"{len(pods)} of {total} pod{'s' if total != 1 else ''}" if total > 1 else "its pod"


def _image_pull(
    f: KubeFacts, ref: Ref, members: list[tuple[Pod, ContainerStatus | None]]
) -> Diagnosis:
    state = f.state
    pod, s = members[0]
    assert s is not None
    spec = pod.spec_of(s.name)
    image = (spec.image if spec else s.image) or "?"
    tag = image.rsplit(":", 1)[-1] if ":" in image.rsplit("/", 1)[-1] else "latest"
    failed = [
        e for e in _pod_events(state, pod, "Failed", "BackOff") if "image" in e.message.lower()
    ]
    why = next(
        (e.message for e in failed if e.reason == "Failed" and "Failed to pull" in e.message), None
    )
    summary = (
        f"{ref} cannot start: {_pods_phrase(state, ref, members)} wait in {s.reason} for image "
        f"{image!r}" + (f" ({why})" if why else "")
    )
    values = plan_values(f, ref, pod, s.name)
    change = [
        f"fix the image reference of container {s.name} (does tag {tag!r} "
        "exist in the registry?) or add the registry credentials as imagePullSecrets"
    ]
    if _bad_rollout(state, ref, [m[0] for m in members]):
        change = [*_rollback(state, ref), *change]
    d = diagnosis(
        "image-pull-failed",
        "error",
        0.95,
        summary,
        workload_subject(ref, pod, s.name),
        values,
        change=change,
    )
    for p, st in members[:3]:
        if st is not None:
            d.add_evidence(PODS, None, status_text(p, st))
    add_events(d, failed)
    return d


def _config_error(
    f: KubeFacts, ref: Ref, members: list[tuple[Pod, ContainerStatus | None]]
) -> Diagnosis:
    state = f.state
    pod, s = members[0]
    assert s is not None
    msg = (s.message or "").strip()
    spec = pod.spec_of(s.name)
    refs: list[str] = []
    if spec is not None:
        names = set(re.findall(r'"([^"]+)"', msg)) | set(
            re.findall(r"(?:Secret|ConfigMap) [\w.-]+/([\w.-]+)", msg)
        )
        for e in spec.env:
            if e.source and (not names or any(n in e.source for n in names)):
                refs.append(f"env {e.name} <- {e.source}")
        for src in spec.env_from:
            if not names or any(n in src for n in names):
                refs.append(f"envFrom {src}")
    summary = (
        f"{ref} cannot create container {s.name}: {s.reason}"
        + (f": {msg}" if msg else "")
        + f" ({_pods_phrase(state, ref, members)})"
    )
    missing_key = re.search(
        r"couldn't find key (\S+) in (Secret|ConfigMap) ([\w.-]+)/([\w.-]+)", msg
    )
    missing_obj = re.search(r'(secret|configmap) "([^"]+)" not found', msg, re.I)
    inspect: list[str] = []
    change: list[str] = []
    if missing_key:
        kind = missing_key.group(2).lower()
        inspect.append(
            f"kubectl describe {kind} {missing_key.group(4)} -n {missing_key.group(3)}  (the keys it has; values are not shown)"
        )
        change.append(
            f"add key {missing_key.group(1)} to {missing_key.group(2)} {missing_key.group(3)}/{missing_key.group(4)} "
            "or fix the key name in the pod template"
        )
    elif missing_obj:
        kind = missing_obj.group(1).lower()
        inspect.append(f"kubectl get {kind} {missing_obj.group(2)} -n {ref.namespace}  (NotFound)")
        change.append(
            f"create {kind} {missing_obj.group(2)} in namespace {ref.namespace} (or fix the name in the "
            "pod template); pods retry on their own once it exists"
        )
    if _bad_rollout(state, ref, [m[0] for m in members]):
        change = [*_rollback(state, ref), *change]
    d = diagnosis(
        "config-error",
        "error",
        0.95,
        summary,
        workload_subject(ref, pod, s.name),
        plan_values(f, ref, pod, s.name),
        inspect=inspect,
        change=change,
    )
    for p, st in members[:3]:
        if st is not None:
            d.add_evidence(PODS, None, status_text(p, st))
    for r in refs[:4]:
        d.add_evidence(PODS, None, f"{pod.key} container {s.name}: {r}")
    add_events(d, [e for e in _pod_events(state, pod) if e.type == "Warning"])
    return d


def _crash_severity(f: KubeFacts, s: ContainerStatus) -> tuple[str, str]:
    """(severity, note): error while crashing; warning when running and ready for a while
    (recovered?); info when the restarts are the node's (exit 255 / Unknown, together
    with other pods)."""
    if s.state == "running" and s.ready:
        age = f.age(s.last_finished_at or s.started_at)
        node_restart = (
            s.last_finished_at is not None
            and (s.last_reason == "Unknown" or s.last_exit_code == 255)
            and any(abs(s.last_finished_at - t) <= NODE_RESTART_WINDOW for t, _ in f.node_restarts)
        )
        if node_restart:
            n = next(
                n
                for t, n in f.node_restarts
                if abs((s.last_finished_at or 0) - t) <= NODE_RESTART_WINDOW
            )
            return "info", (
                f"the last exit (reason {s.last_reason}, exit code {s.last_exit_code}) happened "
                f"together with {n - 1} other container(s) at {fmt_time(s.last_finished_at)}: the node or its "
                "container runtime restarted, not the app"
            )
        if age is not None and age > RECOVERED_AFTER:
            return "warning", (
                f"running and ready now; the last crash was {fmt_age(age)} before the recording (recovered?)"
            )
    return "error", ""


def _crashloop(
    f: KubeFacts, ref: Ref, members: list[tuple[Pod, ContainerStatus | None]]
) -> Diagnosis:
    state = f.state
    ranked = sorted(
        ((p, s) for p, s in members if s is not None),
        key=lambda m: (m[1].state == "running" and m[1].ready, -m[1].restart_count),
    )
    pod, s = ranked[0]
    severity, note = _crash_severity(f, s)
    prev = state.log(pod, s.name, True) or state.log(pod, s.name, False)
    tail = log_tail(prev, 6)
    notes, depends = dependency_notes(f, pod, tail)
    liveness = [e for e in _pod_events(state, pod, "Unhealthy") if "Liveness probe" in e.message]
    last_err = last_error(tail)
    verb = "restarted with its node" if severity == "info" else "keeps crashing"
    summary = (
        f"{ref} {verb}: container {s.name} of {_pods_phrase(state, ref, members)} restarted "
        f"{s.restart_count} times (last exit code {s.last_exit_code if s.last_exit_code is not None else s.exit_code}"
        + (f", {s.last_reason}" if s.last_reason else "")
        + (f" at {fmt_time(s.last_finished_at)}" if s.last_finished_at else "")
        + ")"
    )
    if s.state == "waiting" and s.reason:
        summary += f", now {s.reason}"
    if liveness:
        summary += f"; killed by its liveness probe ({liveness[0].message})"
    if last_err:
        erred = any(
            (_STRONG.search(t) or _WEAK.search(t)) and not _HELP_TEXT.match(t) for _, t in tail
        )
        label = "Last error before the exit" if erred else "Last log line before the exit"
        summary += f". {label}: {last_err[:300]}"
    if notes:
        summary += f". {notes[0]}"
    if note:
        summary += f". {note[:1].upper()}{note[1:]}"
    values = plan_values(f, ref, pod, s.name)
    change: list[str] = []
    if notes and "no Service" in notes[0]:
        change.append(
            "point the app at the Service's DNS name (<service>.<namespace>.svc) instead of the "
            "address it uses now, then roll the workload"
        )
    elif depends:
        change.append(
            f"fix {depends.removeprefix('service:')} first: this workload cannot reach it"
        )
    else:
        change.append(
            "fix the error the previous log shows (config, env, dependency), then let the rollout replace the pods"
        )
    if _bad_rollout(state, ref, [m[0] for m in members]):
        change = [*_rollback(state, ref), *change]
    subject = workload_subject(ref, pod, s.name)
    subject["depends_on"] = depends
    d = diagnosis(
        "container-crashloop",
        severity,
        0.9 if severity == "error" else (0.6 if severity == "warning" else 0.5),
        summary,
        subject,
        values,
        change=change,
    )
    for p, st in ranked[:3]:
        d.add_evidence(PODS, None, status_text(p, st))
    if prev is not None:
        for lineno, text in tail:
            d.add_evidence(prev.path, lineno, text.strip())
    for n in notes:
        d.add_evidence(SERVICES, None, n)
    add_events(d, [e for e in _pod_events(state, pod) if e.type == "Warning"], 3)
    return d


def _oom(f: KubeFacts, ref: Ref, members: list[tuple[Pod, ContainerStatus | None]]) -> Diagnosis:
    state = f.state
    pod, s = next(((p, st) for p, st in members if st is not None), members[0])
    assert s is not None
    spec = pod.spec_of(s.name)
    jvm = _jvm_vs_limit(spec)
    severity, note = _crash_severity(f, s)
    if severity == "info":
        severity = "warning"
    when = s.finished_at if s.state == "terminated" else s.last_finished_at
    summary = (
        f"{ref}: container {s.name} was OOM-killed (reason OOMKilled, exit code 137 at {fmt_time(when)}; "
        f"{s.restart_count} restarts; limits.memory {spec.memory_limit if spec and spec.memory_limit else 'not set'})"
    )
    if jvm:
        summary += f". {jvm}"
    if note:
        summary += f". {note[:1].upper()}{note[1:]}"
    change = []
    if jvm:
        change.append(
            f"set the heap below the limit (e.g. -XX:MaxRAMPercentage=75 instead of a fixed -Xmx) or raise "
            f"limits.memory of {s.name} to heap + 512Mi or more"
        )
    else:
        change.append(f"raise limits.memory of container {s.name} or fix the leak")
    if _bad_rollout(state, ref, [m[0] for m in members]):
        change = [*_rollback(state, ref), *change]
    d = diagnosis(
        "oom-killed",
        severity,
        0.95 if severity == "error" else 0.7,
        summary,
        workload_subject(ref, pod, s.name),
        plan_values(f, ref, pod, s.name),
        change=change,
    )
    for p, st in members[:3]:
        if st is not None:
            d.add_evidence(PODS, None, status_text(p, st))
    if jvm:
        d.add_evidence(PODS, None, f"{pod.key} container {s.name}: {jvm}")
    prev = state.log(pod, s.name, True)
    for lineno, text in log_tail(prev, 3):
        d.add_evidence(prev.path if prev else "", lineno, text.strip())
    add_events(d, [e for e in _pod_events(state, pod) if e.type == "Warning"], 3)
    return d


def _unschedulable(
    f: KubeFacts, ref: Ref, members: list[tuple[Pod, ContainerStatus | None]]
) -> Diagnosis:
    state = f.state
    pod = members[0][0]
    cond = pod.conditions.get("PodScheduled")
    events = _pod_events(state, pod, "FailedScheduling")
    reason = (
        (events[-1].message if events else None)
        or (cond.message if cond else None)
        or "no reason recorded"
    )
    requests = [
        f"{c.name} requests memory {c.memory_request}" for c in pod.containers if c.memory_request
    ]
    summary = f"{ref}: {_pods_phrase(state, ref, members)} Pending, not schedulable: {reason}"
    pressured = [n.name for n in state.nodes if n.pressures]
    depends = None
    if pressured and re.search(r"(disk|memory|pid)-pressure", reason):
        depends = f"node:{pressured[0]}"
    change = [
        "make room or lower the pod's requests / relax its nodeSelector, affinity or tolerations "
        "to what the nodes offer (the FailedScheduling message names the constraint)"
    ]
    if _bad_rollout(state, ref, [m[0] for m in members]):
        change = [*_rollback(state, ref), *change]
    subject = workload_subject(ref, pod, None)
    subject["depends_on"] = depends
    d = diagnosis(
        "unschedulable",
        "error",
        0.9,
        summary,
        subject,
        plan_values(f, ref, pod, None),
        change=change,
    )
    for p, _ in members[:3]:
        c = p.conditions.get("PodScheduled")
        d.add_evidence(
            PODS,
            None,
            f"{p.key}: phase {p.phase}; PodScheduled={c.status if c else '?'} reason={c.reason if c else '?'}"
            + (f" message {c.message!r}" if c and c.message else ""),
        )
    for r in requests:
        d.add_evidence(PODS, None, f"{pod.key}: {r}")
    if "PersistentVolumeClaim" in reason:
        for pvc in state.pvcs:
            if pvc.namespace == pod.namespace and pvc.phase != "Bound":
                d.add_evidence(
                    layout.resource_path("persistentvolumeclaims"),
                    None,
                    f"PersistentVolumeClaim {pvc.namespace}/{pvc.name}: phase {pvc.phase}, "
                    f"storageClassName {pvc.storage_class}",
                )
    add_events(d, events)
    return d


def _readiness(
    f: KubeFacts, ref: Ref, members: list[tuple[Pod, ContainerStatus | None]]
) -> Diagnosis:
    state = f.state
    pods = [m[0] for m in members]
    not_ready = [p for p in pods if not p.ready]
    pod = not_ready[0] if not_ready else pods[0]
    events = [
        e
        for p in pods
        for e in _pod_events(state, p, "Unhealthy")
        if "Readiness probe" in e.message
    ]
    last = max((e.last for e in events if e.last is not None), default=None)
    running = [s for s in pod.statuses if s.state == "running" and not s.init]
    container = next((s.name for s in running if not s.ready), running[0].name if running else None)
    spec = pod.spec_of(container) if container else None
    if not_ready:
        severity, confidence = "error", 0.85
        state_note = f"{len(not_ready)} of {len(state.pods_of(ref)) or len(pods)} pods not ready"
    else:
        age = f.age(last)
        recent = age is not None and age <= RECOVERED_AFTER
        severity, confidence = ("warning", 0.6) if recent else ("info", 0.5)
        state_note = (
            f"ready now; the last failure was {fmt_age(age)} before the recording (recovered?)"
        )
    msg = events[0].message if events else "the pod is running but not ready"
    count = sum(e.count for e in events)
    summary = (
        f"{ref}: readiness probe failing: {msg}"
        + (f" (x{count})" if count > 1 else "")
        + f"; {state_note}"
    )
    probe_note = None
    if spec is not None and spec.readiness is not None:
        summary += f". Probe: {spec.readiness.text}"
        port = spec.readiness.port
        if port and not port.isdigit() and port not in spec.ports:
            probe_note = (
                f"the probe names port {port!r}, which container {spec.name} does not declare"
            )
        elif port and port.isdigit() and spec.ports and int(port) not in spec.port_numbers:
            probe_note = (
                f"the probe targets port {port}, container {spec.name} declares "
                f"{', '.join(str(x) for x in sorted(spec.port_numbers))}"
            )
        if probe_note:
            summary += f" ({probe_note})"
    change = [
        "fix what the probe reports (the endpoint answers 5xx: dependency down, slow start) or fix the probe (path, port, initialDelaySeconds / startupProbe)"
    ]
    if not_ready and _bad_rollout(state, ref, pods):
        change = [*_rollback(state, ref), *change]
    d = diagnosis(
        "readiness-failing",
        severity,
        confidence,
        summary,
        workload_subject(ref, pod, container),
        plan_values(f, ref, pod, container),
        change=change,
    )
    for p in pods[:3]:
        for s in p.statuses:
            if not s.init:
                d.add_evidence(PODS, None, status_text(p, s))
    if probe_note:
        d.add_evidence(PODS, None, f"{pod.key}: {probe_note}")
    add_events(d, events)
    if container:
        lf = state.log(pod, container, False)
        for lineno, text in log_tail(lf, 3):
            d.add_evidence(lf.path if lf else "", lineno, text.strip())
    return d


# ------------------------------------------------------------------ rollouts


def analyze_rollouts(f: KubeFacts) -> list[Diagnosis]:
    state = f.state
    out: list[Diagnosis] = []
    for w in state.workloads:
        if w.kind != "Deployment" or w.replicas == 0:
            continue
        prog = w.conditions.get("Progressing")
        deadline = (
            prog is not None
            and prog.status == "False"
            and prog.reason == "ProgressDeadlineExceeded"
        )
        sets = state.replicasets_of(w.ref)
        newest = sets[-1] if sets else None
        old_serving = [rs for rs in sets[:-1] if rs.ready > 0]
        stuck_new = newest is not None and newest.ready < newest.replicas and bool(old_serving)
        if not deadline and not stuck_new:
            continue
        summary = f"{w.ref}: rollout does not complete"
        if deadline and prog is not None:
            summary += f" (Progressing=False, ProgressDeadlineExceeded: {prog.message})"
        if newest is not None:
            summary += f"; new ReplicaSet {newest.name} (revision {newest.revision}) has {newest.ready}/{newest.replicas} ready"
        if old_serving:
            summary += "; old " + ", ".join(
                f"{rs.name} serves {rs.ready}/{rs.replicas}" for rs in old_serving
            )
        rs_events = [
            e
            for rs in sets[-1:]
            for e in state.events_for("ReplicaSet", f"{rs.namespace}/{rs.name}")
        ]
        warn = [e for e in rs_events if e.type == "Warning"]
        if warn:
            summary += f". {warn[-1].reason}: {warn[-1].message[:240]}"
        pods = state.pods_of(w.ref)
        pod = next(
            (p for p in pods if newest and p.owner and p.owner.name == newest.name),
            pods[0] if pods else None,
        )
        values = plan_values(f, w.ref, pod, None)
        inspect = (
            [f"kubectl describe replicaset {newest.name} -n {w.namespace}  (Events)"]
            if newest
            else []
        )
        change = _rollback(state, w.ref) + [
            "fix the cause the new ReplicaSet's events name, then re-apply"
        ]
        d = diagnosis(
            "rollout-stuck",
            "error" if deadline or w.available < w.replicas else "warning",
            0.8,
            summary,
            workload_subject(w.ref, pod, None),
            values,
            inspect=inspect,
            change=change,
        )
        if prog is not None:
            d.add_evidence(
                DEPLOYMENTS,
                None,
                f"{w.ref}: Progressing={prog.status} reason={prog.reason} message {prog.message!r}",
            )
        d.add_evidence(
            DEPLOYMENTS,
            None,
            f"{w.ref}: replicas={w.replicas} updated={w.updated} ready={w.ready} available={w.available} revision={w.revision}",
        )
        for rs in sets[-3:]:
            d.add_evidence(
                REPLICASETS,
                None,
                f"ReplicaSet {rs.namespace}/{rs.name} revision {rs.revision}: {rs.ready}/{rs.replicas} ready",
            )
        add_events(d, warn)
        out.append(d)
    return out


# ------------------------------------------------------------------ services


def _referenced(f: KubeFacts, svc: Service) -> bool:
    if any(
        b.service == svc.name
        for i in f.state.ingresses
        if i.namespace == svc.namespace
        for b in i.backends
    ):
        return True
    if svc.key in f.ingress.no_endpoint:
        return True
    return any(f.upstream_services.get(u) == svc.key for u in f.ingress.unavailable)


def _near_labels(state: KubeState, svc: Service) -> tuple[str | None, Ref | None]:
    """A pod label set close to the selector (a typo): ('app=shop-api (selector: app=shop-apii)', workload)."""
    best: tuple[float, str, Ref] | None = None
    for p in state.pods:
        if p.namespace != svc.namespace:
            continue
        for k, v in svc.selector.items():
            if p.labels.get(k) == v:
                continue
            for pk, pv in p.labels.items():
                if pk == "pod-template-hash":
                    continue
                score = difflib.SequenceMatcher(None, f"{k}={v}", f"{pk}={pv}").ratio()
                if score >= 0.6 and (best is None or score > best[0]):
                    best = (score, f"{pk}={pv} (the selector has {k}={v})", state.workload_ref(p))
    return (best[1], best[2]) if best else (None, None)


def analyze_services(f: KubeFacts) -> list[Diagnosis]:
    state = f.state
    out: list[Diagnosis] = []
    for svc in state.services:
        if not svc.selector or svc.type == "ExternalName":
            continue
        selected = [p for p in state.selected_pods(svc) if not p.finished]
        if "endpointslices" in state.present:
            endpoints = state.endpoints_of(svc)
            n_ready = sum(1 for e in endpoints if e.ready)
        else:
            endpoints = []
            n_ready = sum(1 for p in selected if p.ready)
        if n_ready:
            continue
        referenced = _referenced(f, svc)
        ingress_lines = f.ingress.no_endpoint.get(svc.key, [])
        unavailable = [
            h
            for u, hs in f.ingress.unavailable.items()
            if f.upstream_services.get(u) == svc.key
            for h in hs
        ]
        values = {
            "namespace": svc.namespace,
            "name": svc.name,
            "service_name": svc.name,
            "selector": selector_text(svc.selector),
        }
        if not selected:
            near, near_ref = _near_labels(state, svc)
            summary = (
                f"Service {svc.key} has no endpoints: its selector {selector_text(svc.selector)} "
                f"matches no pod in namespace {svc.namespace}"
            )
            if near:
                summary += f"; pods of {near_ref} carry {near}: a typo in the selector?"
            change = [
                f"make the Service selector match the pod labels (kubectl get pods -n {svc.namespace} --show-labels), "
                "in the manifest or chart, and re-apply"
            ]
            subject: dict[str, str | None] = {
                "service": svc.key,
                "kind": "Service",
                "namespace": svc.namespace,
            }
            subject["selector"] = f"{selector_text(svc.selector)} (matches no pod)"
            if near_ref is not None:
                # the workload the Service was meant to select (its labels are a near miss)
                subject.update({"workload": near_ref.key, "kind": near_ref.kind})
            d = diagnosis(
                "no-ready-endpoints",
                "error" if referenced else "warning",
                0.9 if near else 0.8,
                summary,
                subject,
                values,
                change=change,
            )
            d.add_evidence(
                SERVICES,
                None,
                f"Service {svc.key}: selector {selector_text(svc.selector)} matches no pod in "
                f"namespace {svc.namespace}; ports "
                + ", ".join(f"{p.port}->{p.target}" for p in svc.ports),
            )
            if near_ref is not None:
                d.add_evidence(PODS, None, f"pods of {near_ref} carry {near}")
        else:
            ref = state.workload_ref(selected[0])
            summary = (
                f"Service {svc.key} has no ready endpoints: {len(selected)} pod(s) of {ref} match "
                f"its selector but none is ready"
            )
            subject = {
                "service": svc.key,
                "kind": ref.kind,
                "workload": ref.key,
                "namespace": svc.namespace,
                "pod": selected[0].name,
            }
            d = diagnosis(
                "no-ready-endpoints",
                "error" if referenced else "warning",
                0.75,
                summary,
                subject,
                {**values, "pod": selected[0].name},
            )
            for p in selected[:3]:
                d.add_evidence(
                    PODS, None, f"{p.key}: phase {p.phase}, ready={str(p.ready).lower()}"
                )
        if endpoints:
            d.add_evidence(
                SLICES, None, f"EndpointSlices of {svc.key}: {len(endpoints)} endpoint(s), 0 ready"
            )
        elif "endpointslices" in state.present:
            d.add_evidence(SLICES, None, f"EndpointSlices of {svc.key}: no endpoints")
        _add_ingress_lines(d, ingress_lines + unavailable)
        d.requests = len(unavailable)
        out.append(d)
    return out


def _add_ingress_lines(d: Diagnosis, hits: list[Hit], limit: int = 3) -> None:
    if not hits:
        return
    for h in hits[:limit]:
        d.add_evidence(h.source, h.line, h.text)
    if len(hits) > limit:
        d.add_evidence(hits[-1].source, hits[-1].line, hits[-1].text)
    times = [h.ts for h in hits if h.ts is not None]
    if times:
        d.first_seen = min(times)


# ------------------------------------------------------------------ nodes


def analyze_nodes(f: KubeFacts) -> list[Diagnosis]:
    state = f.state
    out: list[Diagnosis] = []
    evicted_by_node: dict[str, list[Pod]] = {}
    for p in state.pods:
        if p.phase == "Failed" and p.reason == "Evicted":
            evicted_by_node.setdefault(p.node or "?", []).append(p)
    names = {n.name for n in state.nodes} | set(evicted_by_node)
    for name in sorted(names):
        node = state.node_by_name.get(name)
        pressures = node.pressures if node is not None else []
        evicted = evicted_by_node.get(name, [])
        node_events = [
            e
            for e in state.events_for("Node", name)
            if e.reason
            in (
                "EvictionThresholdMet",
                "NodeHasDiskPressure",
                "NodeHasInsufficientMemory",
                "NodeHasInsufficientPID",
                "FreeDiskSpaceFailed",
                "ImageGCFailed",
            )
        ]
        if not pressures and not evicted:
            continue
        if pressures:
            what = ", ".join(c.type for c in pressures)
            summary = f"node {name} is under {what}"
            msg = pressures[0].message
            if msg:
                summary += f" ({msg})"
            severity = "error"
        else:
            summary = f"node {name} evicted pods (no pressure condition now: recovered?)"
            severity = "warning"
        if evicted:
            reasons = {(p.message or "").split(".")[0] for p in evicted}
            summary += (
                f"; {len(evicted)} pod(s) evicted: "
                + "; ".join(sorted(r for r in reasons if r))[:240]
            )
            workloads = sorted({state.workload_ref(p).key for p in evicted})
            summary += f" (workloads {', '.join(workloads[:5])})"
        values = {"node": name}
        d = diagnosis(
            "node-pressure",
            severity,
            0.9 if pressures else 0.7,
            summary,
            {"node": name, "kind": "Node"},
            values,
            change=[
                f"free the resource on {name} (images: crictl rmi --prune; logs; emptyDir use) or add "
                "capacity; set requests/limits so the scheduler accounts for it"
            ],
        )
        for c in pressures:
            d.add_evidence(
                NODES, None, f"node {name}: {c.type}=True reason={c.reason} message {c.message!r}"
            )
        for p in evicted[:4]:
            d.add_evidence(
                PODS, None, f"{p.key}: phase Failed reason Evicted message {p.message!r}"
            )
        evs = node_events + [e for p in evicted for e in _pod_events(state, p, "Evicted")]
        add_events(d, evs)
        out.append(d)
    return out


# ------------------------------------------------------------------ ingress


def analyze_ingress(f: KubeFacts) -> list[Diagnosis]:
    state = f.state
    out: list[Diagnosis] = []
    for ip, hits in sorted(f.ingress.hits.items()):
        pod = state.pod_by_ip.get(ip)
        timeouts = [h for h in hits if h.kind == "timeout" or h.status == 504]
        refused = [
            h
            for h in hits
            if h.kind in ("refused", "unreachable") or (h.status in (502,) and h.kind == "502")
        ]
        for cause, group in (("upstream-timeout", timeouts), ("upstream-refused", refused)):
            if not group:
                continue
            # one access line and one error line describe one request: count access lines
            access = [h for h in group if h.status is not None]
            requests = len(access) or len(group)
            address = next((h.address for h in group if ":" in h.address), ip)
            upstream = next((h.upstream for h in group if h.upstream), None)
            svc_key = f.upstream_services.get(upstream or "")
            if pod is None:
                summary = (
                    f"the ingress controller sent {requests} request(s) to {address}"
                    + (f" (upstream {upstream})" if upstream else "")
                    + " and no pod has that address now (a deleted pod; endpoints were stale)"
                )
                d = diagnosis(
                    cause,
                    "warning",
                    0.5,
                    summary,
                    {"address": address, "upstream": upstream, "service": svc_key},
                    {
                        "namespace": (svc_key or "/").split("/")[0],
                        "service_name": (svc_key or "/").split("/")[-1],
                    },
                )
            else:
                ref = state.workload_ref(pod)
                container = _container_for_port(pod, address)
                values = plan_values(f, ref, pod, container)
                if cause == "upstream-timeout":
                    summary = (
                        f"{ref} answers too slowly: {requests} request(s) through the ingress timed out "
                        f"at {address} (pod {pod.key}"
                        + (f", upstream {upstream}" if upstream else "")
                        + "; the ingress answered 504)"
                    )
                    change = [
                        "fix the slow handler; or raise the timeout for that Ingress only: annotation "
                        'nginx.ingress.kubernetes.io/proxy-read-timeout: "120"'
                    ]
                else:
                    summary = (
                        f"{ref} refuses connections: {requests} request(s) through the ingress got "
                        f"connection refused at {address} (pod {pod.key}, phase {pod.phase}, ready="
                        f"{str(pod.ready).lower()})"
                    )
                    port = address.rsplit(":", 1)[-1]
                    spec = pod.spec_of(container) if container else None
                    change = []
                    if (
                        spec is not None
                        and port.isdigit()
                        and spec.ports
                        and int(port) not in spec.port_numbers
                    ):
                        summary += (
                            f"; container {spec.name} declares port(s) "
                            f"{', '.join(str(x) for x in sorted(spec.port_numbers))}, not {port}"
                        )
                        change.append(
                            "make the Service targetPort match the port the container listens on"
                        )
                    else:
                        change.append(
                            f"make the app listen on 0.0.0.0:{port} (not 127.0.0.1) or fix the Service targetPort"
                        )
                subject = workload_subject(ref, pod, container)
                subject.update({"address": address, "upstream": upstream, "service": svc_key})
                d = diagnosis(
                    cause,
                    "error",
                    0.8 if cause == "upstream-timeout" else 0.7,
                    summary,
                    subject,
                    values,
                    change=change,
                )
            _add_ingress_lines(d, group)
            d.requests = requests
            out.append(d)
    # 503s / no active Endpoint for a Service the services analyzer did not already judge
    # (it only sees Services in the recording)
    known = {s.key for s in state.services}
    for key, lines in f.ingress.no_endpoint.items():
        if key in known:
            continue
        ns, _, name = key.partition("/")
        d = diagnosis(
            "no-ready-endpoints",
            "error",
            0.6,
            f"the ingress controller reports Service {key} has no active endpoint, and the recording has no such Service",
            {"service": key, "kind": "Service", "namespace": ns},
            {"namespace": ns, "name": name, "service_name": name},
        )
        _add_ingress_lines(d, lines)
        out.append(d)
    return out


def _container_for_port(pod: Pod, address: str) -> str | None:
    port = address.rsplit(":", 1)[-1]
    for c in pod.containers:
        if port.isdigit() and int(port) in c.port_numbers:
            return c.name
    app = [s.name for s in pod.statuses if not s.init]
    return app[0] if app else None


ANALYZERS: tuple[tuple[str, Callable[[KubeFacts], list[Diagnosis]]], ...] = (
    ("kube-pods", analyze_pods),
    ("kube-rollouts", analyze_rollouts),
    ("kube-services", analyze_services),
    ("kube-nodes", analyze_nodes),
    ("kube-ingress", analyze_ingress),
)
