"""K8S031 secret-literal-in-env: severity by what the value looks like, never printed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from infradoctor.findings import Severity
from tests.rules.kubernetes._new_rules_helpers import pod, run

KEY = "9fQ2vL7xR4tB8mK1pZ6wN3cH"


def _env(name: str, value: str) -> str:
    return pod(
        "api", f"          env:\n            - name: {name}\n              value: '{value}'\n"
    )


@pytest.mark.parametrize(
    ("name", "value", "severity"),
    [
        ("API_TOKEN", KEY, Severity.WARNING),
        ("DB_PASSWORD", "postgres", Severity.INFO),
        ("DATABASE_URL", f"postgres://app:{KEY}@db/app", Severity.WARNING),
        ("DATABASE_URL", "postgres://app:app@db/app", Severity.INFO),
        ("DB_PASSWORD", "$(DB_PASSWORD_FROM_SECRET)", None),
        ("DB_PASSWORD", "<your-password>", None),
        ("LOG_LEVEL", KEY, None),
        ("PASSWORD_FILE", "/run/secrets/db", None),
    ],
)
def test_severity_by_value(
    tmp_path: Path, name: str, value: str, severity: Severity | None
) -> None:
    found = run(tmp_path, "K8S031", {"k8s/api.yaml": _env(name, value)})
    assert [f.severity for f in found] == ([severity] if severity else [])


def test_value_never_in_the_finding(tmp_path: Path) -> None:
    found = run(tmp_path, "K8S031", {"k8s/api.yaml": _env("API_TOKEN", KEY)})
    assert len(found) == 1
    assert KEY not in found[0].message
    assert KEY not in json.dumps(found[0].data)
    assert "24 characters" in found[0].message
