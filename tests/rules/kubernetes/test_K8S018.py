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


def test_ambiguous_copies_in_sibling_directories_are_not_blamed(tmp_path: Path) -> None:
    """sock-shop: autoscaling/ HPAs next to manifests/ and helm-chart/ copies of the app."""
    ns = "  name: api\n  namespace: shop\nspec:"
    api = pod("api", "", "  replicas: 1\n").replace("  name: api\nspec:", ns)
    files = {
        "deploy/autoscaling/hpa.yaml": hpa("api").replace("  name: api\nspec:", ns),
        "deploy/manifests/api.yaml": api,
        "deploy/helm-chart/api.yaml": api,
    }
    assert run(tmp_path, "K8S018", files) == []
    one = {k: v for k, v in files.items() if "helm-chart" not in k}
    assert [f.location.file for f in run(tmp_path / "one", "K8S018", one)] == [
        "deploy/manifests/api.yaml"
    ]


def test_namespaced_hpa_does_not_reach_into_another_project(tmp_path: Path) -> None:
    """The corpus: sock-shop's HPA `cart` (namespace sock-shop) and robot-shop's
    namespace-less Deployment `cart` in a sibling project."""
    text = hpa("api").replace("  name: api\nspec:", "  name: api\n  namespace: shop\nspec:")
    files = {
        "sock/autoscaling/hpa.yaml": text,
        "robot/k8s/api.yaml": pod("api", "", "  replicas: 1\n"),
    }
    assert run(tmp_path, "K8S018", files) == []
