"""K8S015 aggressive-liveness-probe."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.rules.kubernetes._new_rules_helpers import pod, run


@pytest.mark.parametrize(
    ("timing", "reported"),
    [
        ("failureThreshold: 1", True),  # timeoutSeconds defaults to 1
        ("failureThreshold: 1, timeoutSeconds: 5", False),
        ("periodSeconds: 2, failureThreshold: 2", True),  # 4 s window
        ("periodSeconds: 3, failureThreshold: 3", False),  # 9 s window
        ("periodSeconds: 10", False),
    ],
)
def test_window_and_single_failure(tmp_path: Path, timing: str, reported: bool) -> None:
    live = f"          livenessProbe: {{httpGet: {{path: /livez, port: 80}}, {timing}}}\n"
    found = run(tmp_path, "K8S015", {"k8s/app.yaml": pod("app", live)})
    assert bool(found) is reported


def test_readiness_probe_is_never_checked(tmp_path: Path) -> None:
    ready = "          readinessProbe: {httpGet: {path: /r, port: 80}, failureThreshold: 1}\n"
    assert run(tmp_path, "K8S015", {"k8s/app.yaml": pod("app", ready)}) == []
