"""K8S002 service-target-port-not-exposed: its tests, gathered from the rule test modules by rule code."""

from __future__ import annotations

from pathlib import Path

from infradoctor.findings import Severity
from tests.conftest import write_tree
from tests.rules.kubernetes.test_kubernetes_helpers import (
    RECORDED,
    _codes,
    _k8s,
    deployment,
    service,
)


def test_recorded_pair_with_renamed_container_port(tmp_path: Path) -> None:
    """Changed from the recording: the metrics-server container port `https` renamed to
    `tls` (a typical refactor) while the Service and the probes still say `https`."""
    text = RECORDED.read_text()
    renamed = text.replace(
        "        - name: https\n          containerPort: 4443",
        "        - name: tls\n          containerPort: 4443",
    )
    assert renamed != text
    (tmp_path / "kube-system.yaml").write_text(renamed)
    findings = [f for f in _k8s(tmp_path) if f.rule not in ("K8S007", "K8S023")]
    assert _codes(findings) == [
        ("K8S002", "Service/kube-system/metrics-server:443"),
        ("K8S005", "Deployment/kube-system/metrics-server:metrics-server:liveness"),
        ("K8S005", "Deployment/kube-system/metrics-server:metrics-server:readiness"),
    ]
    k8s002 = next(f for f in findings if f.rule == "K8S002")
    assert k8s002.severity is Severity.ERROR and "'https'" in k8s002.message
    line = renamed.splitlines()[k8s002.location.line - 1]
    assert line.strip() == "targetPort: https"


def test_numeric_target_port_only_when_nothing_agrees(tmp_path: Path) -> None:
    ports = "          ports: [{containerPort: 9411}, {containerPort: 16686}]\n"
    svc_ports = "    - {port: 14268, targetPort: 14268}\n    - {port: 9411}\n"
    root = write_tree(
        tmp_path / "a",
        {
            "j.yaml": deployment("jaeger", "app: j", ports)
            + service("collector", "app: j", svc_ports)
        },
    )
    assert _k8s(root, "K8S002") == []  # 9411 matches: 14268 is merely undeclared
    root = write_tree(
        tmp_path / "b",
        {
            "j.yaml": deployment("jaeger", "app: j", ports)
            + service("c", "app: j", "    - {port: 80}\n")
        },
    )
    (f,) = _k8s(root, "K8S002")
    assert "targetPort 80" in f.message and "9411, 16686" in f.message
    root = write_tree(
        tmp_path / "c",
        {"j.yaml": deployment("jaeger", "app: j") + service("c", "app: j", "    - {port: 80}\n")},
    )
    assert _k8s(root, "K8S002") == []  # the pods declare no ports at all


def test_nearest_copy_decides(tmp_path: Path) -> None:
    """A release bundle and a base directory hold two copies of the app; the Service is
    checked against the copy applied with it."""
    good = deployment("api", "app: api", "          ports: [{name: http, containerPort: 8000}]\n")
    stale = deployment("api", "app: api", "          ports: [{name: web, containerPort: 8000}]\n")
    root = write_tree(
        tmp_path,
        {
            "release/all.yaml": good
            + service("api", "app: api", "    - {port: 80, targetPort: http}\n"),
            "base/api.yaml": stale,
        },
    )
    assert _k8s(root, "K8S002") == []
