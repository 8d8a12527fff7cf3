"""K8S014 slow-start-without-startup-probe."""

from __future__ import annotations

from pathlib import Path

from infradoctor.findings import Severity
from tests.rules.kubernetes._new_rules_helpers import pod, run

LIVE = "          livenessProbe:\n            httpGet: {path: /health, port: 8080}\n"
JAVA = "          env:\n            - {name: JAVA_OPTS, value: -Xmx512m}\n"


def test_jvm_by_java_opts_with_default_budget_is_a_warning(tmp_path: Path) -> None:
    found = run(tmp_path, "K8S014", {"k8s/app.yaml": pod("app", JAVA + LIVE)})
    assert [f.severity for f in found] == [Severity.WARNING]
    assert "30s" in found[0].message
    assert found[0].data["liveness_budget"] == 30


def test_jvm_with_a_generous_liveness_budget_passes(tmp_path: Path) -> None:
    live = LIVE + "            initialDelaySeconds: 50\n            failureThreshold: 5\n"
    assert run(tmp_path, "K8S014", {"k8s/app.yaml": pod("app", JAVA + live)}) == []


def test_long_initial_delay_without_startup_probe_is_info(tmp_path: Path) -> None:
    live = LIVE + "            initialDelaySeconds: 150\n"
    found = run(tmp_path, "K8S014", {"k8s/app.yaml": pod("app", live)})
    assert [f.severity for f in found] == [Severity.INFO]
    assert "150" in found[0].message


def test_non_jvm_with_short_delay_passes(tmp_path: Path) -> None:
    assert run(tmp_path, "K8S014", {"k8s/app.yaml": pod("app", LIVE)}) == []


def test_startup_probe_silences_both(tmp_path: Path) -> None:
    startup = "          startupProbe: {httpGet: {path: /health, port: 8080}}\n"
    live = LIVE + "            initialDelaySeconds: 150\n"
    assert run(tmp_path, "K8S014", {"k8s/app.yaml": pod("app", JAVA + live + startup)}) == []


def test_sixty_second_delay_as_upstream_coredns_ships_passes(tmp_path: Path) -> None:
    live = LIVE + "            initialDelaySeconds: 60\n"
    assert run(tmp_path, "K8S014", {"k8s/app.yaml": pod("app", live)}) == []
