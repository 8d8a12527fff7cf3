"""loaders/kustomize.py parses each file once per load and shares the trees: a resource
keeps the parse cache's tree until a transformer of its kustomization edits it (then it is
copied), an inline patch is parsed once however many roots apply it, and the Kubernetes
loader takes the kustomization trees the renderer read instead of parsing them again.
Sharing must never let one overlay's edits show in another's objects."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from tests.conftest import write_tree

from infradoctor.loaders import LoadOptions, load_stack
from infradoctor.loaders import kustomize as kustomize_loader
from infradoctor.model.k8s import K8sObject
from infradoctor.syntax import yaml as positioned

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels:
    app: web
spec:
  replicas: 1
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
        - name: web
          image: ghcr.io/acme/web:1.0.0
"""
# one base, three overlays rendered in this order: `a` edits (namespace, labels), `b`
# edits nothing (its objects are the base's own tree), `c` edits after `b` was rendered
OVERLAYS = {
    "base/kustomization.yaml": "resources:\n  - deployment.yaml\n",
    "base/deployment.yaml": DEPLOYMENT,
    "a/kustomization.yaml": "resources:\n  - ../base\nnamespace: team-a\ncommonLabels:\n  t: a\n",
    "b/kustomization.yaml": "resources:\n  - ../base\n",
    "c/kustomization.yaml": (
        "resources:\n  - ../base\nnamePrefix: c-\nreplicas:\n  - name: web\n    count: 3\n"
    ),
}
# a component with an inline patch, used by two overlays
COMPONENT = {
    "base/kustomization.yaml": "resources:\n  - deployment.yaml\n",
    "base/deployment.yaml": DEPLOYMENT,
    "probe/kustomization.yaml": (
        "apiVersion: kustomize.config.k8s.io/v1alpha1\n"
        "kind: Component\n"
        "patches:\n"
        "  - target:\n"
        "      kind: Deployment\n"
        "    patch: |-\n"
        "      apiVersion: apps/v1\n"
        "      kind: Deployment\n"
        "      metadata:\n"
        "        name: web\n"
        "      spec:\n"
        "        template:\n"
        "          spec:\n"
        "            containers:\n"
        "              - name: web\n"
        "                image: ghcr.io/acme/web:2.0.0\n"
    ),
    "one/kustomization.yaml": "resources:\n  - ../base\ncomponents:\n  - ../probe\n",
    "two/kustomization.yaml": (
        "resources:\n  - ../base\ncomponents:\n  - ../probe\nnamespace: two\n"
    ),
}


def _by_root(objects: list[K8sObject]) -> dict[str, K8sObject]:
    return {o.file.split("/")[0]: o for o in objects if o.kind == "Deployment"}


def _count_compose(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    calls: list[str] = []
    real = yaml.compose_all

    def counting(stream: str, Loader: type) -> object:  # noqa: N803 - PyYAML's name
        calls.append(stream)
        return real(stream, Loader=Loader)

    monkeypatch.setattr(positioned.yaml, "compose_all", counting)
    return calls


def test_overlays_of_one_base_never_see_each_others_edits(tmp_path: Path) -> None:
    stack = load_stack(write_tree(tmp_path, OVERLAYS), LoadOptions(helm="off"))
    web = _by_root(stack.k8s)
    assert sorted(web) == ["a", "b", "c"]
    assert (web["a"].namespace, web["a"].name, web["a"].labels) == (
        "team-a",
        "web",
        {"app": "web", "t": "a"},
    )
    assert (web["b"].namespace, web["b"].name, web["b"].labels) == (None, "web", {"app": "web"})
    assert web["b"].workload is not None and web["b"].workload.replicas == 1
    assert (web["c"].namespace, web["c"].name, web["c"].labels) == (None, "c-web", {"app": "web"})
    assert web["c"].workload is not None and web["c"].workload.replicas == 3
    # `a`'s labels reached its pod template (a copy), not the base tree `b` reads
    assert web["a"].pod is not None and web["a"].pod.labels == {"app": "web", "t": "a"}
    assert web["b"].pod is not None and web["b"].pod.labels == {"app": "web"}


def test_each_file_is_parsed_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _count_compose(monkeypatch)
    load_stack(write_tree(tmp_path, OVERLAYS), LoadOptions(helm="off"))
    for rel, text in OVERLAYS.items():
        assert calls.count(text) == 1, rel  # kustomizations were parsed up to three times


def test_resources_no_transformer_edits_are_not_copied(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    copied: list[object] = []
    real = kustomize_loader.copy_node

    def counting(
        node: positioned.PNode, memo: dict[int, positioned.PNode] | None = None
    ) -> positioned.PNode:
        if memo is None and node.location.file == "base/deployment.yaml":
            copied.append(node)  # a whole resource (not a label or count value)
        return real(node, memo)

    monkeypatch.setattr(kustomize_loader, "copy_node", counting)
    files = {k: v for k, v in OVERLAYS.items() if not k.startswith(("a/", "c/"))}
    stack = load_stack(write_tree(tmp_path, files), LoadOptions(helm="off"))
    assert list(_by_root(stack.k8s)) == ["b"]
    assert copied == []
    copied.clear()
    load_stack(write_tree(tmp_path / "all", OVERLAYS), LoadOptions(helm="off"))
    assert len(copied) == 2  # the deployment, once for `a` and once for `c`


def test_an_inline_patch_is_parsed_once_and_applied_to_every_root(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = _count_compose(monkeypatch)
    stack = load_stack(write_tree(tmp_path, COMPONENT), LoadOptions(helm="off"))
    web = _by_root(stack.k8s)
    assert sorted(web) == ["one", "two"]
    for root in ("one", "two"):
        assert [c.image for c in web[root].containers] == ["ghcr.io/acme/web:2.0.0"], root
    assert (web["one"].namespace, web["two"].namespace) == (None, "two")
    inline = [c for c in calls if "image: ghcr.io/acme/web:2.0.0" in c and "Component" not in c]
    assert len(inline) == 1
