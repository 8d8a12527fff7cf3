"""K8S010: a PodDisruptionBudget that allows no voluntary eviction at all."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from infradoctor.findings import Applicability, Edit, Finding, Fix, Severity, subject_dict
from infradoctor.fixes import k8s_edit as ke
from infradoctor.fixes.context import FixContext, FixUnavailable, make_fix
from infradoctor.lazyre import lazy
from infradoctor.model.k8s import K8sObject, PdbSpec, nearest
from infradoctor.model.source import Location
from infradoctor.model.stack import Stack
from infradoctor.records import record
from infradoctor.rules.base import Example, Rule
from infradoctor.rules.kubernetes._k8s import k8s_id
from infradoctor.subjects import ScaleTarget

REPLICATED_KINDS = frozenset({"Deployment", "StatefulSet", "ReplicaSet", "ReplicationController"})

BAD = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: checkout
spec:
  replicas: 1
  selector:
    matchLabels:
      app: checkout
  template:
    metadata:
      labels:
        app: checkout
    spec:
      containers:
        - name: checkout
          image: ghcr.io/acme/checkout:7.1.0
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: checkout
spec:
  minAvailable: 1
  selector:
    matchLabels:
      app: checkout
"""

GOOD = BAD.replace("  replicas: 1\n", "  replicas: 3\n")
BAD_ZERO = GOOD.replace("  minAvailable: 1\n", "  maxUnavailable: 0\n")
GOOD_ONE = GOOD.replace("  minAvailable: 1\n", "  maxUnavailable: 1\n")
HPA = """\
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: checkout
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: checkout
  minReplicas: 2
  maxReplicas: 10
"""
BAD_HPA = GOOD.replace("  minAvailable: 1\n", "  minAvailable: 2\n") + HPA
GOOD_HPA = GOOD_ONE + HPA


@record(frozen=True)
class ReplicaSource:
    """The replica count a drain can meet and where it is set: the HPA's minReplicas
    when one scales the workload (it scales down to that when idle, which is when drains
    and upgrades are usually run), else the workload's `replicas`."""

    count: int
    location: Location
    hpa: K8sObject | None = None


def _replicas(stack: Stack, w: K8sObject) -> ReplicaSource | None:
    assert w.workload is not None
    for h in stack.k8s:
        if (
            h.hpa is not None
            and h.hpa.target_name == w.name
            and h.same_namespace(w)
            and h.hpa.target_kind in (None, w.kind)
        ):
            where = h.hpa.min_replicas_location if h.hpa.min_replicas else None
            return ReplicaSource(h.hpa.min_replicas or 1, where or h.hpa.location, h)
    if w.workload.replicas is None and w.workload.replicas_location is not None:
        return None  # set to something we can't read
    count = 1 if w.workload.replicas is None else w.workload.replicas
    return ReplicaSource(count, w.workload.replicas_location or w.location)


def _blocks(pdb: PdbSpec, replicas: ReplicaSource) -> tuple[str, bool] | None:
    """Why the budget lets no pod go, and whether that is down to the replica count."""
    minimum, maximum = pdb.min_available, pdb.max_unavailable
    if isinstance(minimum, int) and minimum >= replicas.count:
        n = replicas.count
        if replicas.hpa is not None:
            return (
                f"minAvailable {minimum} while the HPA is at its minimum of {n} "
                f"replica{'s' if n != 1 else ''}",
                True,
            )
        return f"minAvailable {minimum} with {n} replica(s)", True
    if isinstance(minimum, str) and minimum.strip() == "100%":
        return "minAvailable 100%", False
    if maximum is not None and str(maximum).strip() in ("0", "0%"):
        return f"maxUnavailable {maximum}", False
    return None


# ---------------------------------------------------------------- fix

UNSAFE = Applicability.UNSAFE
DISPLAY = Applicability.DISPLAY_ONLY


_PDB_LINE = lazy(r"^(\s*(?:-\s+)?)(minAvailable|maxUnavailable)(\s*:\s*)(\S+)(\s*(?:#.*)?)$")


def _owner(ctx: FixContext, finding: Finding) -> K8sObject:
    found = ke.k8s_index(ctx).pdbs.get(finding.location)
    if found:
        return found[0]
    raise FixUnavailable("no PodDisruptionBudget at this location")


def _shared(ctx: FixContext, obj: K8sObject, finding: Finding) -> bool:
    """Whether the line also sets the value for another overlay's copy (a shared base)."""
    return any(o.file != obj.file for o in ke.k8s_index(ctx).pdbs.get(finding.location, ()))


def pdb_fix_applicability(ctx: FixContext, finding: Finding) -> Applicability:
    """Unsafe, or display-only where the line is a base shared by other overlays."""
    return DISPLAY if _shared(ctx, _owner(ctx, finding), finding) else UNSAFE


def fix_pdb_max_unavailable(ctx: FixContext, finding: Finding) -> Fix | None:
    """K8S010: `minAvailable: N` / `maxUnavailable: 0` -> `maxUnavailable: 1`."""
    pdb = _owner(ctx, finding)
    loc = finding.location
    src = ctx.stack.files.get(loc.file)
    if src is None:
        raise FixUnavailable("file not loaded")
    line = src.line_text(loc.line)
    m = _PDB_LINE.match(line)
    if m is None:
        raise FixUnavailable("the value is not a plain `key: value` line")
    start = src.offset_of(loc.line, 1) + m.start(2)
    end = src.offset_of(loc.line, 1) + m.end(4)
    replacement = "maxUnavailable: 1"
    if loc.file != pdb.location.file and m.group(2) == "minAvailable":
        # a strategic-merge patch: null deletes the base's minAvailable (both set is invalid)
        if "-" in m.group(1):
            raise FixUnavailable("minAvailable starts a list item")
        replacement = f"minAvailable: null\n{m.group(1)}maxUnavailable: 1"
    shared = _shared(ctx, pdb, finding)
    note = " (this base is shared by other overlays: patch the overlay instead)"
    return make_fix(
        "Set `maxUnavailable: 1`" + (note if shared else ""),
        DISPLAY if shared else UNSAFE,
        [Edit(loc.file, start, end, replacement)],
    )


@record(frozen=True)
class BlockingBudget(ScaleTarget):
    """The guarded workload's replica count and the HPA that sets it (if any)."""

    replicas: int
    hpa: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out = subject_dict(self)
        if self.hpa is None:  # the key was there only with an HPA
            del out["hpa"]
        return out


class PdbBlocksEviction(Rule):
    code = "K8S010"
    name = "pdb-blocks-eviction"
    title = "PodDisruptionBudget allows no pod to be evicted"
    severity = Severity.WARNING
    category = "kubernetes"
    fixer = staticmethod(fix_pdb_max_unavailable)
    fix_applicability_of = staticmethod(pdb_fix_applicability)  # unsafe; shared base: shown
    why = (
        "`kubectl drain`, cluster autoscaler scale-downs and managed node upgrades evict pods "
        "through the eviction API, which refuses any eviction that would break a "
        "PodDisruptionBudget. With `minAvailable` >= the replica count (typically one replica "
        "and `minAvailable: 1`), `maxUnavailable: 0` or `minAvailable: 100%`, no pod can "
        "ever be evicted: drains hang until someone deletes the pod by hand, node upgrades "
        "stall or time out and get forced, and the budget protects nothing because a single "
        "replica goes down anyway when its node does.\n\n"
        "The replica count is the workload's `replicas` (1 when unset) or, when an HPA "
        "scales it, the HPA's `minReplicas`: the HPA scales down to that when traffic is "
        "low, which is when drains and node upgrades are usually run."
    )
    how_to_fix = (
        "Run at least two replicas and allow one disruption:\n\n"
        "```yaml\nspec:\n  replicas: 3\n---\nkind: PodDisruptionBudget\nspec:\n"
        "  maxUnavailable: 1\n```"
    )
    references = (
        "https://kubernetes.io/docs/concepts/workloads/pods/disruptions/",
        "https://kubernetes.io/docs/tasks/run-application/configure-pdb/",
    )
    examples = (
        Example(
            bad={"k8s/checkout.yaml": BAD},
            good={"k8s/checkout.yaml": GOOD},
            description="one replica, minAvailable 1",
        ),
        Example(
            bad={"k8s/checkout.yaml": BAD_ZERO},
            good={"k8s/checkout.yaml": GOOD_ONE},
            description="maxUnavailable 0",
        ),
        Example(
            bad={"k8s/checkout.yaml": BAD_HPA},
            good={"k8s/checkout.yaml": GOOD_HPA},
            description="an HPA with minReplicas 2, minAvailable 2",
        ),
    )

    def check(self, stack: Stack) -> Iterator[Finding]:
        for p in stack.k8s:
            pdb = p.pdb
            if pdb is None or p.partial or pdb.selector is None or pdb.selector.empty:
                continue
            targets = nearest(
                p,
                [
                    w
                    for w in stack.k8s
                    if w.workload is not None
                    and w.kind in REPLICATED_KINDS
                    and p.same_namespace(w)
                    and pdb.selector.matches(w.workload.pod.labels)
                ],
            )
            if not targets or any(w.partial for w in targets):
                continue
            for w in targets:
                replicas = _replicas(stack, w)
                if replicas is None:
                    continue
                blocked = _blocks(pdb, replicas)
                if blocked is None:
                    continue
                reason, by_count = blocked
                # at the HPA's minimum only: scaled up, a pod may go
                when = "then" if by_count and replicas.hpa is not None else "ever"
                hpa = replicas.hpa.name if replicas.hpa is not None else None
                assert w.workload is not None
                cited = replicas.location if by_count else w.workload.replicas_location
                yield self.finding(
                    pdb.location or p.location,
                    f"PodDisruptionBudget '{p.name}' covers {w.kind} '{w.name}' with "
                    f"{reason}: no pod may {when} be evicted, so node drains and upgrades hang",
                    subject=f"{p.ref}:{w.name}",
                    related=[cited or w.location],
                    detail=BlockingBudget(*k8s_id(p), w.name, replicas.count, hpa),
                )
                break
