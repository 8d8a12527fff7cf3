"""K8S013 liveness-same-as-readiness."""

from __future__ import annotations

from pathlib import Path

from infradoctor.findings import Severity
from tests.rules.kubernetes._new_rules_helpers import pod, run

TCP = "{tcpSocket: {port: 6379}}"


def test_identical_probes_are_reported_as_info(tmp_path: Path) -> None:
    extra = f"          readinessProbe: {TCP}\n          livenessProbe: {TCP}\n"
    found = run(tmp_path, "K8S013", {"k8s/redis.yaml": pod("redis", extra)})
    assert [(f.severity, f.location.line) for f in found] == [(Severity.INFO, 16)]


def test_different_threshold_is_not_identical(tmp_path: Path) -> None:
    live = "{tcpSocket: {port: 6379}, failureThreshold: 6}"
    extra = f"          readinessProbe: {TCP}\n          livenessProbe: {live}\n"
    assert run(tmp_path, "K8S013", {"k8s/redis.yaml": pod("redis", extra)}) == []


def test_liveness_alone_is_not_reported(tmp_path: Path) -> None:
    extra = f"          livenessProbe: {TCP}\n"
    assert run(tmp_path, "K8S013", {"k8s/redis.yaml": pod("redis", extra)}) == []
