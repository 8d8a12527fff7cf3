"""K8S026: its behaviour beyond the rule's examples."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.rules.kubernetes._new_rules_helpers import pod, run

SERVICE = (
    "---\napiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n"
    "  selector: {app: web}\n  ports: [{port: 80}]\n"
)


def ingress(service: str = "web", tls: str = "") -> str:
    return (
        "---\napiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: web\n"
        f"spec:\n{tls}  rules:\n    - http:\n        paths:\n          - path: /\n"
        "            pathType: Prefix\n            backend:\n              service:\n"
        f"                name: {service}\n                port: {{number: 80}}\n"
    )


def svc(type_line: str) -> str:
    return (
        f"apiVersion: v1\nkind: Service\nmetadata:\n  name: ui\nspec:\n{type_line}"
        "  ports:\n    - port: 80\n      nodePort: 30080\n"
    )


def test_one_replica_behind_an_ingress(tmp_path: Path) -> None:
    text = pod("web", "", "  replicas: 1\n") + SERVICE + ingress()
    found = run(tmp_path, "K8S026", {"k8s/web.yaml": text})
    assert [f.location.line for f in found] == [6]


@pytest.mark.parametrize(
    "files",
    [
        {"k8s/web.yaml": pod("web", "", "  replicas: 2\n") + SERVICE + ingress()},
        {"k8s/web.yaml": pod("web", "") + SERVICE},  # no Ingress
        {"k8s/web.yaml": pod("web", "") + SERVICE + ingress("other")},
        {"k8s/web.yaml": pod("web", "", kind="DaemonSet") + SERVICE + ingress()},
    ],
)
def test_replicated_or_not_published_passes(tmp_path: Path, files: dict[str, str]) -> None:
    assert run(tmp_path, "K8S026", files) == []


def test_hpa_minimum_counts_as_the_replicas(tmp_path: Path) -> None:
    hpa = (
        "---\napiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata:\n"
        "  name: web\nspec:\n  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, "
        "name: web}\n  minReplicas: 2\n  maxReplicas: 4\n"
    )
    text = pod("web", "") + SERVICE + ingress() + hpa
    assert run(tmp_path, "K8S026", {"k8s/web.yaml": text}) == []


def test_dev_directory_is_not_reported(tmp_path: Path) -> None:
    text = pod("web", "", "  replicas: 1\n") + SERVICE + ingress()
    assert run(tmp_path, "K8S026", {"deploy/dev/web.yaml": text}) == []
