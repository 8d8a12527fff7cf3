"""K8S029 pull-always-mutable-tag."""

from __future__ import annotations

from pathlib import Path

import pytest

from infradoctor.rules.kubernetes.K8S029_pull_always_mutable_tag import moving_tag
from tests.rules.kubernetes._new_rules_helpers import run


@pytest.mark.parametrize(
    ("image", "tag"),
    [
        ("ghcr.io/acme/api:main", "main"),
        ("redis:7", "7"),
        ("eclipse-temurin:21-jre", "21-jre"),
        ("node:20.11-alpine", "20.11-alpine"),
        ("redis:7.2.4", None),
        ("ghcr.io/acme/api:3f2c9e1", None),
        ("redis:latest", None),  # K8S008's
        ("redis", None),
        ("redis:7@sha256:" + "a" * 64, None),
        ("ghcr.io/acme/api:${TAG}", None),
    ],
)
def test_moving_tags(image: str, tag: str | None) -> None:
    assert moving_tag(image) == tag


def _deploy(image: str, policy: str) -> str:
    return (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n"
        "  selector: {matchLabels: {app: api}}\n  template:\n    metadata:\n"
        "      labels: {app: api}\n    spec:\n      containers:\n        - name: api\n"
        f"          image: {image}\n{policy}"
    )


def test_only_with_pull_policy_always(tmp_path: Path) -> None:
    files = {
        "a/api.yaml": _deploy("redis:7", "          imagePullPolicy: Always\n"),
        "b/api.yaml": _deploy("redis:7", "          imagePullPolicy: IfNotPresent\n"),
        "c/api.yaml": _deploy("redis:7", ""),
    }
    found = run(tmp_path, "K8S029", files)
    assert [(f.location.file, f.location.line) for f in found] == [("a/api.yaml", 14)]
