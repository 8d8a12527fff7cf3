"""K8S039 host-namespace-shared."""

from __future__ import annotations

from pathlib import Path

from tests.rules.kubernetes._hardening_helpers import deployment
from tests.rules.kubernetes._new_rules_helpers import run


def test_each_shared_namespace_at_its_line(tmp_path: Path) -> None:
    extra = "      hostNetwork: true\n      hostPID: true\n      hostIPC: false"
    found = run(tmp_path, "K8S039", {"k8s/api.yaml": deployment(pod_extra=extra)})
    assert [(f.location.line, f.subject) for f in found] == [
        (12, "Deployment/api:hostNetwork"),
        (13, "Deployment/api:hostPID"),
    ]
    assert "node's network" in found[0].message and "node agent" not in found[0].message


def test_daemonset_note(tmp_path: Path) -> None:
    text = deployment(kind="DaemonSet", pod_extra="      hostNetwork: true")
    (f,) = run(tmp_path, "K8S039", {"k8s/agent.yaml": text})
    assert "node agent" in f.message


def test_none(tmp_path: Path) -> None:
    assert run(tmp_path, "K8S039", {"k8s/api.yaml": deployment()}) == []
