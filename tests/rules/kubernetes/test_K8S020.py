"""K8S020: in-cluster nginx (a ConfigMap) proxying to a Service port the Service lacks;
host forms, headless Services, namespaces and ambiguous names."""

from __future__ import annotations

from pathlib import Path

import pytest

from infradoctor.config import LintConfig
from infradoctor.engine import lint
from infradoctor.facts.cluster import split_service_host
from infradoctor.findings import Finding
from infradoctor.rules.kubernetes.K8S020_proxy_to_container_port import BAD, MANIFESTS
from tests.conftest import write_tree


def _run(tmp_path: Path, files: dict[str, str]) -> list[Finding]:
    root = write_tree(tmp_path / "s", files)
    return lint(root, LintConfig(select=["K8S020"])).findings


def _nginx(target: str) -> str:
    return BAD.replace("http://api:8000", target)


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("api", ("api", None)),
        ("api.shop", ("api", "shop")),
        ("api.shop.svc", ("api", "shop")),
        ("api.shop.svc.cluster.local", ("api", "shop")),
        ("api.shop.svc.cluster.local.", ("api", "shop")),
        ("example.com.br", None),
        ("10.0.0.1", None),
        ("api.example.com", None),
    ],
)
def test_split_service_host(host: str, expected: tuple[str, str | None] | None) -> None:
    assert split_service_host(host) == expected


def test_container_port_named_at_proxy_pass_line(tmp_path: Path) -> None:
    [f] = _run(tmp_path, {"k8s/nginx.yaml": BAD, "k8s/api.yaml": MANIFESTS})
    assert (f.location.file, f.location.line, f.location.column) == ("k8s/nginx.yaml", 10, 13)
    assert "container port; use the Service port 80" in f.message
    assert f.related[0].file == "k8s/api.yaml"


def test_upstream_server_line_is_checked(tmp_path: Path) -> None:
    nginx = BAD.replace(
        "    server {\n",
        "    upstream backend {\n        server api.default:8000;\n    }\n    server {\n",
    ).replace("http://api:8000", "http://backend")
    [f] = _run(tmp_path, {"k8s/nginx.yaml": nginx, "k8s/api.yaml": MANIFESTS})
    assert f.location.line == 8


@pytest.mark.parametrize(
    "target", ["http://api", "http://api:80", "http://api.default.svc:80", "http://$api_host:8000"]
)
def test_service_port_is_fine(tmp_path: Path, target: str) -> None:
    assert _run(tmp_path, {"k8s/nginx.yaml": _nginx(target), "k8s/api.yaml": MANIFESTS}) == []


def test_headless_service_uses_container_port(tmp_path: Path) -> None:
    headless = MANIFESTS.replace(
        "spec:\n  selector:\n    app: api", "spec:\n  clusterIP: None\n  selector:\n    app: api", 1
    )
    assert _run(tmp_path, {"k8s/nginx.yaml": BAD, "k8s/api.yaml": headless}) == []


def test_other_namespace_is_not_matched(tmp_path: Path) -> None:
    other = MANIFESTS.replace(
        "  name: api\nspec:\n  selector", "  name: api\n  namespace: shop\nspec:\n  selector", 1
    )
    nginx = _nginx("http://api.billing:8000")
    assert _run(tmp_path, {"k8s/nginx.yaml": nginx, "k8s/api.yaml": other}) == []
    nginx = _nginx("http://api.shop.svc.cluster.local:8000")
    assert len(_run(tmp_path, {"k8s/nginx.yaml": nginx, "k8s/api.yaml": other})) == 1


def test_two_equally_near_services_are_not_guessed(tmp_path: Path) -> None:
    files = {
        "k8s/nginx.yaml": BAD,
        "k8s/a/api.yaml": MANIFESTS,
        "k8s/b/api.yaml": MANIFESTS.replace("port: 80", "port: 8000"),
    }
    assert _run(tmp_path, files) == []


def test_port_matching_nothing(tmp_path: Path) -> None:
    [f] = _run(tmp_path, {"k8s/nginx.yaml": _nginx("http://api:9999"), "k8s/api.yaml": MANIFESTS})
    assert "the Service serves only 80 -> 8000" in f.message


def test_plain_nginx_file_is_not_checked(tmp_path: Path) -> None:
    """A file on disk may run anywhere (compose, the host): only ConfigMap nginx is in-cluster."""
    conf = "server {\n  listen 80;\n  location / { proxy_pass http://api:8000; }\n}\n"
    assert _run(tmp_path, {"nginx/default.conf": conf, "k8s/api.yaml": MANIFESTS}) == []
