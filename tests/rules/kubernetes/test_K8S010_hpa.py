"""Kubernetes findings from the second user audit: K8S010 cites where the replica count it
compares with comes from (the HPA's minReplicas when an HPA scales the workload)."""

from __future__ import annotations

from pathlib import Path

from infradoctor.config import LintConfig
from infradoctor.engine import lint
from infradoctor.findings import Finding
from tests.conftest import write_tree

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: backend-event
spec:
  replicas: 3
  selector:
    matchLabels:
      app: backend-event
  template:
    metadata:
      labels:
        app: backend-event
    spec:
      containers:
        - name: app
          image: ghcr.io/acme/backend-event:1.4.2
"""
HPA = """\
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: backend-event-hpa
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: backend-event
  # minReplicas: 5 was too many at night
  minReplicas: 2
  maxReplicas: 10
"""
HPA_FLOW = """\
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: backend-event-hpa}
spec: {scaleTargetRef: {kind: Deployment, name: backend-event}, minReplicas: 2, maxReplicas: 4}
"""
PDB = """\
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: backend-event
spec:
  minAvailable: 2
  selector:
    matchLabels:
      app: backend-event
"""


def _k8s010(files: dict[str, str], root: Path) -> list[Finding]:
    result = lint(
        write_tree(root, files),
        LintConfig(select=["K8S010"], report_unused_suppressions=False),
        with_fixes=False,
    )
    assert not result.errors, result.errors
    return result.findings


def _position(text: str, line_prefix: str, token: str) -> tuple[int, int]:
    """1-based line and column of `token` on the first line starting with `line_prefix`."""
    for number, line in enumerate(text.splitlines(), 1):
        if line.startswith(line_prefix):
            return number, line.index(token) + 1
    raise AssertionError(line_prefix)


def test_hpa_min_replicas_is_cited_not_the_workload_replicas(tmp_path: Path) -> None:
    text = DEPLOYMENT + HPA + PDB
    (f,) = _k8s010({"k8s/deployment.yaml": text}, tmp_path)
    assert "minAvailable 2 while the HPA is at its minimum of 2 replicas" in f.message
    assert "3 replica" not in f.message and "no pod may then be evicted" in f.message
    (cited,) = f.related
    assert (cited.file, cited.line, cited.column) == (
        "k8s/deployment.yaml",
        *_position(text, "  minReplicas:", "2"),
    )
    assert f.data["replicas"] == 2 and f.data["hpa"] == "backend-event-hpa"


def test_hpa_in_flow_style_and_in_another_file(tmp_path: Path) -> None:
    (f,) = _k8s010(
        {"k8s/deployment.yaml": DEPLOYMENT + PDB, "k8s/hpa.yaml": HPA_FLOW[4:]}, tmp_path
    )
    (cited,) = f.related
    line, _ = _position(HPA_FLOW[4:], "spec:", "2")
    column = HPA_FLOW[4:].splitlines()[line - 1].index("minReplicas: 2") + len("minReplicas: ") + 1
    assert (cited.file, cited.line, cited.column) == ("k8s/hpa.yaml", line, column)


def test_hpa_without_min_replicas_means_one(tmp_path: Path) -> None:
    hpa = HPA.replace("  # minReplicas: 5 was too many at night\n  minReplicas: 2\n", "")
    pdb = PDB.replace("minAvailable: 2", "minAvailable: 1")
    text = DEPLOYMENT + hpa + pdb
    (f,) = _k8s010({"k8s/all.yaml": text}, tmp_path)
    assert "while the HPA is at its minimum of 1 replica:" in f.message
    (cited,) = f.related  # the HPA's scaleTargetRef.name: where the HPA meets the workload
    assert (cited.line, cited.column) == _position(text, "    name: backend-event", "backend")


def test_without_hpa_the_workload_replicas_are_cited(tmp_path: Path) -> None:
    text = DEPLOYMENT + PDB.replace("minAvailable: 2", "minAvailable: 3")
    (f,) = _k8s010({"k8s/all.yaml": text}, tmp_path)
    assert "minAvailable 3 with 3 replica(s): no pod may ever be evicted" in f.message
    (cited,) = f.related
    assert (cited.line, cited.column) == _position(text, "  replicas:", "3")
    assert "hpa" not in f.data


def test_max_unavailable_zero_does_not_blame_the_hpa(tmp_path: Path) -> None:
    """maxUnavailable 0 blocks every eviction whatever the replica count."""
    text = DEPLOYMENT + HPA + PDB.replace("minAvailable: 2", "maxUnavailable: 0")
    (f,) = _k8s010({"k8s/all.yaml": text}, tmp_path)
    assert "maxUnavailable 0: no pod may ever be evicted" in f.message
    (cited,) = f.related
    assert (cited.line, cited.column) == _position(text, "  replicas:", "3")


def test_hpa_minimum_above_min_available_is_clean(tmp_path: Path) -> None:
    text = DEPLOYMENT + HPA.replace("  minReplicas: 2\n", "  minReplicas: 3\n") + PDB
    assert _k8s010({"k8s/all.yaml": text}, tmp_path) == []
