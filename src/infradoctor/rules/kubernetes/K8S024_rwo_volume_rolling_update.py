"""K8S024: a Deployment with a ReadWriteOnce volume that rolls by surging."""

from __future__ import annotations

from collections.abc import Iterator

from infradoctor.findings import Finding, Severity
from infradoctor.model.k8s import K8sObject, nearest
from infradoctor.model.stack import Stack
from infradoctor.records import record
from infradoctor.rules.base import Example, Rule
from infradoctor.rules.kubernetes._k8s import k8s_id
from infradoctor.subjects import K8sSubject

SINGLE_WRITER = frozenset({"ReadWriteOnce", "ReadWriteOncePod"})

BAD = """\
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: gitea-data
spec:
  accessModes: [ReadWriteOnce]
  resources:
    requests:
      storage: 10Gi
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: gitea
spec:
  selector:
    matchLabels:
      app: gitea
  template:
    metadata:
      labels:
        app: gitea
    spec:
      containers:
        - name: gitea
          image: gitea/gitea:1.21.4
          volumeMounts:
            - name: data
              mountPath: /data
      volumes:
        - name: data
          persistentVolumeClaim:
            claimName: gitea-data
"""

GOOD = BAD.replace(
    "  name: gitea\nspec:\n", "  name: gitea\nspec:\n  strategy:\n    type: Recreate\n"
)


def _claims(stack: Stack, w: K8sObject) -> Iterator[tuple[str, K8sObject]]:
    assert w.workload is not None
    for name, _ in w.workload.claims:
        found = nearest(
            w,
            [
                o
                for o in stack.k8s
                if o.access_modes is not None and o.name == name and w.same_namespace(o)
            ],
        )
        if found:
            yield name, found[0]


@record(frozen=True)
class RwoClaim(K8sSubject):
    """The ReadWriteOnce claim a rolling update's two pods both mount."""

    claim: str


class RwoVolumeRollingUpdate(Rule):
    code = "K8S024"
    name = "rwo-volume-rolling-update"
    title = "Deployment with a ReadWriteOnce volume uses RollingUpdate"
    severity = Severity.WARNING
    category = "kubernetes"
    why = (
        "A RollingUpdate starts the new pod before the old one stops. With a "
        "ReadWriteOnce volume the new pod either lands on another node and hangs in "
        "ContainerCreating (`Multi-Attach error`), so the rollout never finishes, or lands "
        "on the same node and runs as a second writer on the same data directory (a "
        "database or a git store that assumes one owner can corrupt it)."
    )
    how_to_fix = (
        "Use `strategy: {type: Recreate}` for a single-writer Deployment, or a StatefulSet "
        "with volumeClaimTemplates when each replica needs its own volume."
    )
    references = (
        "https://kubernetes.io/docs/concepts/storage/persistent-volumes/#access-modes",
        "https://kubernetes.io/docs/concepts/workloads/controllers/deployment/#recreate-deployment",
    )
    examples = (
        Example(
            bad={"k8s/gitea.yaml": BAD},
            good={"k8s/gitea.yaml": GOOD},
            description="a RollingUpdate Deployment mounting a ReadWriteOnce claim",
        ),
    )

    def check(self, stack: Stack) -> Iterator[Finding]:
        for w in stack.k8s:
            spec = w.workload
            if w.kind != "Deployment" or spec is None or w.partial or not spec.claims:
                continue
            if spec.strategy not in (None, "RollingUpdate"):
                continue
            for name, pvc in _claims(stack, w):
                modes = set(pvc.access_modes or ())
                if not modes or not modes <= SINGLE_WRITER:
                    continue
                loc = next(loc for claim, loc in spec.claims if claim == name)
                yield self.finding(
                    spec.strategy_location or loc,
                    f"Deployment '{w.name}' mounts ReadWriteOnce claim '{name}' but rolls "
                    f"out with RollingUpdate: the new pod hits a Multi-Attach error on "
                    f"another node or writes the same data as the old one; use Recreate "
                    f"or a StatefulSet",
                    subject=f"{w.ref}:{name}",
                    related=[loc, pvc.location],
                    detail=RwoClaim(*k8s_id(w), name),
                )
                break
