"""K8S003 ingress-backend-unknown: its tests, gathered from the rule test modules by rule code."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import write_tree
from tests.rules.kubernetes.test_kubernetes_helpers import _k8s, service


def test_ingress_backend_to_service_elsewhere_is_not_flagged(tmp_path: Path) -> None:
    ingress = (
        "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: i}\nspec:\n"
        "  rules:\n    - http:\n        paths:\n          - path: /\n"
        "            pathType: Prefix\n            backend:\n"
        "              service: {name: grafana, port: {number: 3000}}\n"
    )
    root = write_tree(tmp_path, {"ingress/i.yaml": ingress})
    assert _k8s(root, "K8S003") == []
    legacy = (
        "apiVersion: extensions/v1beta1\nkind: Ingress\nmetadata: {name: old}\nspec:\n"
        "  backend: {serviceName: web, servicePort: 8080}\n"
    )
    root = write_tree(
        tmp_path / "b",
        {"k8s/i.yaml": legacy, "k8s/s.yaml": service("web", "app: web", "    - port: 80\n")[4:]},
    )
    (f,) = _k8s(root, "K8S003")
    assert "port number 8080" in f.message and "80" in f.message


def test_gateway_api_route_backend_refs(tmp_path: Path) -> None:
    route = (
        "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: r}\n"
        "spec:\n  parentRefs: [{name: gw}]\n  rules:\n    - backendRefs:\n"
        "        - {name: web, port: 8080}\n        - {name: other-ns, namespace: x, port: 1}\n"
        "        - {name: bucket, group: storage.example.com, kind: Bucket}\n"
    )
    svc = service("web", "app: web", "    - {port: 80, targetPort: 8080}\n")[4:]
    root = write_tree(tmp_path, {"k8s/route.yaml": route, "k8s/svc.yaml": svc})
    (f,) = _k8s(root, "K8S003")
    assert f.message.startswith("HTTPRoute 'r' routes a rule to Service 'web' port number 8080")
    (tmp_path / "k8s" / "route.yaml").write_text(route.replace("port: 8080", "port: 80"))
    assert _k8s(root, "K8S003") == []
