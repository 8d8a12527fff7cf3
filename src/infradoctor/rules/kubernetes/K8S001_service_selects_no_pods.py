"""K8S001: a Service whose selector matches the pod labels of no workload."""

from __future__ import annotations

from collections.abc import Iterator

from infradoctor.findings import Finding, Severity
from infradoctor.model.k8s import K8sObject
from infradoctor.model.stack import Stack
from infradoctor.rules.base import Example, Rule
from infradoctor.rules.kubernetes._k8s import (
    labels_text,
    obj_data,
    selected_workloads,
    workloads_nearby,
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
    return any(
        o.kind not in BUILTIN_KINDS and o.directory == service.directory and o.name in values
        for o in stack.k8s
    )


def _closest(service: K8sObject, candidates: list[K8sObject]) -> K8sObject | None:
    """The nearby workload whose labels share the most selector keys (the likely target)."""
    assert service.service is not None and service.service.selector is not None
    wanted = service.service.selector.match_labels
    best: tuple[int, K8sObject] | None = None
    for w in candidates:
        labels = w.workload.pod.labels if w.workload else {}
        score = sum(2 if labels.get(k) == v else 1 for k, v in wanted.items() if k in labels)
        if w.name == service.name:
            score += 1
        if score and (best is None or score > best[0]):
            best = (score, w)
    return best[1] if best else None


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
        "e.g. `cluster-name: quickstart` for the Elasticsearch `quickstart`) and objects in "
        "kustomize directories with patches are skipped."
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
        for svc in stack.k8s:
            spec = svc.service
            if spec is None or spec.selector is None or svc.partial:
                continue
            if spec.type == "ExternalName":
                continue
            if selected_workloads(stack, svc):
                continue
            nearby = workloads_nearby(stack, svc)
            if not nearby or any(w.partial for w in nearby):
                continue
            if operator_managed(stack, svc):
                continue
            hint = ""
            related = []
            best = _closest(svc, nearby)
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
