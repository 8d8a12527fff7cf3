"""K8S019 hpa-memory-on-jvm."""

from __future__ import annotations

from pathlib import Path

from tests.rules.kubernetes._new_rules_helpers import pod, run

JAVA = "          command: [java, -jar, /app.jar]\n"


def hpa(resource: str) -> str:
    return (
        "---\napiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata:\n"
        "  name: api\nspec:\n  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, "
        "name: api}\n  minReplicas: 2\n  maxReplicas: 5\n  metrics:\n    - type: Resource\n"
        f"      resource: {{name: {resource}, target: {{type: Utilization, "
        "averageUtilization: 80}}\n"
    )


def test_memory_hpa_on_java_command(tmp_path: Path) -> None:
    found = run(tmp_path, "K8S019", {"k8s/api.yaml": pod("api", JAVA) + hpa("memory")})
    assert len(found) == 1 and "JVM" in found[0].message


def test_cpu_hpa_on_jvm_and_memory_hpa_on_non_jvm_pass(tmp_path: Path) -> None:
    files = {
        "a/api.yaml": pod("api", JAVA) + hpa("cpu"),
        "b/api.yaml": pod("api", "") + hpa("memory"),
    }
    assert run(tmp_path, "K8S019", files) == []
