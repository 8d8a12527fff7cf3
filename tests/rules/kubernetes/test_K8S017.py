"""K8S017: its behaviour beyond the rule's examples."""

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


def test_default_min_replicas_on_a_served_workload(tmp_path: Path) -> None:
    found = run(tmp_path, "K8S017", {"k8s/api.yaml": pod("api", "") + SERVICE + hpa("api")})
    assert len(found) == 1 and "scale down to 1 pod" in found[0].message


def test_min_two_or_no_service_or_unknown_target_pass(tmp_path: Path) -> None:
    files = {
        "a/api.yaml": pod("api", "") + SERVICE + hpa("api", "  minReplicas: 2\n"),
        "b/api.yaml": pod("api", "") + hpa("api"),  # nothing routes to it
        "c/api.yaml": pod("api", "") + SERVICE + hpa("apii"),  # K8S011's business
    }
    assert run(tmp_path, "K8S017", files) == []


def test_dev_overlay_directory_is_not_reported(tmp_path: Path) -> None:
    files = {"k8s/overlays/dev/api.yaml": pod("api", "") + SERVICE + hpa("api")}
    assert run(tmp_path, "K8S017", files) == []
