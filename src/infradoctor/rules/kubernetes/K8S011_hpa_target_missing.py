"""K8S011: an HPA whose scaleTargetRef names a workload that isn't defined."""

from __future__ import annotations

from collections.abc import Iterator

from infradoctor.findings import Finding, Severity
from infradoctor.model.k8s import K8sObject
from infradoctor.model.stack import Stack
from infradoctor.rules.base import Example, Rule
from infradoctor.rules.cross._common import closest
from infradoctor.rules.kubernetes._k8s import index, k8s_id
from infradoctor.subjects import ScaleTarget

SCALABLE_KINDS = frozenset({"Deployment", "StatefulSet", "ReplicaSet", "ReplicationController"})

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: carts
  namespace: shop
spec:
  selector:
    matchLabels:
      app: carts
  template:
    metadata:
      labels:
        app: carts
    spec:
      containers:
        - name: carts
          image: ghcr.io/acme/carts:0.4.8
          resources:
            requests:
              cpu: 100m
"""

HPA = """\
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: carts
  namespace: shop
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: {name}
  minReplicas: 2
  maxReplicas: 10
"""


def _candidates(stack: Stack, hpa: K8sObject) -> list[K8sObject]:
    """Workloads that can be scaled and are deployed with the HPA: same directory, or the
    same explicit namespace."""
    idx = index(stack)
    pool = {id(w): w for w in idx.by_directory.get(hpa.directory, ())}
    if hpa.namespace is not None:
        pool.update((id(w), w) for w in idx.by_namespace.get(hpa.namespace, ()))
    return [
        w
        for w in sorted(pool.values(), key=lambda w: idx.position[id(w)])
        if w.kind in SCALABLE_KINDS and hpa.same_namespace(w)
    ]


class HpaTargetMissing(Rule):
    code = "K8S011"
    name = "hpa-target-missing"
    title = "HPA scales a workload that doesn't exist"
    severity = Severity.WARNING
    category = "kubernetes"
    why = (
        "An HorizontalPodAutoscaler finds its workload by `scaleTargetRef` kind and name in "
        "its own namespace. A name that matches nothing (`cart` for the Deployment `carts`) "
        "is not rejected: the HPA just reports `FailedGetScale` in its events and never "
        "scales, so the service meets its next peak at its static replica count while "
        "everyone believes it autoscales.\n\n"
        "Reported only when the HPA's directory or its explicit namespace holds scalable "
        "workloads among the loaded manifests (a target deployed from elsewhere is not "
        "flagged)."
    )
    how_to_fix = (
        "Use the workload's exact kind and `metadata.name`:\n\n"
        "```yaml\nscaleTargetRef:\n  apiVersion: apps/v1\n  kind: Deployment\n  name: carts\n```\n\n"
        "and check `kubectl describe hpa` shows current metrics."
    )
    references = ("https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/",)
    examples = (
        Example(
            bad={"k8s/carts.yaml": DEPLOYMENT, "k8s/hpa.yaml": HPA.format(name="cart")},
            good={"k8s/carts.yaml": DEPLOYMENT, "k8s/hpa.yaml": HPA.format(name="carts")},
            description="the HPA names the Deployment 'cart' instead of 'carts'",
        ),
    )

    def check(self, stack: Stack) -> Iterator[Finding]:
        near: dict[tuple[str, str | None], tuple[list[K8sObject], bool]] = {}
        for h in stack.k8s:
            if h.hpa is None or h.partial or not h.hpa.target_name:
                continue
            kind = h.hpa.target_kind
            if kind is not None and kind not in SCALABLE_KINDS:
                continue  # a custom resource (Rollout, ...) or something we don't model
            key = (h.directory, h.namespace)
            if key not in near:
                found = _candidates(stack, h)
                near[key] = (found, any(w.partial for w in found))
            candidates, partial = near[key]
            if not candidates or partial:
                continue
            target = h.hpa.target_name
            everywhere = [
                w
                for w in index(stack).by_name.get(target, ())
                if kind in (None, w.kind) and h.same_namespace(w)
            ]
            if everywhere:
                continue
            guess = closest(target, [w.name for w in candidates if kind in (None, w.kind)])
            hint = f" (did you mean '{guess}'?)" if guess else ""
            yield self.finding(
                h.hpa.location,
                f"HorizontalPodAutoscaler '{h.name}' scales {kind or 'workload'} '{target}', "
                f"which is not defined{hint}: the HPA never scales anything",
                subject=f"{h.ref}:{target}",
                detail=ScaleTarget(*k8s_id(h), target),
            )
