"""K8S001: a Service whose selector matches the pod labels of no workload."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from infradoctor.findings import Finding, Severity
from infradoctor.model.k8s import K8sObject
from infradoctor.model.stack import Stack
from infradoctor.rules.base import Example, Rule
from infradoctor.rules.kubernetes._k8s import (
    index,
    labels_text,
    obj_data,
    selected_workloads,
)

BAD = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  selector:
    matchLabels:
      app: web-frontend
  template:
    metadata:
      labels:
        app: web-frontend
    spec:
      containers:
        - name: web
          image: ghcr.io/acme/web:2.3.1
          ports:
            - containerPort: 8080
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector:
    app: web
  ports:
    - port: 80
      targetPort: 8080
"""

GOOD = BAD.replace("    app: web\n", "    app: web-frontend\n")


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


def operator_managed(stack: Stack, service: K8sObject) -> bool:
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


def _closest_nearby(stack: Stack, service: K8sObject, memo: dict[Any, Any]) -> K8sObject | None:
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


class ServiceSelectsNoPods(Rule):
    code = "K8S001"
    name = "service-selects-no-pods"
    title = "Service selector matches no workload's pod labels"
    severity = Severity.ERROR
    category = "kubernetes"
    why = (
        "A Service sends traffic to the pods whose labels contain every key=value of its "
        "`selector`. When no pod template carries those labels (a renamed app label, "
        "`app: web` vs `app: web-frontend`, a version label only on some pods) the Service "
        "has no endpoints: clients and the Ingress get connection refused / 503 while every "
        "Deployment looks healthy, and `kubectl get endpoints` shows `<none>`.\n\n"
        "Checked only against workloads in the same directory (applied together) and the "
        "same namespace; Services without a selector (manual Endpoints, ExternalName), "
        "Services selecting pods of a custom resource next to them (an operator's pods, "
        "e.g. `cluster-name: quickstart` for the Elasticsearch `quickstart`) and kustomize "
        "overlays with a step that was not applied (`infradoctor docs kustomize`) are skipped; other "
        "overlays are checked as rendered."
    )
    how_to_fix = (
        "Make the Service `selector` a subset of the pod template's `metadata.labels` "
        "(not the Deployment's own labels):\n\n"
        "```yaml\nkind: Service\nspec:\n  selector:\n    app: web-frontend\n```\n\n"
        "and check with `kubectl get endpoints <service>` after applying."
    )
    references = (
        "https://kubernetes.io/docs/concepts/services-networking/service/",
        "https://kubernetes.io/docs/tasks/debug/debug-application/debug-service/",
    )
    examples = (
        Example(
            bad={"k8s/web.yaml": BAD},
            good={"k8s/web.yaml": GOOD},
            description="the selector names a label value the pods don't have",
        ),
    )

    def check(self, stack: Stack) -> Iterator[Finding]:
        memo: dict[Any, Any] = {}
        for svc in stack.k8s:
            spec = svc.service
            if spec is None or spec.selector is None or svc.partial:
                continue
            if spec.type == "ExternalName":
                continue
            if selected_workloads(stack, svc):
                continue
            nearby = index(stack).nearby(svc)
            if not nearby or index(stack).nearby_partial(svc):
                continue
            if operator_managed(stack, svc):
                continue
            hint = ""
            related = []
            best = _closest_nearby(stack, svc, memo)
            if best is not None and best.workload is not None:
                hint = (
                    f"; {best.kind} '{best.name}' has pod labels "
                    f"{labels_text(best.workload.pod.labels)}"
                )
                related.append(best.workload.pod.labels_location or best.location)
            yield self.finding(
                spec.selector.location,
                f"Service '{svc.name}' selects {labels_text(spec.selector.match_labels)} but "
                f"no pod template in {svc.directory}/ has these labels: the Service has no "
                f"endpoints and its clients get connection refused/503{hint}",
                subject=svc.ref,
                related=related,
                data=obj_data(svc),
            )
