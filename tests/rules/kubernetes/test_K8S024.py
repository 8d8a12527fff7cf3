"""K8S024: its behaviour beyond the rule's examples."""

from __future__ import annotations

from pathlib import Path

import pytest

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


@pytest.mark.parametrize(
    ("mode", "spec", "kind", "reported"),
    [
        ("ReadWriteOnce", "", "Deployment", True),
        ("ReadWriteOncePod", "  strategy: {type: RollingUpdate}\n", "Deployment", True),
        ("ReadWriteMany", "", "Deployment", False),
        ("ReadWriteOnce", "  strategy: {type: Recreate}\n", "Deployment", False),
        ("ReadWriteOnce", "", "StatefulSet", False),
    ],
)
def test_rwo_claim_and_strategy(
    tmp_path: Path, mode: str, spec: str, kind: str, reported: bool
) -> None:
    text = pod("db", "", spec, kind) + VOLUMES + pvc(mode)
    assert bool(run(tmp_path, "K8S024", {"k8s/db.yaml": text})) is reported


def test_claim_without_a_loaded_pvc_is_not_guessed(tmp_path: Path) -> None:
    assert run(tmp_path, "K8S024", {"k8s/db.yaml": pod("db", "") + VOLUMES}) == []
