"""K8S026: an Ingress routes to a workload that runs a single pod."""

from __future__ import annotations

from collections.abc import Iterator

from infradoctor.findings import Finding, Severity
from infradoctor.model.stack import Stack
from infradoctor.records import record
from infradoctor.rules.base import Example, Rule
from infradoctor.rules.kubernetes._hpa import dev_copy, min_replicas_by_workload
from infradoctor.rules.kubernetes._k8s import ingress_backend_workloads, k8s_id
from infradoctor.rules.kubernetes._probe_examples import served
from infradoctor.subjects import K8sSubject

READY = "          readinessProbe:\n            httpGet: {path: /ready, port: http}\n"
INGRESS = """\
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: portal
spec:
  rules:
    - host: portal.example.com
      http:
        paths:
          - path: /
            pathType: Prefix
            backend:
              service:
                name: portal
                port:
                  number: 80
"""
BAD = served("portal", "ghcr.io/acme/portal:4.0.2", READY) + INGRESS
GOOD = served("portal", "ghcr.io/acme/portal:4.0.2", READY, "  replicas: 2\n") + INGRESS
REPLICATED = frozenset({"Deployment", "StatefulSet", "ReplicaSet", "ReplicationController"})


@record(frozen=True)
class IngressBackend(K8sSubject):
    """The Ingress and Service that send traffic to the single replica."""

    ingress: str
    service: str


class SingleReplicaBehindIngress(Rule):
    code = "K8S026"
    name = "single-replica-behind-ingress"
    title = "Ingress routes to a workload with a single pod"
    severity = Severity.WARNING
    category = "kubernetes"
    why = (
        "An Ingress publishes the service to users; a single pod behind it means every "
        "node drain, eviction, OOM kill or crash is a user-visible outage until a new pod "
        "is scheduled and ready, and no PodDisruptionBudget can protect one pod during a "
        "cluster upgrade.\n\n"
        "The replica count is the HPA's minReplicas when an HPA scales the workload, else "
        "`replicas` (default 1). Workloads in dev/test directories (a kustomize "
        "`overlays/dev`) are not reported."
    )
    how_to_fix = (
        "Run at least two replicas (`replicas: 2`, or `minReplicas: 2` on the HPA) and add "
        "a PodDisruptionBudget with `maxUnavailable: 1`."
    )
    references = ("https://kubernetes.io/docs/concepts/workloads/pods/disruptions/",)
    examples = (
        Example(
            bad={"k8s/portal.yaml": BAD},
            good={"k8s/portal.yaml": GOOD},
            description="a public web app running one pod",
        ),
    )

    def check(self, stack: Stack) -> Iterator[Finding]:
        hpa_min: dict[int, int] | None = None
        seen: set[int] = set()
        for ing in stack.k8s:
            if ing.kind != "Ingress" or not ing.ingress_backends or ing.partial:
                continue
            for svc, w in ingress_backend_workloads(stack, ing):
                spec = w.workload
                if spec is None or w.kind not in REPLICATED or id(w) in seen or w.partial:
                    continue
                if dev_copy(w) or dev_copy(ing):
                    continue
                seen.add(id(w))
                if hpa_min is None:
                    hpa_min = min_replicas_by_workload(stack)
                replicas = hpa_min.get(id(w), spec.replicas if spec.replicas_location else 1)
                if replicas != 1:
                    continue
                yield self.finding(
                    spec.replicas_location or w.location,
                    f"{w.kind} '{w.name}' runs a single pod behind Service '{svc.name}' and "
                    f"Ingress '{ing.name}': any eviction or crash is a user-facing outage; "
                    f"run at least 2 replicas",
                    subject=w.ref,
                    related=[ing.location],
                    detail=IngressBackend(*k8s_id(w), ing.name, svc.name),
                )
