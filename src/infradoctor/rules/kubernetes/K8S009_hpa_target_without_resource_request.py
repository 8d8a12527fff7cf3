"""K8S009: an HPA scales on CPU/memory utilization of pods that have no such request."""

from __future__ import annotations

from collections.abc import Iterator

from infradoctor.findings import Finding, Severity
from infradoctor.model.k8s import nearest
from infradoctor.model.stack import Stack
from infradoctor.records import record
from infradoctor.rules.base import Example, Rule
from infradoctor.rules.kubernetes._k8s import index, k8s_id
from infradoctor.subjects import ScaleTarget

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: search
spec:
  selector:
    matchLabels:
      app: search
  template:
    metadata:
      labels:
        app: search
    spec:
      containers:
        - name: search
          image: ghcr.io/acme/search:4.1.0
          resources:
            requests:
{requests}            limits:
              memory: 512Mi
"""

HPA = """\
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: search
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: search
  minReplicas: 2
  maxReplicas: 10
  metrics:
    - type: Resource
      resource:
        name: cpu
        target:
          type: Utilization
          averageUtilization: 70
"""

BAD = DEPLOYMENT.format(requests="              memory: 256Mi\n") + HPA
GOOD = DEPLOYMENT.format(requests="              cpu: 250m\n              memory: 256Mi\n") + HPA


@record(frozen=True)
class UnrequestedResource(ScaleTarget):
    """The resource the HPA scales on that the target's containers do not request."""

    resource: str


class HpaTargetWithoutResourceRequest(Rule):
    code = "K8S009"
    name = "hpa-target-without-resource-request"
    title = "HPA scales on utilization of containers without a request"
    severity = Severity.WARNING
    category = "kubernetes"
    why = (
        "Utilization is usage divided by the pods' `resources.requests`. When a container of "
        "the target has no request for the scaled resource, the HPA cannot compute it: it "
        "reports `FailedGetResourceMetric: missing request for cpu` and never scales, so the "
        "service meets its next traffic peak with `minReplicas` pods. An HPA without "
        "`metrics` scales on CPU utilization (80%).\n\n"
        "Checked when the target workload is among the loaded manifests."
    )
    how_to_fix = (
        "Give every container of the target (sidecars included) a request for each "
        "resource the HPA scales on:\n\n"
        "```yaml\nresources:\n  requests:\n    cpu: 250m\n```"
    )
    references = (
        "https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/"
        "#support-for-resource-metrics",
    )
    examples = (
        Example(
            bad={"k8s/search.yaml": BAD},
            good={"k8s/search.yaml": GOOD},
            description="CPU utilization target, no CPU request",
        ),
    )

    def check(self, stack: Stack) -> Iterator[Finding]:
        for h in stack.k8s:
            if h.hpa is None or h.partial or not h.hpa.target_name:
                continue
            targets = nearest(
                h,
                [
                    w
                    for w in index(stack).by_name.get(h.hpa.target_name, ())
                    if (h.hpa.target_kind in (None, w.kind)) and h.same_namespace(w)
                ],
            )
            if not targets or any(t.partial for t in targets):
                continue
            w = targets[0]
            assert w.workload is not None
            for resource in dict.fromkeys(h.hpa.resource_metrics):
                missing = [c for c in w.workload.pod.containers if resource not in c.requests]
                if not missing:
                    continue
                names = ", ".join(f"'{c.name}'" for c in missing)
                yield self.finding(
                    h.hpa.location,
                    f"HorizontalPodAutoscaler '{h.name}' scales {w.kind} '{w.name}' on "
                    f"{resource} utilization, but container {names} has no {resource} "
                    f"request: the HPA cannot compute utilization and never scales",
                    subject=f"{h.ref}:{resource}",
                    related=[missing[0].resources_location],
                    detail=UnrequestedResource(*k8s_id(h), w.name, resource),
                )
