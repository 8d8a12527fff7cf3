"""Which workload a Service that selects no pods most likely meant (package-private):
K8S001 names it, and K8S002/K8S004 still check the Service against it, so one selector
typo does not hide the next problem."""

from __future__ import annotations

from typing import Any

from infradoctor.model.k8s import BATCH_KINDS, K8sObject
from infradoctor.model.stack import Stack
from infradoctor.rules.kubernetes._k8s import index, selected_workloads

BUILTIN_KINDS = frozenset(
    {
        "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Job",
        "CronJob", "Pod", "Service", "Ingress", "ConfigMap", "Secret", "ServiceAccount",
        "Namespace", "PersistentVolumeClaim", "PersistentVolume", "NetworkPolicy", "Role",
        "RoleBinding", "ClusterRole", "ClusterRoleBinding", "HorizontalPodAutoscaler",
        "PodDisruptionBudget", "LimitRange", "ResourceQuota", "StorageClass", "IngressClass",
        "CustomResourceDefinition", "PriorityClass", "Endpoints", "EndpointSlice",
    }
)  # fmt: skip


def _operator_managed(stack: Stack, service: K8sObject) -> bool:
    """A custom resource next to the Service whose name is a selector value: an operator
    (Elasticsearch, Postgres, Kafka, ...) creates those pods, we don't see their labels."""
    assert service.service is not None and service.service.selector is not None
    values = set(service.service.selector.match_labels.values())
    named = index(stack).objects_named
    return any(
        o.kind not in BUILTIN_KINDS
        for value in values
        for o in named.get((service.directory, value), ())
    )


def _score(service: K8sObject, w: K8sObject, wanted: dict[str, str]) -> int:
    """How much `w` looks like the Service's target: per selector key 1 when its pod has
    the key, 2 when with the selector's value; 1 more for the Service's own name."""
    labels = w.workload.pod.labels if w.workload else {}
    score = sum(2 if labels.get(k) == v else 1 for k, v in wanted.items() if k in labels)
    return score + 1 if w.name == service.name else score


def _closest(service: K8sObject, candidates: list[K8sObject]) -> K8sObject | None:
    """The nearby workload whose labels share the most selector keys (the likely target):
    the first of the candidates with the highest score above 0."""
    assert service.service is not None and service.service.selector is not None
    wanted = service.service.selector.match_labels
    best: tuple[int, K8sObject] | None = None
    for w in candidates:
        score = _score(service, w, wanted)
        if score and (best is None or score > best[0]):
            best = (score, w)
    return best[1] if best else None


# Above this many workloads sharing a selector value with the Service, `_closest_nearby`
# scores all nearby workloads instead.
_SPARSE_LIMIT = 64


def closest_nearby(stack: Stack, service: K8sObject, memo: dict[Any, Any]) -> K8sObject | None:
    """`_closest(service, index(stack).nearby(...))` without scoring every nearby workload
    for every Service. score = keys present (P) + values equal (E) + own name (N); P
    depends only on the selector's keys, so the first workload with the highest P is
    found once per (nearby set, keys); only workloads with E or N > 0 (found through the
    label and name indexes) are scored one by one."""
    assert service.service is not None and service.service.selector is not None
    wanted = service.service.selector.match_labels
    idx = index(stack)
    nearby = idx.nearby(service)
    near_key = (service.directory, service.namespace)
    near_ids = memo.get(("ids", near_key))
    if near_ids is None:
        near_ids = memo[("ids", near_key)] = {id(w): i for i, w in enumerate(nearby)}
    sparse: dict[int, K8sObject] = {}
    for pool in [
        *(idx.by_label.get(item, ()) for item in wanted.items()),
        idx.by_name.get(service.name, ()),
    ]:
        if len(pool) > _SPARSE_LIMIT:
            return _closest(service, nearby)
        for w in pool:
            if id(w) in near_ids:
                sparse[id(w)] = w
    keys = tuple(sorted(wanted))
    dense = memo.get(("keys", near_key, keys))
    if dense is None:  # (highest P, the first workload with it)
        top: tuple[int, K8sObject | None] = (0, None)
        for w in nearby:
            labels = w.workload.pod.labels if w.workload else {}
            present = sum(1 for k in keys if k in labels)
            if present > top[0]:
                top = (present, w)
        dense = memo[("keys", near_key, keys)] = top
    best_p, first_p = dense
    # a workload outside `sparse` scores its P; the first one with the highest P is
    # `first_p` (never in `sparse`: there it would score more than P)
    best: tuple[int, int, K8sObject] | None = None  # (score, -position, workload)
    if first_p is not None and best_p > 0:
        best = (best_p, -near_ids[id(first_p)], first_p)
    for w in sparse.values():
        candidate = (_score(service, w, wanted), -near_ids[id(w)], w)
        if candidate[0] and (best is None or candidate[:2] > best[:2]):
            best = candidate
    return best[2] if best is not None else None


def selects_nothing(stack: Stack, svc: K8sObject) -> bool:
    """K8S001's case: a fully known Service with a selector that matches no pod of the
    workloads applied with it (none of them partial, no operator's custom resource)."""
    spec = svc.service
    if spec is None or spec.selector is None or svc.partial or spec.type == "ExternalName":
        return False
    if selected_workloads(stack, svc):
        return False
    idx = index(stack)
    if not idx.nearby(svc) or idx.nearby_partial(svc):
        return False
    return not _operator_managed(stack, svc)


def guessed_target(stack: Stack, svc: K8sObject) -> K8sObject | None:
    """The long-running workload a Service that selects nothing most likely meant, only
    when the guess is clear: the one nearby workload named like the Service, else the one
    nearby workload sharing the most selector key=values (a tie: no guess)."""
    if not selects_nothing(stack, svc):
        return None
    assert svc.service is not None and svc.service.selector is not None
    idx = index(stack)
    near = {id(w) for w in idx.nearby(svc)}
    named = [
        w
        for w in idx.by_name.get(svc.name, ())
        if id(w) in near and w.kind not in BATCH_KINDS and w.workload is not None
    ]
    if len(named) == 1:
        return named[0]
    if named:
        return None
    wanted = svc.service.selector.match_labels
    scores: dict[int, tuple[int, K8sObject]] = {}
    for item in wanted.items():
        pool = idx.by_label.get(item, ())
        if len(pool) > _SPARSE_LIMIT:
            return None
        for w in pool:
            if id(w) in near and w.kind not in BATCH_KINDS:
                scores[id(w)] = (scores.get(id(w), (0, w))[0] + 1, w)
    if not scores:
        return None
    ranked = sorted((s for s, _ in scores.values()), reverse=True)
    if len(ranked) > 1 and ranked[0] == ranked[1]:
        return None
    return max(scores.values(), key=lambda item: item[0])[1]


def guessed_note(svc: K8sObject, w: K8sObject) -> str:
    """What a finding made against a guessed workload says about the guess."""
    return (
        f" [{w.kind} '{w.name}' is guessed: Service '{svc.name}' selects no pods (K8S001) "
        "and this is the workload it most likely meant]"
    )
