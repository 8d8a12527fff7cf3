"""K8S040 hpas-share-target: two HPAs on one workload (podinfo's deploy/webapp has it)."""

from __future__ import annotations

from pathlib import Path

from infradoctor.findings import Severity
from tests.rules.kubernetes._new_rules_helpers import pod, run


def _hpa(name: str, target: str, namespace: str = "") -> str:
    ns = f"  namespace: {namespace}\n" if namespace else ""
    return (
        "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata:\n"
        f"  name: {name}\n{ns}spec:\n  scaleTargetRef:\n    apiVersion: apps/v1\n"
        f"    kind: Deployment\n    name: {target}\n  minReplicas: 2\n  maxReplicas: 4\n"
    )


def _ns(text: str, namespace: str) -> str:
    return text.replace("metadata:\n  name: ", f"metadata:\n  namespace: {namespace}\n  name: ", 1)


def test_copied_hpa_in_a_sibling_directory(tmp_path: Path) -> None:
    """The podinfo shape: frontend/hpa.yaml still targets backend (same namespace)."""
    tree = {
        "webapp/backend/deployment.yaml": _ns(pod("backend", ""), "webapp"),
        "webapp/backend/hpa.yaml": _hpa("backend", "backend", "webapp"),
        "webapp/frontend/deployment.yaml": _ns(pod("frontend", ""), "webapp"),
        "webapp/frontend/hpa.yaml": _hpa("frontend", "backend", "webapp"),
    }
    (f,) = run(tmp_path, "K8S040", tree)
    assert f.severity is Severity.ERROR
    assert f.location.file == "webapp/frontend/hpa.yaml" and f.location.line == 10
    assert "'backend' and 'frontend' both scale Deployment 'backend'" in f.message
    assert "did it mean Deployment 'frontend'" in f.message
    assert f.related[0].file == "webapp/backend/hpa.yaml"


def test_no_hint_when_the_named_workload_is_scaled(tmp_path: Path) -> None:
    tree = {
        "k8s/app.yaml": pod("web", "") + "---\n" + _hpa("web", "web") + "---\n"
        + _hpa("web-extra", "web"),
    }  # fmt: skip
    (f,) = run(tmp_path, "K8S040", tree)
    assert "web-extra" in f.message and "did it mean" not in f.message


def test_one_hpa_per_workload(tmp_path: Path) -> None:
    tree = {
        "k8s/app.yaml": pod("web", "") + "---\n" + pod("api", "") + "---\n"
        + _hpa("web", "web") + "---\n" + _hpa("api", "api"),
    }  # fmt: skip
    assert run(tmp_path, "K8S040", tree) == []


def test_copies_in_other_namespaces_or_projects_do_not_fight(tmp_path: Path) -> None:
    tree = {
        "staging/app.yaml": _ns(pod("web", ""), "staging") + "---\n"
        + _hpa("web", "web", "staging"),
        "prod/app.yaml": _ns(pod("web", ""), "prod") + "---\n" + _hpa("web", "web", "prod"),
        "other/app.yaml": pod("web", "") + "---\n" + _hpa("web", "web"),
    }  # fmt: skip
    assert run(tmp_path, "K8S040", tree) == []
