"""K8S007: a container without a memory limit."""

from __future__ import annotations

from collections.abc import Iterator

from infradoctor.findings import Finding, Severity
from infradoctor.model.stack import Stack
from infradoctor.rules.base import Example, Rule
from infradoctor.rules.kubernetes._k8s import has_limit_range, is_jvm, k8s_id
from infradoctor.subjects import ContainerSubject

BAD = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: worker
spec:
  selector:
    matchLabels:
      app: worker
  template:
    metadata:
      labels:
        app: worker
    spec:
      containers:
        - name: worker
          image: ghcr.io/acme/worker:1.0.3
          resources:
            requests:
              cpu: 100m
              memory: 128Mi
"""

GOOD = (
    BAD
    + """\
            limits:
              memory: 256Mi
"""
)


class MemoryLimitMissing(Rule):
    code = "K8S007"
    name = "k8s-memory-limit-missing"
    title = "Container has no memory limit"
    severity = Severity.INFO
    category = "kubernetes"
    default_enabled = False  # hardening advice, like CMP005: opt in with --select K8S007
    groups = ("hardening",)
    why = (
        "A container without `resources.limits.memory` can grow until the node runs out of "
        "memory. The kubelet then evicts pods and the kernel OOM-kills processes on that node, "
        "often not the leaking one: a memory leak in one app becomes an outage of its "
        "neighbours. With a limit the leaking container alone is OOMKilled and restarted.\n\n"
        "Skipped when the namespace has a LimitRange (it sets default limits) and for JVM "
        "containers (K8S006 reports those)."
    )
    how_to_fix = (
        "Set a memory limit a little above the container's observed peak (and a request "
        "near its usual use):\n\n"
        "```yaml\nresources:\n  requests:\n    memory: 128Mi\n  limits:\n    memory: 256Mi\n```"
    )
    references = ("https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/",)
    examples = (
        Example(
            bad={"k8s/worker.yaml": BAD},
            good={"k8s/worker.yaml": GOOD},
            description="requests without a memory limit",
        ),
    )

    def check(self, stack: Stack) -> Iterator[Finding]:
        for w in stack.k8s:
            if w.workload is None or w.partial or has_limit_range(stack, w):
                continue
            for c in w.workload.pod.containers:
                if "memory" in c.limits or is_jvm(c, stack, w):
                    continue
                yield self.finding(
                    c.resource_locations.get("resources", c.location),
                    f"{w.kind} '{w.name}' container '{c.name}' has no memory limit: a leak "
                    "can exhaust the node and get other pods evicted or OOM-killed",
                    subject=f"{w.ref}:{c.name}",
                    detail=ContainerSubject(*k8s_id(w), c.name),
                )
