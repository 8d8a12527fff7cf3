"""Kubernetes readiness through kubectl (read-only `get`): Deployments and StatefulSets
rolled out, Services with at least one ready endpoint.

Targets: `kube://deployment/NAME`, `kube://statefulset/NAME`, `kube://service/NAME`,
optionally `?namespace=NS&context=CTX`; `--kube` lists every Deployment, StatefulSet and
selector Service of the namespace as such targets."""

from __future__ import annotations

import json
import shutil
import subprocess
from typing import Any
from urllib.parse import parse_qs, urlsplit

from infradoctor.wait.model import ProbeResult, Target, TargetError

KINDS = {
    "deployment": "deployment",
    "deploy": "deployment",
    "statefulset": "statefulset",
    "sts": "statefulset",
    "service": "service",
    "svc": "service",
}


class KubeError(Exception):
    pass


def kubectl_json(args: list[str], timeout: float, context: str | None = None) -> Any:
    exe = shutil.which("kubectl")
    if exe is None:
        raise KubeError("kubectl not found on PATH")
    cmd = [exe, *(["--context", context] if context else []), *args, "-o", "json"]
    cmd += ["--request-timeout", f"{max(1, int(timeout))}s"]
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout + 5)
    except subprocess.TimeoutExpired:
        raise KubeError("kubectl timed out") from None
    if out.returncode != 0:
        msg = (out.stderr.strip().splitlines() or ["kubectl failed"])[-1]
        raise KubeError(msg)
    try:
        return json.loads(out.stdout)
    except ValueError:
        raise KubeError("kubectl printed no JSON") from None


def parse_kube_target(text: str) -> Target:
    parts = urlsplit(text)
    kind = KINDS.get((parts.netloc or "").lower())
    name = parts.path.strip("/")
    if kind is None or not name or "/" in name:
        raise TargetError(
            f"{text!r}: expected kube://deployment|statefulset|service/NAME[?namespace=NS]"
        )
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    return Target(
        raw=text,
        scheme="kube",
        host=kind,
        port=0,
        path=name,
        query=query,
        probe_fn=probe_kube,
    )


def _ns_args(t: Target) -> list[str]:
    ns = t.query.get("namespace")
    return ["-n", ns] if ns else []


def workload_status(kind: str, obj: dict[str, Any]) -> ProbeResult:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    meta = obj.get("metadata") or {}
    want = spec.get("replicas", 1)
    if status.get("observedGeneration", 0) < meta.get("generation", 0):
        return ProbeResult(False, "new spec not observed yet by the controller")
    updated = status.get("updatedReplicas", 0)
    ready = status.get("readyReplicas", 0)
    if kind == "deployment":
        available = status.get("availableReplicas", 0)
        total = status.get("replicas", 0)
        for cond in status.get("conditions") or []:
            if (
                cond.get("type") == "Progressing"
                and cond.get("reason") == "ProgressDeadlineExceeded"
            ):
                return ProbeResult(False, f"rollout stuck: {cond.get('message', '')}")
        if updated < want:
            return ProbeResult(False, f"{updated}/{want} replicas updated")
        if total > updated:
            return ProbeResult(False, f"{total - updated} old replicas pending termination")
        if available < want:
            return ProbeResult(False, f"{available}/{want} replicas available")
        return ProbeResult(True, f"rolled out ({available}/{want} available)")
    if ready < want:
        return ProbeResult(False, f"{ready}/{want} replicas ready")
    if (spec.get("updateStrategy") or {}).get("type", "RollingUpdate") == "RollingUpdate":
        if status.get("updateRevision") and status.get("currentRevision") != status.get(
            "updateRevision"
        ):
            return ProbeResult(False, f"{updated}/{want} replicas on the new revision")
    return ProbeResult(True, f"rolled out ({ready}/{want} ready)")


def endpoints_status(obj: dict[str, Any]) -> ProbeResult:
    ready = not_ready = 0
    for subset in obj.get("subsets") or []:
        ready += len(subset.get("addresses") or [])
        not_ready += len(subset.get("notReadyAddresses") or [])
    if ready:
        return ProbeResult(True, f"{ready} ready endpoint{'' if ready == 1 else 's'}")
    if not_ready:
        return ProbeResult(False, f"0 ready endpoints ({not_ready} not ready)")
    return ProbeResult(False, "no endpoints (no pod matches the selector yet)")


def probe_kube(t: Target, timeout: float) -> ProbeResult:
    kind, name = t.host, t.path
    try:
        if kind == "service":
            obj = kubectl_json(
                ["get", "endpoints", name, *_ns_args(t)], timeout, t.query.get("context")
            )
            return endpoints_status(obj)
        obj = kubectl_json(["get", kind, name, *_ns_args(t)], timeout, t.query.get("context"))
        return workload_status(kind, obj)
    except KubeError as exc:
        return ProbeResult(False, str(exc))


def discover_kube(namespace: str | None, context: str | None, timeout: float) -> list[Target]:
    """Every Deployment, StatefulSet and Service with a selector (raises KubeError)."""
    ns = ["-n", namespace] if namespace else []
    data = kubectl_json(["get", "deployments,statefulsets,services", *ns], timeout, context)
    targets: list[Target] = []
    for item in data.get("items") or []:
        kind = str(item.get("kind", "")).lower()
        meta = item.get("metadata") or {}
        if kind == "service" and not (item.get("spec") or {}).get("selector"):
            continue
        if kind not in ("deployment", "statefulset", "service"):
            continue
        q = []
        if meta.get("namespace") or namespace:
            q.append(f"namespace={meta.get('namespace') or namespace}")
        if context:
            q.append(f"context={context}")
        raw = f"kube://{kind}/{meta.get('name')}" + ("?" + "&".join(q) if q else "")
        targets.append(parse_kube_target(raw))
    return targets
