"""K8S010 pdb-blocks-eviction: its tests, gathered from the rule test modules by rule code."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import write_tree
from tests.rules.kubernetes.test_kubernetes_helpers import _k8s, deployment


def test_hpa_and_pdb_use_each_other(tmp_path: Path) -> None:
    dep = deployment("web", "app: web").replace(
        "          resources: {limits: {memory: 128Mi}}\n",
        "          resources: {requests: {cpu: 100m}, limits: {memory: 128Mi}}\n",
    )
    hpa = (
        "---\napiVersion: autoscaling/v1\nkind: HorizontalPodAutoscaler\n"
        "metadata: {name: web}\nspec:\n  scaleTargetRef: {kind: Deployment, name: web}\n"
        "  minReplicas: 3\n  maxReplicas: 9\n  targetCPUUtilizationPercentage: 60\n"
    )
    pdb = (
        "---\napiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: web}\n"
        "spec:\n  minAvailable: 2\n  selector: {matchLabels: {app: web}}\n"
    )
    root = write_tree(tmp_path, {"k8s/web.yaml": dep + hpa + pdb})
    # replicas unset would mean 1 (< minAvailable 2), but the HPA keeps at least 3
    assert _k8s(root) == []
    root = write_tree(
        tmp_path / "b",
        {"k8s/web.yaml": dep + hpa.replace("minReplicas: 3", "minReplicas: 2") + pdb},
    )
    assert [f.rule for f in _k8s(root)] == ["K8S010"]
    root = write_tree(tmp_path / "c", {"k8s/web.yaml": deployment("web", "app: web") + hpa})
    (f,) = _k8s(root)
    assert f.rule == "K8S009" and "cpu" in f.message
