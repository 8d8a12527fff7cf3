"""Kubernetes rules over the real manifests of the corpus (../shared/corpus): every
Kubernetes file is loaded, cross-object rules stay quiet on correct apps, and the one real
wiring bug we know of (sock-shop's HPA `cart` for the Deployment `carts`) is found."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from infradoctor.config import LintConfig
from infradoctor.engine import lint
from infradoctor.loaders.discover import discover
from tests.conftest import CORPUS, require_corpus

K8S_PROJECTS = [
    "Azure-Samples__aks-store-demo",
    "GoogleCloudPlatform__microservices-demo",
    "dockersamples__example-voting-app",
    "instana__robot-shop",
    "kubernetes__examples",
    "microservices-demo__microservices-demo",
    "stefanprodan__podinfo",
]
CROSS_OBJECT = ("K8S001", "K8S002", "K8S003", "K8S005", "K8S009", "K8S010", "K8S011")


def _lint(name: str):
    project = require_corpus(CORPUS / name)
    return project, lint(
        project, LintConfig(select=["K8S"], report_unused_suppressions=False), with_fixes=False
    )


@pytest.mark.parametrize("name", K8S_PROJECTS)
def test_every_manifest_loads(name: str) -> None:
    project, result = _lint(name)
    # kustomize steps not applied and charts rendered without helm are listed notes
    # (tests/loaders/test_kustomize.py, test_helm.py), not errors
    notes = {"not-applied", "not-rendered"}
    assert not [e for e in result.errors if e.kind not in notes], result.errors
    for path in discover(project).k8s:
        rel = path.relative_to(project).as_posix()
        assert rel in result.stack.files and result.stack.files[rel].text, rel
    assert sum(1 for o in result.stack.k8s if o.workload is not None) >= 2


@pytest.mark.parametrize(
    "name", [n for n in K8S_PROJECTS if n != "microservices-demo__microservices-demo"]
)
def test_no_cross_object_findings_on_correct_apps(name: str) -> None:
    _, result = _lint(name)
    noisy = [
        f"{f.rule} {f.location}: {f.message}" for f in result.findings if f.rule in CROSS_OBJECT
    ]
    assert not noisy, noisy


def test_sock_shop_hpa_names_a_missing_deployment() -> None:
    _, result = _lint("microservices-demo__microservices-demo")
    counts = Counter(f.rule for f in result.findings if f.rule in CROSS_OBJECT)
    assert counts == {"K8S011": 1}, counts
    (f,) = [f for f in result.findings if f.rule == "K8S011"]
    assert (f.file, f.line) == ("deploy/kubernetes/autoscaling/cart-hsc.yaml", 11)  # name: cart
    assert "did you mean 'carts'" in f.message


def test_services_find_their_pods_in_the_corpus() -> None:
    """Every Service with a selector in these apps selects a workload (the nearest copy)."""
    from infradoctor.rules.kubernetes._k8s import selected_workloads

    for name in K8S_PROJECTS:
        _, result = _lint(name)
        stack = result.stack
        lonely = [
            s.ref
            for s in stack.k8s
            if s.service is not None
            and s.service.selector is not None
            and not selected_workloads(stack, s)
        ]
        assert not lonely, (name, lonely)


def test_suppression_comment_in_a_manifest(tmp_path: Path) -> None:
    text = (
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n"
        "    - name: a\n      # infradoctor: ignore[K8S008]\n      image: redis\n"
        "    - {name: b, image: 'nginx:latest'}\n"
    )
    (tmp_path / "pod.yaml").write_text(text)
    result = lint(tmp_path, LintConfig(select=["K8S008"]), with_fixes=False)
    assert [f.data["container"] for f in result.findings] == ["b"]
    assert len(result.suppressed) == 1
