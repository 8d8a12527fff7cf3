"""Which workload each HPA scales (package-private): the HPA rules share the lookup."""

from __future__ import annotations

from collections.abc import Iterator

from infradoctor.model.k8s import K8sObject, nearest
from infradoctor.model.stack import Stack
from infradoctor.rules.kubernetes._k8s import index


def hpa_target(stack: Stack, hpa: K8sObject) -> K8sObject | None:
    """The nearest workload the HPA's scaleTargetRef names; None when unknown or partial."""
    if hpa.hpa is None or hpa.partial or not hpa.hpa.target_name:
        return None
    targets = nearest(
        hpa,
        [
            w
            for w in index(stack).by_name.get(hpa.hpa.target_name, ())
            if hpa.hpa.target_kind in (None, w.kind) and hpa.same_namespace(w)
        ],
    )
    if not targets or any(t.partial for t in targets):
        return None
    return targets[0]


def scaled(stack: Stack) -> Iterator[tuple[K8sObject, K8sObject]]:
    """(hpa, workload) for every HPA whose target is loaded."""
    for h in stack.k8s:
        if h.hpa is not None:
            w = hpa_target(stack, h)
            if w is not None:
                yield h, w


def min_replicas_by_workload(stack: Stack) -> dict[int, int]:
    """id(workload) -> the HPA's minReplicas (default 1) for every scaled workload."""
    out: dict[int, int] = {}
    for h, w in scaled(stack):
        assert h.hpa is not None
        out[id(w)] = h.hpa.min_replicas if h.hpa.min_replicas is not None else 1
    return out
