"""Helpers for the K8S012-K8S028 tests: lint one tree and keep one rule's findings."""

from __future__ import annotations

from pathlib import Path

from infradoctor.findings import Finding
from tests.conftest import write_tree
from tests.rules.kubernetes.test_kubernetes_helpers import _k8s


def run(tmp_path: Path, code: str, files: dict[str, str]) -> list[Finding]:
    """Findings of `code` on the tree `files`."""
    return [f for f in _k8s(write_tree(tmp_path, files), code) if f.rule == code]


def pod(name: str, container: str, spec: str = "", kind: str = "Deployment") -> str:
    """A workload `name` (no Service): `container` keys at 10 spaces, `spec` keys at 2."""
    return (
        f"apiVersion: apps/v1\nkind: {kind}\nmetadata:\n  name: {name}\nspec:\n{spec}"
        f"  selector:\n    matchLabels: {{app: {name}}}\n  template:\n    metadata:\n"
        f"      labels: {{app: {name}}}\n    spec:\n      containers:\n"
        f"        - name: {name}\n          image: ghcr.io/acme/{name}:1.0.0\n{container}"
    )
