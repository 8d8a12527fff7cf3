"""K8S007 k8s-memory-limit-missing: its tests, gathered from the rule test modules by rule code."""

from __future__ import annotations

from pathlib import Path

from infradoctor.findings import Severity
from tests.rules.kubernetes.test_kubernetes_helpers import RECORDED, _codes, _k8s


def test_recorded_metrics_server_and_coredns_are_clean_except_memory_limit(tmp_path: Path) -> None:
    """metrics-server (named targetPort/probe ports `https`) and coredns (probes on 8080/8181,
    which it doesn't declare) from a real k3s cluster: correct wiring, nothing to report but
    the metrics-server container's missing memory limit (K8S007, opt-in) and K8S023: k3s
    runs coredns as 1 replica with maxUnavailable 1, so a coredns rollout stops DNS."""
    (tmp_path / "kube-system.yaml").write_text(RECORDED.read_text())
    findings = [f for f in _k8s(tmp_path) if f.rule != "K8S023"]
    assert _codes(findings) == [("K8S007", "Deployment/kube-system/metrics-server:metrics-server")]
    assert findings[0].severity is Severity.INFO
    assert _codes([f for f in _k8s(tmp_path, "all") if f.rule.startswith("K8S")]) == [
        ("K8S023", "Deployment/kube-system/coredns")
    ]
