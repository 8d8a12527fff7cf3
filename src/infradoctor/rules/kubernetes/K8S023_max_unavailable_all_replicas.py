"""K8S023: a RollingUpdate whose maxUnavailable covers every replica."""

from __future__ import annotations

from collections.abc import Iterator

from infradoctor.findings import Finding, Severity
from infradoctor.model.k8s import K8sObject
from infradoctor.model.stack import Stack
from infradoctor.records import record
from infradoctor.rules.base import Example, Rule
from infradoctor.rules.kubernetes._hpa import min_replicas_by_workload
from infradoctor.rules.kubernetes._k8s import k8s_id
from infradoctor.rules.kubernetes._probe_examples import served
from infradoctor.subjects import K8sSubject

READY = "          readinessProbe:\n            httpGet: {path: /ready, port: http}\n"
STRATEGY = "  replicas: 2\n  strategy:\n    type: RollingUpdate\n    rollingUpdate:\n"
BAD = served("shop", "ghcr.io/acme/shop:2.3.1", READY, STRATEGY + "      maxUnavailable: 2\n")
GOOD = served("shop", "ghcr.io/acme/shop:2.3.1", READY, STRATEGY + "      maxUnavailable: 1\n")


def unavailable(value: int | str, replicas: int) -> int | None:
    """Pods a rollout may take down at once (a percentage rounds down); None if unknown."""
    if isinstance(value, int):
        return value
    text = value.strip()
    if text.endswith("%") and text[:-1].isdigit():
        return replicas * int(text[:-1]) // 100
    return None


def _replicas(w: K8sObject, hpa_min: dict[int, int]) -> int | None:
    assert w.workload is not None
    if id(w) in hpa_min:
        return hpa_min[id(w)]
    if w.workload.replicas_location is not None:
        return w.workload.replicas
    return 1


@record(frozen=True)
class AllUnavailable(K8sSubject):
    """The replica count and the maxUnavailable that covers all of it."""

    replicas: int
    max_unavailable: int | str


class MaxUnavailableAllReplicas(Rule):
    code = "K8S023"
    name = "max-unavailable-all-replicas"
    title = "Rolling update may take every pod down at once"
    severity = Severity.ERROR
    category = "kubernetes"
    why = (
        "`rollingUpdate.maxUnavailable` is how many pods a rollout may stop before their "
        "replacements are ready. When it is as large as the replica count (`1` with one "
        "replica, `100%`), the Deployment controller stops every old pod at once: every "
        "deploy is an outage lasting as long as the new pods take to start, and a new "
        "version that never becomes ready leaves nothing serving.\n\n"
        "The replica count is the HPA's minReplicas when an HPA scales the Deployment, "
        "else `replicas` (default 1)."
    )
    how_to_fix = (
        "Let the rollout surge instead of dropping pods:\n\n"
        "```yaml\nstrategy:\n  type: RollingUpdate\n  rollingUpdate:\n    maxUnavailable: 0\n"
        "    maxSurge: 1\n```"
    )
    references = (
        "https://kubernetes.io/docs/concepts/workloads/controllers/deployment/#max-unavailable",
    )
    examples = (
        Example(
            bad={"k8s/shop.yaml": BAD},
            good={"k8s/shop.yaml": GOOD},
            description="maxUnavailable 2 with 2 replicas",
        ),
    )

    def check(self, stack: Stack) -> Iterator[Finding]:
        hpa_min = min_replicas_by_workload(stack)
        for w in stack.k8s:
            spec = w.workload
            if w.kind != "Deployment" or spec is None or spec.max_unavailable is None:
                continue
            if spec.strategy not in (None, "RollingUpdate"):
                continue
            replicas = _replicas(w, hpa_min)
            if not replicas:
                continue
            down = unavailable(spec.max_unavailable, replicas)
            if down is None or down < replicas:
                continue
            yield self.finding(
                spec.max_unavailable_location or w.location,
                f"Deployment '{w.name}': maxUnavailable {spec.max_unavailable} with "
                f"{replicas} replica{'s' if replicas != 1 else ''}: every rollout stops all "
                f"pods before the new ones are ready (downtime on each deploy); use "
                f"maxUnavailable: 0 with maxSurge: 1",
                subject=w.ref,
                detail=AllUnavailable(*k8s_id(w), replicas, spec.max_unavailable),
            )
