"""K8S040: two HorizontalPodAutoscalers scale the same workload."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from infradoctor.findings import Finding, Severity, subject_dict
from infradoctor.model.k8s import K8sObject, nearest
from infradoctor.model.stack import Stack
from infradoctor.records import record
from infradoctor.rules.base import Example, Rule
from infradoctor.rules.kubernetes._hpa import deployed_with, scaled
from infradoctor.rules.kubernetes._k8s import index, k8s_id
from infradoctor.rules.kubernetes._probe_examples import served
from infradoctor.subjects import K8sSubject


def _hpa(name: str, target: str, max_replicas: int) -> str:
    return (
        "---\napiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata:\n"
        f"  name: {name}\nspec:\n  scaleTargetRef:\n    apiVersion: apps/v1\n"
        f"    kind: Deployment\n    name: {target}\n  minReplicas: 2\n"
        f"  maxReplicas: {max_replicas}\n"
    )


SCALABLE = frozenset({"Deployment", "StatefulSet", "ReplicaSet", "ReplicationController"})
CONTAINER = "          resources:\n            requests: {cpu: 200m}\n"
BAD = (
    served("web", "ghcr.io/acme/web:1.4.0", CONTAINER)
    + _hpa("web", "web", 6)
    + served("api", "ghcr.io/acme/api:2.0.1", CONTAINER).replace("apiVersion", "---\napiVersion", 1)
    + _hpa("api", "web", 4)
)
GOOD = BAD.replace("  name: api\nspec:\n  scaleTargetRef:\n    apiVersion: apps/v1\n"
                   "    kind: Deployment\n    name: web\n",
                   "  name: api\nspec:\n  scaleTargetRef:\n    apiVersion: apps/v1\n"
                   "    kind: Deployment\n    name: api\n")  # fmt: skip


def _meant(stack: Stack, hpa: K8sObject, claimed: set[int]) -> K8sObject | None:
    """The workload an HPA named like it probably meant: the nearest one of its name,
    deployed with it, that no HPA scales (a copied HPA whose target was not renamed)."""
    found = nearest(
        hpa,
        [
            w
            for w in index(stack).by_name.get(hpa.name, ())
            if w.kind in SCALABLE and deployed_with(hpa, w) and not w.partial
        ],
    )
    return found[0] if found and id(found[0]) not in claimed else None


@record(frozen=True)
class SharedTarget(K8sSubject):
    """The two HPAs that scale one workload."""

    hpas: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {**subject_dict(self), "hpas": list(self.hpas)}


class HpasShareTarget(Rule):
    code = "K8S040"
    name = "hpas-share-target"
    title = "Two HorizontalPodAutoscalers scale the same workload"
    severity = Severity.ERROR
    category = "kubernetes"
    why = (
        "Each HPA sets the target's replica count from its own metrics and bounds, every "
        "15 seconds, without knowing about the other. Two HPAs on one Deployment fight: "
        "the scale flaps between their answers (one scales up to its max, the other back "
        "down to its min), pods are started and killed in a loop and the Deployment never "
        "settles; newer controllers refuse to act and report `AmbiguousSelector`. It is "
        "usually a copied HPA whose `scaleTargetRef.name` was not renamed, so the workload "
        "it was meant for is not autoscaled at all.\n\n"
        "Reported when both HPAs resolve to the same loaded workload (same namespace, "
        "applied together)."
    )
    how_to_fix = (
        "Keep one HPA per workload (merge their metrics into it: the HPA takes the highest "
        "recommendation), and point a copied HPA at the workload it was meant for:\n\n"
        "```yaml\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: api\nspec:\n"
        "  scaleTargetRef:\n    kind: Deployment\n    name: api\n```"
    )
    references = (
        "https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/",
        "https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/"
        "#support-for-multiple-metrics",
    )
    examples = (
        Example(
            bad={"k8s/app.yaml": BAD},
            good={"k8s/app.yaml": GOOD},
            description="a copied HPA still targets the first Deployment",
        ),
    )

    def check(self, stack: Stack) -> Iterator[Finding]:
        by_target: dict[int, list[K8sObject]] = {}
        targets: dict[int, K8sObject] = {}
        for h, w in scaled(stack, certain=True):
            by_target.setdefault(id(w), []).append(h)
            targets[id(w)] = w
        claimed = set(by_target)
        for key, hpas in by_target.items():
            if len(hpas) < 2:
                continue
            w = targets[key]
            first = hpas[0]
            for other in hpas[1:]:
                yield self._finding(stack, w, first, other, claimed)

    def _finding(
        self, stack: Stack, w: K8sObject, first: K8sObject, other: K8sObject, claimed: set[int]
    ) -> Finding:
        """At the later HPA's scaleTargetRef: usually the copy that was not renamed."""
        assert other.hpa is not None and first.hpa is not None
        culprit = other if other.name != w.name or first.name == w.name else first
        keep = first if culprit is other else other
        assert culprit.hpa is not None
        meant = _meant(stack, culprit, claimed)
        hint = f"; did it mean {meant.kind} '{meant.name}', which no HPA scales?" if meant else ""
        return self.finding(
            culprit.hpa.location,
            f"HorizontalPodAutoscalers '{keep.name}' and '{culprit.name}' both scale "
            f"{w.kind} '{w.name}': they overwrite each other's replica count, so the "
            f"scale flaps between their answers{hint}",
            subject=f"{w.ref}:{culprit.name}",
            related=[keep.hpa.location] if keep.hpa is not None else [],
            detail=SharedTarget(*k8s_id(w), (keep.name, culprit.name)),
        )
