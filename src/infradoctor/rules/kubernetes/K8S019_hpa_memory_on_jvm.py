"""K8S019: an HPA scaling a JVM workload on memory utilisation."""

from __future__ import annotations

from collections.abc import Iterator

from infradoctor.findings import Finding, Severity
from infradoctor.model.stack import Stack
from infradoctor.records import record
from infradoctor.rules.base import Example, Rule
from infradoctor.rules.kubernetes._hpa import scaled
from infradoctor.rules.kubernetes._k8s import is_jvm, k8s_id
from infradoctor.rules.kubernetes._probe_examples import served
from infradoctor.subjects import ScaleTarget

APP = served(
    "ledger",
    "eclipse-temurin:21-jre",
    "          resources:\n            requests: {cpu: 500m, memory: 1Gi}\n"
    "            limits: {memory: 1Gi}\n",
)
HPA = """\
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: ledger
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: ledger
  minReplicas: 2
  maxReplicas: 8
  metrics:
    - type: Resource
      resource:
        name: {resource}
        target:
          type: Utilization
          averageUtilization: 75
"""


@record(frozen=True)
class JvmTarget(ScaleTarget):
    """The JVM container of the target scaled on memory."""

    container: str


class HpaMemoryOnJvm(Rule):
    code = "K8S019"
    name = "hpa-memory-on-jvm"
    title = "HPA scales a JVM workload on memory utilisation"
    severity = Severity.WARNING
    category = "kubernetes"
    why = (
        "A JVM grows its heap towards -Xmx / MaxRAMPercentage and rarely hands memory back "
        "to the OS, so a JVM pod's memory use tracks its heap ceiling, not its load. An HPA "
        "on memory utilisation scales up after the first busy hour and never scales down "
        "(or sits at maxReplicas from the start): the cluster pays for idle pods and the "
        "HPA has no headroom left for a real peak."
    )
    how_to_fix = (
        "Scale on CPU or on a load metric (requests per second, queue length):\n\n"
        "```yaml\nmetrics:\n  - type: Resource\n    resource:\n      name: cpu\n"
        "      target: {type: Utilization, averageUtilization: 70}\n```"
    )
    references = ("https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/",)
    examples = (
        Example(
            bad={"k8s/ledger.yaml": APP + HPA.format(resource="memory")},
            good={"k8s/ledger.yaml": APP + HPA.format(resource="cpu")},
            description="a Java service autoscaled on memory",
        ),
    )

    def check(self, stack: Stack) -> Iterator[Finding]:
        for h, w in scaled(stack):
            assert h.hpa is not None
            if "memory" not in h.hpa.resource_metrics:
                continue
            jvm = next((c for c in w.containers if is_jvm(c, stack, w)), None)
            if jvm is None:
                continue
            yield self.finding(
                h.hpa.location,
                f"HorizontalPodAutoscaler '{h.name}' scales {w.kind} '{w.name}' on memory "
                f"utilization, but container '{jvm.name}' runs a JVM whose heap rarely "
                f"shrinks: it scales up and never back down; scale on CPU or a load metric",
                subject=h.ref,
                detail=JvmTarget(*k8s_id(h), w.name, jvm.name),
            )
