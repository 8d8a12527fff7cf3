"""K8S038 pod-capabilities-not-dropped."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.rules.kubernetes._hardening_helpers import deployment
from tests.rules.kubernetes._new_rules_helpers import run


@pytest.mark.parametrize(
    ("container_sc", "reported"),
    [
        ("", True),
        ("{capabilities: {drop: [NET_RAW]}}", True),
        ("{capabilities: {add: [NET_ADMIN]}}", True),
        ("{capabilities: {drop: [ALL]}}", False),
        ("{capabilities: {drop: [all], add: [NET_BIND_SERVICE]}}", False),
        ("{capabilities: {drop: [CAP_ALL]}}", False),
        ("{privileged: true}", False),  # K8S036's finding
    ],
)
def test_cases(tmp_path: Path, container_sc: str, reported: bool) -> None:
    found = run(tmp_path, "K8S038", {"k8s/api.yaml": deployment(container_sc)})
    assert bool(found) is reported
    if found:
        assert "drop: [ALL]" in found[0].message


def test_points_at_the_drop_list(tmp_path: Path) -> None:
    text = deployment().replace(
        "          image: ghcr.io/acme/api:2.4.1\n",
        "          image: ghcr.io/acme/api:2.4.1\n          securityContext:\n"
        "            capabilities:\n              drop:\n                - NET_RAW\n",
    )
    (f,) = run(tmp_path, "K8S038", {"k8s/api.yaml": text})
    assert f.location.line == 18
