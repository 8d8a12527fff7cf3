"""K8S006 jvm-heap-vs-memory-limit: its tests, gathered from the rule test modules by rule code."""

from __future__ import annotations

from pathlib import Path

from infradoctor.findings import Severity
from tests.conftest import write_tree
from tests.rules.kubernetes.test_kubernetes_helpers import _k8s, deployment


def test_jvm_percentage_warning_and_detection(tmp_path: Path) -> None:
    env = (
        "          env:\n            - name: JAVA_TOOL_OPTIONS\n"
        "              value: -XX:MaxRAMPercentage=90\n"
    )
    root = write_tree(
        tmp_path,
        {"d.yaml": deployment("svc", "app: svc", "", env).replace("memory: 128Mi", "memory: 2Gi")},
    )
    (f,) = _k8s(root, "K8S006")
    assert f.severity is Severity.WARNING and "MaxRAMPercentage=90" in f.message
    root = write_tree(
        tmp_path / "b",
        {
            "d.yaml": deployment("es", "app: es")
            .replace("ghcr.io/acme/es:1.0.0", "elasticsearch:8.15.0")
            .replace("          resources: {limits: {memory: 128Mi}}\n", "")
        },
    )
    (f,) = _k8s(root, "K8S006")
    assert f.severity is Severity.WARNING and "without a memory limit" in f.message
    assert [x.rule for x in _k8s(root, "K8S007")] == []  # reported once, by K8S006


def test_jvm_options_from_a_config_map(tmp_path: Path) -> None:
    """JAVA_OPTS kept in a ConfigMap (configMapKeyRef, envFrom) count like literal env."""
    cm = (
        "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: jvm}\n"
        "data:\n  JAVA_OPTS: -Xms1g -Xmx1g\n  other: x\n"
    )
    key_ref = (
        "          env:\n            - name: JAVA_OPTS\n              valueFrom:\n"
        "                configMapKeyRef: {name: jvm, key: JAVA_OPTS}\n"
    )
    env_from = "          envFrom:\n            - configMapRef: {name: jvm}\n"
    for i, extra in enumerate((key_ref, env_from)):
        dep = deployment("api", "app: api", "", extra).replace("128Mi", "1Gi")
        root = write_tree(tmp_path / str(i), {"k8s/api.yaml": dep + cm})
        (f,) = _k8s(root, "K8S006")
        assert f.severity is Severity.ERROR and "-Xmx1g (JAVA_OPTS)" in f.message
        assert f.location.line == dep.count("\n") + 6  # the ConfigMap's JAVA_OPTS line
