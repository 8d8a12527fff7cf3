"""Charts whose Chart.yaml lists dependencies (loaders/helm_deps.py), rendered with a
real helm and never a network access: a vendored subchart is used as is, a `file://`
dependency in the tree is staged into a private copy, a remote one is listed in
`stats.skipped` by name and the chart's own templates are rendered without it (partial).
The user's tree is never written to. The helm binary comes from scripts/install-helm.sh."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from tests.conftest import write_tree

from infradoctor.loaders import LoadOptions, load_stack
from infradoctor.loaders import helm as helm_loader

REPO = Path(__file__).resolve().parents[2]

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Chart.Name }}
spec:
  replicas: 2
  selector:
    matchLabels:
      app: {{ .Chart.Name }}
  template:
    metadata:
      labels:
        app: {{ .Chart.Name }}
    spec:
      containers:
        - name: {{ .Chart.Name }}
          image: "{{ .Values.image }}"
"""


def _chart(name: str, deps: str = "", image: str = "ghcr.io/acme/app:1.0") -> dict[str, str]:
    chart_yaml = f"apiVersion: v2\nname: {name}\nversion: 0.1.0\n"
    if deps:
        chart_yaml += "dependencies:\n" + deps
    return {
        "Chart.yaml": chart_yaml,
        "values.yaml": f"image: {image}\n",
        "templates/deployment.yaml": DEPLOYMENT,
    }


def _tree(root: Path, charts: dict[str, dict[str, str]]) -> Path:
    files = {f"{d}/{rel}": text for d, chart in charts.items() for rel, text in chart.items()}
    return write_tree(root, files)


def _helm() -> str | None:
    for candidate in (os.environ.get("INFRADOCTOR_HELM"), str(REPO / ".ci-bin" / "helm")):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return shutil.which("helm")


@pytest.fixture
def helm_bin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(helm_loader, "_memory_cache", {})
    found = _helm()
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("no helm binary under CI: scripts/install-helm.sh must run first")
        pytest.skip("no helm binary (run scripts/install-helm.sh)")
    return found


def _snapshot(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*")}


LOCAL_DEP = "  - name: db\n    version: 0.1.0\n    repository: file://../db\n"
REMOTE_DEP = (
    "  - name: postgresql\n    version: 16.7.4\n"
    "    repository: oci://registry-1.docker.io/bitnamicharts\n"
    "    condition: postgresql.enabled\n"
)


def test_file_dependency_is_rendered_from_a_private_copy(tmp_path: Path, helm_bin: str) -> None:
    root = _tree(tmp_path / "s", {"app": _chart("app", LOCAL_DEP), "db": _chart("db")})
    before = _snapshot(root)
    stack = load_stack(root, LoadOptions(helm=helm_bin))
    assert not [e for e in stack.errors if e.kind in ("render-failed", "not-rendered")]
    # the app chart renders its own Deployment and the db subchart's; db alone once more
    refs = sorted((o.name, o.file) for o in stack.k8s)
    assert ("app", "app/templates/deployment.yaml") in refs
    assert sum(1 for name, _ in refs if name == "db") == 2
    assert not any(o.partial for o in stack.k8s)
    assert stack.helm_stats["dependencies_local"] == 1
    assert stack.helm_stats["dependencies_missing"] == 0
    assert not stack.skipped
    assert _snapshot(root) == before  # no charts/, no Chart.lock written into the tree


def test_remote_dependency_is_listed_and_the_chart_rendered_without_it(
    tmp_path: Path, helm_bin: str
) -> None:
    root = _tree(tmp_path / "s", {"app": _chart("app", REMOTE_DEP, "ghcr.io/acme/app:latest")})
    before = _snapshot(root)
    stack = load_stack(root, LoadOptions(helm=helm_bin))
    assert not [e for e in stack.errors if e.kind == "render-failed"]
    (app,) = stack.k8s
    assert app.name == "app" and app.partial  # postgresql's objects are not there
    (entry,) = stack.skipped
    assert (entry.path, entry.line, entry.kind) == ("app/Chart.yaml", 5, "chart")
    assert "'postgresql' (oci://registry-1.docker.io/bitnamicharts)" in entry.reason
    assert "rendered without it" in entry.reason
    assert stack.helm_stats["dependencies_missing"] == 1
    assert _snapshot(root) == before
    assert app.workload is not None
    (container,) = app.workload.pod.containers
    assert container.image == "ghcr.io/acme/app:latest"
    assert container.image_location is not None
    assert (container.image_location.file, container.image_location.line) == (
        "app/values.yaml",
        1,
    )


def test_vendored_dependency_needs_no_staging(tmp_path: Path, helm_bin: str) -> None:
    vendored = {f"charts/db/{rel}": text for rel, text in _chart("db").items()}
    root = _tree(tmp_path / "s", {"app": _chart("app", LOCAL_DEP) | vendored})
    stack = load_stack(root, LoadOptions(helm=helm_bin))
    assert sorted(o.name for o in stack.k8s) == ["app", "db"]
    assert stack.helm_stats["dependencies_local"] == 0
    assert not stack.skipped and not any(o.partial for o in stack.k8s)


def test_without_helm_a_missing_dependency_is_still_named(tmp_path: Path) -> None:
    root = _tree(tmp_path / "s", {"app": _chart("app", REMOTE_DEP)})
    stack = load_stack(root, LoadOptions(helm="off"))
    assert [e.kind for e in stack.errors] == ["not-rendered"]
    (entry,) = stack.skipped
    assert "'postgresql'" in entry.reason and "rendered without it" not in entry.reason


def test_file_dependency_outside_the_tree_is_missing(tmp_path: Path, helm_bin: str) -> None:
    write_tree(tmp_path / "outside", _chart("db"))
    dep = "  - name: db\n    version: 0.1.0\n    repository: file://../../outside\n"
    root = _tree(tmp_path / "s", {"app": _chart("app", dep)})
    stack = load_stack(root, LoadOptions(helm=helm_bin))
    assert [o.name for o in stack.k8s] == ["app"]  # never read from outside the root
    assert "'db' (file://../../outside)" in stack.skipped[0].reason
