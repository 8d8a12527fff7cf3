"""K8S008 k8s-image-tag-latest: its tests, gathered from the rule test modules by rule code."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import write_tree
from tests.rules.kubernetes.test_kubernetes_helpers import _k8s


def test_image_tag_managed_by_kustomize_or_skaffold(tmp_path: Path) -> None:
    pod = (
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n"
        "    - {name: a, image: frontend}\n    - {name: b, image: 'redis:latest'}\n"
        "    - {name: c, image: cartservice}\n"
    )
    root = write_tree(
        tmp_path,
        {
            "k8s/p.yaml": pod,
            "k8s/kustomization.yaml": "resources: [p.yaml]\nimages:\n  - name: cartservice\n"
            "    newTag: v1.2.3\n",
            "skaffold.yaml": "apiVersion: skaffold/v4beta6\nkind: Config\nbuild:\n  artifacts:\n"
            "    - image: frontend\n      context: src/frontend\n",
        },
    )
    assert [f.data["container"] for f in _k8s(root, "K8S008")] == ["b"]
