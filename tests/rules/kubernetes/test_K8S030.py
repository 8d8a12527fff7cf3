"""K8S030 host-path-container-socket."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.rules.kubernetes._new_rules_helpers import pod, run


def _with_host_path(path: str) -> str:
    return pod("agent", "", kind="DaemonSet") + (
        f"      volumes:\n        - name: v\n          hostPath:\n            path: {path}\n"
    )


@pytest.mark.parametrize(
    ("path", "reported"),
    [
        ("/var/run/docker.sock", True),
        ("/run/containerd/containerd.sock", True),
        ("/var/log", False),
        ("/var/run/docker.sock.d/notes", False),
    ],
)
def test_runtime_sockets(tmp_path: Path, path: str, reported: bool) -> None:
    found = run(tmp_path, "K8S030", {"k8s/agent.yaml": _with_host_path(path)})
    assert bool(found) is reported
    if found:
        assert found[0].location.line == 18 and found[0].category == "security"
