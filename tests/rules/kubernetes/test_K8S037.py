"""K8S037 writable-root-filesystem."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.rules.kubernetes._hardening_helpers import deployment
from tests.rules.kubernetes._new_rules_helpers import run


@pytest.mark.parametrize(
    ("container_sc", "line"),
    [
        ("", 13),
        ("{runAsNonRoot: true}", 15),
        ("{readOnlyRootFilesystem: false}", 15),
        ("{readOnlyRootFilesystem: true}", None),
    ],
)
def test_cases(tmp_path: Path, container_sc: str, line: int | None) -> None:
    found = run(tmp_path, "K8S037", {"k8s/api.yaml": deployment(container_sc)})
    assert [f.location.line for f in found] == ([line] if line else [])
    if found:
        assert "writable root filesystem" in found[0].message


def test_explicit_false_points_at_the_value(tmp_path: Path) -> None:
    (f,) = run(tmp_path, "K8S037", {"k8s/api.yaml": deployment("{readOnlyRootFilesystem: false}")})
    assert f.location.column > 30  # the `false`, not the container
    assert "(readOnlyRootFilesystem: false)" in f.message
