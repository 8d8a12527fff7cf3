"""K8S017: an HPA that may scale a served workload down to one pod."""

from __future__ import annotations

from collections.abc import Iterator

from infradoctor.findings import Finding, Severity
from infradoctor.model.stack import Stack
from infradoctor.records import record
from infradoctor.rules.base import Example, Rule
from infradoctor.rules.kubernetes._hpa import dev_copy, scaled
from infradoctor.rules.kubernetes._k8s import k8s_id, served_workloads
from infradoctor.rules.kubernetes._probe_examples import served
from infradoctor.subjects import ScaleTarget

APP = served(
    "web",
    "ghcr.io/acme/web:1.4.0",
    "          readinessProbe:\n            httpGet: {path: /ready, port: http}\n"
    "          resources:\n            requests: {cpu: 200m}\n",
)
HPA = """\
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: web
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: web
  minReplicas: {min}
  maxReplicas: 6
"""


@record(frozen=True)
class MinOne(ScaleTarget):
    """The served target's Service and the HPA's minimum."""

    service: str
    min_replicas: int


class HpaMinOneOnServedWorkload(Rule):
    code = "K8S017"
    name = "hpa-min-one-on-served-workload"
    title = "HPA lets a Service-backed workload scale down to one pod"
    severity = Severity.WARNING
    category = "kubernetes"
    why = (
        "An HPA with `minReplicas: 1` (also the default when it is omitted) shrinks the "
        "workload to a single pod whenever traffic is quiet. From then on one node drain, "
        "eviction, OOM kill or crash is a full outage of the Service until a replacement "
        "is scheduled and ready, and a PodDisruptionBudget cannot help a single pod. "
        "The quiet hours are also when cluster upgrades and node rotations run.\n\n"
        "HPAs in dev/test directories (a kustomize `overlays/dev`) are not reported."
    )
    how_to_fix = "Keep at least two pods behind a Service: `minReplicas: 2`."
    references = ("https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/",)
    examples = (
        Example(
            bad={"k8s/web.yaml": APP + HPA.format(min=1)},
            good={"k8s/web.yaml": APP + HPA.format(min=2)},
            description="the HPA scales the web Deployment down to one pod",
        ),
    )

    def check(self, stack: Stack) -> Iterator[Finding]:
        served_by = {id(w): svc for w, svc in served_workloads(stack)}
        for h, w in scaled(stack):
            assert h.hpa is not None
            svc = served_by.get(id(w))
            low = h.hpa.min_replicas if h.hpa.min_replicas is not None else 1
            if svc is None or low != 1 or dev_copy(h):
                continue
            yield self.finding(
                h.hpa.min_replicas_location or h.hpa.location,
                f"HorizontalPodAutoscaler '{h.name}' lets {w.kind} '{w.name}' (behind "
                f"Service '{svc.name}') scale down to 1 pod: one eviction or crash is then "
                f"an outage; use minReplicas: 2",
                subject=h.ref,
                related=[svc.location],
                detail=MinOne(*k8s_id(h), w.name, svc.name, low),
            )
