"""K8S005 probe-port-unknown: its tests, gathered from the rule test modules by rule code."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import write_tree
from tests.rules.kubernetes.test_kubernetes_helpers import _k8s, deployment


def test_numeric_probe_port_is_not_reported(tmp_path: Path) -> None:
    extra = "          livenessProbe: {httpGet: {path: /, port: 8080}}\n"
    root = write_tree(
        tmp_path,
        {
            "d.yaml": deployment(
                "x", "app: x", "          ports: [{name: http, containerPort: 80}]\n", extra
            )
        },
    )
    assert _k8s(root, "K8S005") == []
