"""K8S032 cronjob-without-limits."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.rules.kubernetes._new_rules_helpers import run


def cron(settings: str) -> str:
    return (
        "apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: report\nspec:\n"
        f"  schedule: '0 * * * *'\n{settings}  jobTemplate:\n    spec:\n      template:\n"
        "        spec:\n          containers:\n            - name: r\n"
        "              image: ghcr.io/acme/r:1.0.0\n"
    )


@pytest.mark.parametrize(
    ("settings", "missing"),
    [
        ("", ["concurrencyPolicy", "startingDeadlineSeconds"]),
        ("  concurrencyPolicy: Forbid\n", ["startingDeadlineSeconds"]),
        ("  concurrencyPolicy: Allow\n  startingDeadlineSeconds: 60\n", []),
    ],
)
def test_missing_settings_are_named(tmp_path: Path, settings: str, missing: list[str]) -> None:
    found = run(tmp_path, "K8S032", {"k8s/cron.yaml": cron(settings)})
    assert [f.data["missing"] for f in found] == ([missing] if missing else [])
    if found:
        assert found[0].location.line == 4
