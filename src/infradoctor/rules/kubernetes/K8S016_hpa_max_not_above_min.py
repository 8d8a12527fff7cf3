"""K8S016: an HPA whose maxReplicas is not above its minReplicas."""

from __future__ import annotations

from collections.abc import Iterator

from infradoctor.findings import Finding, Severity
from infradoctor.model.stack import Stack
from infradoctor.records import record
from infradoctor.rules.base import Example, Rule
from infradoctor.rules.kubernetes._k8s import k8s_id
from infradoctor.subjects import K8sSubject

HPA = """\
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: api
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: api
  minReplicas: 3
  maxReplicas: {max}
  metrics:
    - type: Resource
      resource:
        name: cpu
        target:
          type: Utilization
          averageUtilization: 70
"""


@record(frozen=True)
class ReplicaRange(K8sSubject):
    """The HPA's replica bounds."""

    min_replicas: int
    max_replicas: int | None


class HpaMaxNotAboveMin(Rule):
    code = "K8S016"
    name = "hpa-max-not-above-min"
    title = "HPA maxReplicas is not above minReplicas"
    severity = Severity.ERROR
    category = "kubernetes"
    why = (
        "`maxReplicas` below `minReplicas` is rejected by the API server "
        "(`maxReplicas ... must be greater than or equal to minReplicas`), so the apply "
        "fails and the HPA is never created. Equal values are accepted, but the HPA then "
        "can never scale: the service has a fixed size while looking autoscaled (reported "
        "as a warning). Usually one of the two values was changed in an overlay or a values "
        "file and the other was forgotten."
    )
    how_to_fix = "Set `maxReplicas` above `minReplicas` (or drop the HPA and set `replicas:`)."
    references = ("https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/",)
    examples = (
        Example(
            bad={"k8s/hpa.yaml": HPA.format(max=2)},
            good={"k8s/hpa.yaml": HPA.format(max=10)},
            description="maxReplicas 2 below minReplicas 3",
        ),
    )

    def check(self, stack: Stack) -> Iterator[Finding]:
        for h in stack.k8s:
            if h.hpa is None or h.hpa.max_replicas is None:
                continue
            low = h.hpa.min_replicas if h.hpa.min_replicas is not None else 1
            high = h.hpa.max_replicas
            if high > low:
                continue
            loc = h.hpa.max_replicas_location or h.hpa.location
            if high < low:
                message = (
                    f"HorizontalPodAutoscaler '{h.name}': maxReplicas {high} is below "
                    f"minReplicas {low}; the API server rejects the object"
                )
                severity = None
            else:
                message = (
                    f"HorizontalPodAutoscaler '{h.name}': maxReplicas equals minReplicas "
                    f"({high}); the HPA can never scale"
                )
                severity = Severity.WARNING
            yield self.finding(
                loc,
                message,
                subject=h.ref,
                severity=severity if self.effective_severity == self.severity else None,
                detail=ReplicaRange(*k8s_id(h), low, high),
            )
