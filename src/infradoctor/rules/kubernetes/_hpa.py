"""Which workload each HPA scales (package-private): the HPA rules share the lookup."""

from __future__ import annotations

from collections.abc import Iterator

from infradoctor.model.k8s import K8sObject, nearest
from infradoctor.model.stack import Stack
from infradoctor.rules.kubernetes._k8s import index

DEV_DIRS = frozenset({"dev", "development", "local", "test", "tests", "testing", "ci", "kind"})


def dev_copy(obj: K8sObject) -> bool:
    """In a dev/test directory (a kustomize `overlays/dev`): one replica there is on purpose."""
    return any(part.lower() in DEV_DIRS for part in obj.file.split("/")[:-1])


def deployed_with(hpa: K8sObject, w: K8sObject) -> bool:
    """Same directory, or the same explicit namespace: in a tree of several projects a
    namespace-less `cart` elsewhere is another project's workload."""
    if w.directory == hpa.directory:
        return hpa.same_namespace(w)
    return hpa.namespace is not None and w.namespace == hpa.namespace


def hpa_target(stack: Stack, hpa: K8sObject, *, certain: bool = False) -> K8sObject | None:
    """The nearest workload the HPA's scaleTargetRef names; None when unknown or partial.
    `certain`: also None when equally near copies sit in different directories (an HPA
    in `autoscaling/` next to `manifests/`, `helm-chart/` and `complete-demo.yaml`)."""
    if hpa.hpa is None or hpa.partial or not hpa.hpa.target_name:
        return None
    targets = nearest(
        hpa,
        [
            w
            for w in index(stack).by_name.get(hpa.hpa.target_name, ())
            if hpa.hpa.target_kind in (None, w.kind) and deployed_with(hpa, w)
        ],
    )
    if not targets or any(t.partial for t in targets):
        return None
    if certain and len({t.directory for t in targets}) > 1:
        return None
    return targets[0]


def scaled(stack: Stack, *, certain: bool = False) -> Iterator[tuple[K8sObject, K8sObject]]:
    """(hpa, workload) for every HPA whose target is loaded (see `hpa_target`)."""
    for h in stack.k8s:
        if h.hpa is not None:
            w = hpa_target(stack, h, certain=certain)
            if w is not None:
                yield h, w


def min_replicas_by_workload(stack: Stack) -> dict[int, int]:
    """id(workload) -> the HPA's minReplicas (default 1) for every scaled workload."""
    out: dict[int, int] = {}
    for h, w in scaled(stack):
        assert h.hpa is not None
        out[id(w)] = h.hpa.min_replicas if h.hpa.min_replicas is not None else 1
    return out
