"""kustomize over the real corpus (../shared/corpus): every root kustomization renders
without a crash, and every root the Python renderer applies fully gives the same objects,
images, replicas, probes, resources and labels as a real `kubectl kustomize`."""

from __future__ import annotations

from pathlib import Path

import pytest

from infradoctor.config import LintConfig
from infradoctor.engine import lint
from tests.conftest import CORPUS
from tests.loaders.test_kustomize import rendered_by_kubectl, rendered_by_python

KUSTOMIZE_PROJECTS = [
    "Azure-Samples__aks-store-demo",
    "GoogleCloudPlatform__microservices-demo",
    "stefanprodan__podinfo",
]


def _project(name: str) -> Path:
    project = CORPUS / name
    assert project.is_dir(), f"corpus project {name} missing at {CORPUS}"
    return project


@pytest.mark.parametrize("name", KUSTOMIZE_PROJECTS)
def test_corpus_kustomize_roots_render_without_crash(name: str) -> None:
    result = lint(_project(name), LintConfig(), with_fixes=False)
    assert not [e for e in result.errors if e.kind == "internal"], result.errors
    stats = result.stats()
    assert stats["kustomize"]["roots"] >= 3 and stats["kustomize"]["rendered"] >= 20
    rendered = [o for o in result.stack.k8s if o.file.endswith("kustomization.yaml")]
    assert rendered
    for note in stats.get("skipped", []):
        if note["kind"] == "kustomize":
            assert note["path"] in result.stack.files and ": not applied: " in note["reason"]
    for f in result.findings:
        assert f.location.file in result.stack.files, f


def test_corpus_full_renders_match_kubectl() -> None:
    """The roots with nothing left unapplied (11 in the corpus) match kubectl exactly."""
    from infradoctor.loaders import load_stack

    compared = 0
    for name in KUSTOMIZE_PROJECTS:
        project = _project(name)
        stack = load_stack(project)
        full = {
            o.file for o in stack.k8s if not o.partial and o.file.endswith("kustomization.yaml")
        }
        for root in sorted(full):
            mine = rendered_by_python(project, root)
            theirs = rendered_by_kubectl(project / Path(root).parent)
            assert mine == theirs, root
            compared += 1
    assert compared >= 11
