"""K8S035 privilege-escalation-allowed."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.rules.kubernetes._hardening_helpers import deployment
from tests.rules.kubernetes._new_rules_helpers import run


@pytest.mark.parametrize(
    ("container_sc", "line", "said"),
    [
        ("", 13, "does not set allowPrivilegeEscalation: false"),
        ("{runAsNonRoot: true}", 15, "does not set allowPrivilegeEscalation: false"),
        ("{allowPrivilegeEscalation: true}", 15, "sets allowPrivilegeEscalation: true"),
        ("{allowPrivilegeEscalation: false}", None, ""),
        ("{privileged: true}", None, ""),  # K8S036's finding
    ],
)
def test_cases(tmp_path: Path, container_sc: str, line: int | None, said: str) -> None:
    found = run(tmp_path, "K8S035", {"k8s/api.yaml": deployment(container_sc)})
    assert [f.location.line for f in found] == ([line] if line else [])
    if found:
        assert said in found[0].message and "setuid" in found[0].message


def test_pod_level_setting_does_not_count(tmp_path: Path) -> None:
    """allowPrivilegeEscalation exists only on containers: a pod-level key is not it."""
    tree = {"k8s/api.yaml": deployment(pod_sc="{runAsNonRoot: true}")}
    assert len(run(tmp_path, "K8S035", tree)) == 1


def test_container_without_image_is_not_judged(tmp_path: Path) -> None:
    text = deployment("{allowPrivilegeEscalation: false}").replace(
        "      containers:\n", "      containers:\n        - env: [{name: A, value: b}]\n"
    )
    assert run(tmp_path, "K8S035", {"k8s/api.yaml": text}) == []
