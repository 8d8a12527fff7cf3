"""K8S016 hpa-max-not-above-min."""

from __future__ import annotations

from pathlib import Path

import pytest

from infradoctor.findings import Severity
from tests.rules.kubernetes._new_rules_helpers import run


def hpa(bounds: str) -> str:
    return (
        "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: api\n"
        "spec:\n  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: api}\n"
        f"{bounds}"
    )


@pytest.mark.parametrize(
    ("bounds", "severity"),
    [
        ("  minReplicas: 4\n  maxReplicas: 2\n", Severity.ERROR),
        ("  minReplicas: 3\n  maxReplicas: 3\n", Severity.WARNING),
        ("  maxReplicas: 1\n", Severity.WARNING),  # minReplicas defaults to 1
        ("  minReplicas: 2\n  maxReplicas: 5\n", None),
        ("  minReplicas: 2\n", None),  # no maxReplicas: the API server complains, not us
    ],
)
def test_bounds(tmp_path: Path, bounds: str, severity: Severity | None) -> None:
    found = run(tmp_path, "K8S016", {"k8s/hpa.yaml": hpa(bounds)})
    assert [f.severity for f in found] == ([severity] if severity else [])
    if found:
        assert found[0].location.line == 6 + bounds.count("\n")
