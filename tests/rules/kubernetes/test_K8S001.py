"""K8S001 service-selects-no-pods: its tests, gathered from the rule test modules by rule code."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import write_tree
from tests.rules.kubernetes.test_kubernetes_helpers import _k8s, deployment, service


def test_selector_mismatch_hint_and_no_workloads_nearby(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path / "a",
        {
            "k8s/app.yaml": deployment(
                "web", "app: web-v2", "          ports: [{containerPort: 80}]\n"
            )
            + service("web", "app: web", "    - port: 80\n"),
            "other/svc.yaml": service("db", "app: postgres", "    - port: 5432\n")[4:],
        },
    )
    findings = _k8s(root, "K8S001")
    assert len(findings) == 1  # other/ has no workloads: the db pods are deployed elsewhere
    assert "Deployment 'web' has pod labels app=web-v2" in findings[0].message
    assert findings[0].related and findings[0].related[0].line == 10  # the pod labels


def test_namespaces_keep_objects_apart(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path,
        {
            "k8s/app.yaml": deployment(
                "web",
                "app: web",
                namespace="prod",
                ports="          ports: [{containerPort: 80}]\n",
            )
            + service("web", "app: web", "    - port: 80\n", namespace="staging")
            + "\n"
            + deployment("other", "app: other", namespace="staging").replace(
                "apiVersion", "---\napiVersion", 1
            ),
        },
    )
    (f,) = _k8s(root, "K8S001")
    assert "Service 'web'" in f.message


def test_kustomize_patched_directory_is_checked_as_rendered(tmp_path: Path) -> None:
    fix = (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n"
        "  selector: {matchLabels: {app: web}}\n"
        "  template: {metadata: {labels: {app: web}}}\n"
    )
    files = {
        "overlay/kustomization.yaml": "resources: [app.yaml]\npatches:\n  - path: fix.yaml\n",
        "overlay/app.yaml": deployment("web", "app: web-v2")
        + service("web", "app: web", "    - {port: 80, targetPort: http}\n"),
        "overlay/fix.yaml": fix,
    }
    root = write_tree(tmp_path, files)
    assert [f for f in _k8s(root) if f.rule == "K8S001"] == []  # the patch fixes the labels
    (tmp_path / "overlay" / "kustomization.yaml").write_text("resources: [app.yaml]\n")
    (tmp_path / "overlay" / "fix.yaml").unlink()
    assert {f.rule for f in _k8s(root)} >= {"K8S001"}


def test_service_for_operator_pods_is_not_flagged(tmp_path: Path) -> None:
    """The Elasticsearch operator creates the pods of `quickstart`; their labels are not in
    the manifests, so a selector naming the custom resource is not a mismatch."""
    es = (
        "---\napiVersion: elasticsearch.k8s.elastic.co/v1\nkind: Elasticsearch\n"
        "metadata: {name: quickstart}\nspec:\n  version: 8.15.0\n"
    )
    svc = service(
        "es", "elasticsearch.k8s.elastic.co/cluster-name: quickstart", "    - port: 9200\n"
    )
    root = write_tree(tmp_path, {"k8s/all.yaml": deployment("kibana", "app: kibana") + es + svc})
    assert _k8s(root, "K8S001") == []
    root = write_tree(tmp_path / "b", {"k8s/all.yaml": deployment("kibana", "app: kibana") + svc})
    assert [f.rule for f in _k8s(root, "K8S001")] == ["K8S001"]
