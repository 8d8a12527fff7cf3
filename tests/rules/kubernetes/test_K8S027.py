"""K8S027: its behaviour beyond the rule's examples."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.rules.kubernetes._new_rules_helpers import run

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


@pytest.mark.parametrize(
    ("type_line", "reported"),
    [
        ("", True),
        ("  type: ClusterIP\n", True),
        ("  type: NodePort\n", False),
        ("  type: LoadBalancer\n", False),
    ],
)
def test_node_port_by_service_type(tmp_path: Path, type_line: str, reported: bool) -> None:
    found = run(tmp_path, "K8S027", {"k8s/ui.yaml": svc(type_line)})
    assert bool(found) is reported
    if found:
        assert found[0].location.line == 8 + bool(type_line)
