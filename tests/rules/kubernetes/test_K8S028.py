"""K8S028: its behaviour beyond the rule's examples."""

from __future__ import annotations

from pathlib import Path

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


def test_ingress_without_tls_is_info_and_with_tls_passes(tmp_path: Path) -> None:
    tls = "  tls:\n    - hosts: [a.example.com]\n      secretName: a-tls\n"
    files = {"a/ing.yaml": ingress(), "b/ing.yaml": ingress(tls=tls)}
    found = run(tmp_path, "K8S028", files)
    assert [f.location.file for f in found] == ["a/ing.yaml"]
    assert found[0].severity.label == "info"
