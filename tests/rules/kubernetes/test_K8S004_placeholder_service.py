"""K8S004: a headless Service with `targetPort: 0` is a placeholder (robot-shop's
`dispatch` only reads a queue: "it does not expose any ports"); nothing is served, so no
readiness probe is asked for. A headless Service with a real port still counts."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import write_tree
from tests.rules.kubernetes.test_kubernetes_helpers import _k8s, deployment, service


def _tree(tmp_path: Path, target: str) -> Path:
    worker = deployment("dispatch", "app: dispatch").replace(
        "          readinessProbe: {tcpSocket: {port: 1}}\n", ""
    )
    headless = service(
        "dispatch", "app: dispatch", f"    - name: headless\n      port: 55555\n{target}"
    ).replace("  selector:", "  clusterIP: None\n  selector:")
    return write_tree(tmp_path, {"k8s/dispatch.yaml": worker + headless})


def test_headless_placeholder_port_serves_nothing(tmp_path: Path) -> None:
    assert _k8s(_tree(tmp_path, "      targetPort: 0\n"), "K8S004") == []


def test_headless_service_with_a_real_port_still_serves(tmp_path: Path) -> None:
    assert len(_k8s(_tree(tmp_path, "      targetPort: 8080\n"), "K8S004")) == 1
