"""`fix` parses an unchanged Kubernetes manifest, kustomize resource or Terraform file
once per run, not once per lint (issue 8, parsecache.py): a pass that edits the compose
file re-lints the tree with the documents and HCL bodies the first lint built.

No timing: parses are counted per (path, text)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from infradoctor import parsecache
from infradoctor.config import LintConfig
from infradoctor.engine import lint
from infradoctor.fixes.apply import preview_fixes, run_fixes
from infradoctor.loaders import kubernetes as k8s_loader
from infradoctor.loaders import kustomize as kustomize_loader
from infradoctor.loaders import terraform as terraform_loader

FILES = {
    "compose.yaml": "services:\n  web:\n    image: nginx:1.25\n",
    "deploy.yaml": (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n"
        "  replicas: 1\n  selector:\n    matchLabels: {app: api}\n  template:\n"
        "    metadata:\n      labels: {app: api}\n    spec:\n      containers:\n"
        "        - name: api\n          image: example/api:1.0\n"
    ),
    "k/kustomization.yaml": "resources:\n  - svc.yaml\n",
    "k/svc.yaml": (
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: api\nspec:\n"
        "  selector: {app: api}\n  ports:\n    - port: 80\n      targetPort: 8080\n"
    ),
    "tf/main.tf": 'resource "kubernetes_namespace" "apps" {\n  metadata {\n    name = "apps"\n  }\n}\n',
}


def _tree(root: Path) -> Path:
    for rel, text in FILES.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root


class Tally:
    """Manifests converted and HCL files parsed, per (path, text), while installed."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.converted: Counter[str] = Counter()
        self.hcl: Counter[str] = Counter()
        load_all, parse = k8s_loader.load_positioned_all, terraform_loader.parse

        def counted_load(src: Any, *args: Any, **kwargs: Any) -> Any:
            self.converted[src.path] += 1
            return load_all(src, *args, **kwargs)

        def counted_parse(text: str) -> Any:
            self.hcl[text] += 1
            return parse(text)

        monkeypatch.setattr(k8s_loader, "load_positioned_all", counted_load)
        monkeypatch.setattr(kustomize_loader, "load_positioned_all", counted_load)
        monkeypatch.setattr(terraform_loader, "parse", counted_parse)


def _objects(result: Any) -> list[tuple[str, str, int | None]]:
    return sorted((o.kind, o.name, o.location.line) for o in result.stack.k8s)


def test_unchanged_manifests_and_terraform_parse_once_per_fix_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _tree(tmp_path / "p")
    tally = Tally(monkeypatch)
    run = run_fixes(root, LintConfig())
    assert run.passes == 1 and run.changed_files == ["compose.yaml"]
    assert run.initial is not run.final  # two lints: before the pass and after it
    assert tally.converted == {"deploy.yaml": 1, "k/svc.yaml": 1}
    assert list(tally.hcl.values()) == [1]
    # the second lint built the same objects from the kept documents
    assert run.final is not None and run.initial is not None
    assert _objects(run.final) == _objects(run.initial)
    assert {o.name for o in run.final.stack.k8s} == {"api"}
    assert [s.path for s in run.final.stack.skipped] == [s.path for s in run.initial.stack.skipped]


def test_preview_matches_a_run_without_sharing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What the preview shows does not depend on the kept documents: the lint after the
    pass equals a fresh lint of the fixed tree (nothing shared)."""
    root = _tree(tmp_path / "p")
    run = preview_fixes(root, LintConfig())
    assert run.final is not None and run.changed_files == ["compose.yaml"]
    fixed = _tree(tmp_path / "fixed")
    (fixed / "compose.yaml").write_text(run.results["compose.yaml"])
    fresh = lint(fixed, LintConfig())
    assert [(f.rule, f.location.file, f.location.line, f.message) for f in run.final.findings] == [
        (f.rule, f.location.file, f.location.line, f.message) for f in fresh.findings
    ]
    assert _objects(run.final) == _objects(fresh)
    assert parsecache._active is None


def test_a_big_manifest_is_not_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A manifest past KEPT_MANIFEST_CHARS streams document by document in every lint (its
    documents are never all held), so it is converted once per lint."""
    root = _tree(tmp_path / "p")
    monkeypatch.setattr(parsecache, "KEPT_MANIFEST_CHARS", 100)
    tally = Tally(monkeypatch)
    run = run_fixes(root, LintConfig())
    assert run.passes == 1
    assert tally.converted["deploy.yaml"] == 2  # longer than 100 characters: not kept
    assert tally.converted["k/svc.yaml"] == 2


def test_kept_manifests_stay_within_the_budget(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Once the kept manifests add up to KEPT_MANIFESTS_TOTAL characters, no other is
    kept (documents take about 70 bytes per character): here room for the smaller one."""
    root = _tree(tmp_path / "p")
    monkeypatch.setattr(parsecache, "KEPT_MANIFESTS_TOTAL", len(FILES["k/svc.yaml"]))
    tally = Tally(monkeypatch)
    run = run_fixes(root, LintConfig())
    assert run.passes == 1
    # kustomize reads svc.yaml first (kept); deploy.yaml does not fit after it
    assert tally.converted == {"deploy.yaml": 2, "k/svc.yaml": 1}
    assert parsecache._active is None and not parsecache._kept_manifests
