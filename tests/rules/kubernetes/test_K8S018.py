"""K8S018: its behaviour beyond the rule's examples."""

from __future__ import annotations

from pathlib import Path

from tests.rules.kubernetes._new_rules_helpers import pod, run

SERVICE = (
    "---\napiVersion: v1\nkind: Service\nmetadata:\n  name: api\nspec:\n"
    "  selector: {app: api}\n  ports: [{port: 80}]\n"
)


def hpa(target: str, bounds: str = "  maxReplicas: 5\n") -> str:
    return (
        "---\napiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata:\n"
        f"  name: api\nspec:\n  scaleTargetRef: {{apiVersion: apps/v1, kind: Deployment, "
        f"name: {target}}}\n{bounds}"
    )


def test_replicas_on_an_hpa_target_points_at_replicas(tmp_path: Path) -> None:
    text = pod("api", "", "  replicas: 3\n") + hpa("api")
    found = run(tmp_path, "K8S018", {"k8s/api.yaml": text})
    assert [f.location.line for f in found] == [6]
    assert "replicas: 3" in found[0].message


def test_replicas_without_hpa_and_hpa_without_replicas_pass(tmp_path: Path) -> None:
    files = {
        "a/api.yaml": pod("api", "", "  replicas: 3\n"),
        "b/api.yaml": pod("api", "") + hpa("api"),
    }
    assert run(tmp_path, "K8S018", files) == []
