"""K8S018: `replicas:` set on a Deployment an HPA manages."""

from __future__ import annotations

from collections.abc import Iterator

from infradoctor.findings import Finding, Severity
from infradoctor.model.stack import Stack
from infradoctor.records import record
from infradoctor.rules.base import Example, Rule
from infradoctor.rules.kubernetes._hpa import scaled
from infradoctor.rules.kubernetes._k8s import k8s_id
from infradoctor.rules.kubernetes._probe_examples import served
from infradoctor.subjects import K8sSubject

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
  minReplicas: 2
  maxReplicas: 10
"""
CONTAINER = "          resources:\n            requests: {cpu: 200m}\n"
BAD = served("web", "ghcr.io/acme/web:1.4.0", CONTAINER, "  replicas: 2\n") + HPA
GOOD = served("web", "ghcr.io/acme/web:1.4.0", CONTAINER) + HPA


@record(frozen=True)
class FixedReplicas(K8sSubject):
    """The workload's written replicas and the HPA that scales it."""

    hpa: str
    replicas: int | None


class ReplicasOnHpaTarget(Rule):
    code = "K8S018"
    name = "replicas-on-hpa-target"
    title = "Deployment sets replicas while an HPA scales it"
    severity = Severity.WARNING
    category = "kubernetes"
    why = (
        "Once an HPA manages a workload, the replica count belongs to the HPA. A "
        "`replicas:` in the manifest is applied again on every `kubectl apply`, Helm "
        "upgrade or GitOps sync: a service the HPA had scaled to 8 pods for a peak is cut "
        "back to 2 mid-deploy, and the HPA needs minutes to scale it up again while the "
        "remaining pods are overloaded.\n\n"
        "Reported only when the HPA's target is unambiguous (not one of several copies of "
        "the workload in different directories)."
    )
    how_to_fix = (
        "Remove `spec.replicas` from the Deployment (Helm charts: emit it only when "
        "autoscaling is disabled) and let the HPA's `minReplicas` set the floor."
    )
    references = (
        "https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/"
        "#migrating-deployments-and-statefulsets-to-horizontal-autoscaling",
    )
    examples = (
        Example(
            bad={"k8s/web.yaml": BAD},
            good={"k8s/web.yaml": GOOD},
            description="replicas: 2 fights the HPA on every apply",
        ),
    )

    def check(self, stack: Stack) -> Iterator[Finding]:
        seen: set[int] = set()
        for h, w in scaled(stack, certain=True):  # the finding is at the workload's line
            assert w.workload is not None
            if w.workload.replicas_location is None or id(w) in seen:
                continue
            seen.add(id(w))
            yield self.finding(
                w.workload.replicas_location,
                f"{w.kind} '{w.name}' sets replicas: {w.workload.replicas} while "
                f"HorizontalPodAutoscaler '{h.name}' scales it: every apply resets the "
                f"scale the HPA chose",
                subject=w.ref,
                related=[h.hpa.location] if h.hpa is not None else [],
                detail=FixedReplicas(*k8s_id(w), h.name, w.workload.replicas),
            )
