"""K8S025: its behaviour beyond the rule's examples."""

from __future__ import annotations

from pathlib import Path

from infradoctor.findings import Severity
from tests.rules.kubernetes._new_rules_helpers import pod, run


def pvc(mode: str) -> str:
    return (
        "---\napiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: data\nspec:\n"
        f"  accessModes: [{mode}]\n  resources: {{requests: {{storage: 1Gi}}}}\n"
    )


VOLUMES = (
    "      volumes:\n        - name: data\n          persistentVolumeClaim: {claimName: data}\n"
)


SERVICE = (
    "---\napiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n"
    "  selector: {app: web}\n  ports: [{port: 80}]\n"
)


def test_recreate_behind_a_service_is_info(tmp_path: Path) -> None:
    text = pod("web", "", "  strategy:\n    type: Recreate\n") + SERVICE
    found = run(tmp_path, "K8S025", {"k8s/web.yaml": text})
    assert [(f.severity, f.location.line) for f in found] == [(Severity.INFO, 7)]


def test_recreate_without_a_service_passes(tmp_path: Path) -> None:
    text = pod("worker", "", "  strategy:\n    type: Recreate\n")
    assert run(tmp_path, "K8S025", {"k8s/worker.yaml": text}) == []
