"""K8S025: Recreate strategy on a workload behind a Service."""

from __future__ import annotations

from collections.abc import Iterator

from infradoctor.findings import Finding, Severity
from infradoctor.model.stack import Stack
from infradoctor.rules.base import Example, Rule
from infradoctor.rules.kubernetes._k8s import k8s_id, served_workloads
from infradoctor.rules.kubernetes._probe_examples import served
from infradoctor.subjects import BackendSubject

READY = "          readinessProbe:\n            httpGet: {path: /ready, port: http}\n"
BAD = served("front", "ghcr.io/acme/front:1.9.0", READY, "  strategy:\n    type: Recreate\n")
GOOD = served("front", "ghcr.io/acme/front:1.9.0", READY)


class RecreateOnServedWorkload(Rule):
    code = "K8S025"
    name = "recreate-on-served-workload"
    title = "Service-backed Deployment uses the Recreate strategy"
    severity = Severity.INFO
    category = "kubernetes"
    why = (
        "`strategy: Recreate` stops every old pod before starting the new ones, so each "
        "deploy is a planned outage of the Service for as long as the new pods take to "
        "become ready. That is right for a single-writer workload (a ReadWriteOnce volume, "
        "a schema owner), which is why this is info: check the choice was deliberate."
    )
    how_to_fix = (
        "For a stateless service, drop `type: Recreate` (RollingUpdate is the default) and "
        "give the pods a readinessProbe so the rollout waits for them."
    )
    references = ("https://kubernetes.io/docs/concepts/workloads/controllers/deployment/#strategy",)
    examples = (
        Example(
            bad={"k8s/front.yaml": BAD},
            good={"k8s/front.yaml": GOOD},
            description="a stateless web front end deployed with Recreate",
        ),
    )

    def check(self, stack: Stack) -> Iterator[Finding]:
        for w, svc in served_workloads(stack):
            spec = w.workload
            if w.kind != "Deployment" or spec is None or spec.strategy != "Recreate":
                continue
            yield self.finding(
                spec.strategy_location or w.location,
                f"Deployment '{w.name}' (behind Service '{svc.name}') uses the Recreate "
                f"strategy: every deploy stops all pods first, an outage until the new "
                f"ones are ready",
                subject=w.ref,
                related=[svc.location],
                detail=BackendSubject(*k8s_id(w), svc.name),
            )
