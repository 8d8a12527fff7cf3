"""K8S023 max-unavailable-all-replicas."""

from __future__ import annotations

from pathlib import Path

import pytest

from infradoctor.rules.kubernetes.K8S023_max_unavailable_all_replicas import unavailable
from tests.rules.kubernetes._new_rules_helpers import pod, run


def strategy(replicas: str, max_unavailable: str, kind: str = "RollingUpdate") -> str:
    return (
        f"{replicas}  strategy:\n    type: {kind}\n    rollingUpdate:\n"
        f"      maxUnavailable: {max_unavailable}\n"
    )


@pytest.mark.parametrize(
    ("replicas", "max_unavailable", "reported"),
    [
        ("", "1", True),  # replicas defaults to 1
        ("  replicas: 3\n", "3", True),
        ("  replicas: 3\n", "'100%'", True),
        ("  replicas: 3\n", "'50%'", False),  # rounds down to 1
        ("  replicas: 2\n", "1", False),
        ("  replicas: 0\n", "1", False),  # scaled to zero on purpose
    ],
)
def test_max_unavailable_against_replicas(
    tmp_path: Path, replicas: str, max_unavailable: str, reported: bool
) -> None:
    text = pod("api", "", strategy(replicas, max_unavailable))
    assert bool(run(tmp_path, "K8S023", {"k8s/api.yaml": text})) is reported


def test_hpa_minimum_is_the_replica_count(tmp_path: Path) -> None:
    hpa = (
        "---\napiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata:\n"
        "  name: api\nspec:\n  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, "
        "name: api}\n  minReplicas: 3\n  maxReplicas: 6\n"
    )
    text = pod("api", "", strategy("", "1")) + hpa
    assert run(tmp_path, "K8S023", {"k8s/api.yaml": text}) == []


def test_percentages() -> None:
    assert unavailable("25%", 4) == 1
    assert unavailable("33%", 2) == 0
    assert unavailable("abc", 2) is None
