"""K8S002: a missing port name is an error, an undeclared number only a warning."""

from __future__ import annotations

from pathlib import Path

from infradoctor.findings import Severity
from tests.conftest import write_tree
from tests.rules.kubernetes.test_kubernetes_helpers import _k8s, deployment, service

PORTS = "          ports: [{name: http, containerPort: 8000}]\n"


def test_named_target_port_missing_is_an_error(tmp_path: Path) -> None:
    text = deployment("api", "app: api", PORTS) + service(
        "api", "app: api", "    - {port: 80, targetPort: web}\n"
    )
    (f,) = _k8s(write_tree(tmp_path, {"api.yaml": text}), "K8S002")
    assert f.severity is Severity.ERROR


def test_undeclared_numeric_target_port_is_a_warning(tmp_path: Path) -> None:
    text = deployment("api", "app: api", PORTS) + service(
        "api", "app: api", "    - {port: 80, targetPort: 8080}\n"
    )
    (f,) = _k8s(write_tree(tmp_path, {"api.yaml": text}), "K8S002")
    assert f.severity is Severity.WARNING
    assert "unless the app listens there undeclared" in f.message
