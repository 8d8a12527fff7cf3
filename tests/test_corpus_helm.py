"""The corpus's Helm charts (../shared/corpus, 223 chart files): every chart renders with
a real helm or fails with a load error naming its Chart.yaml, no crash, and every
finding lands on a line of a file the user edits (values.yaml or a template). Without
helm, values.yaml alone gives no finding that the rendered chart does not confirm."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from infradoctor.config import LintConfig
from infradoctor.engine import LintResult, lint
from infradoctor.loaders import helm as helm_loader
from tests.conftest import CORPUS
from tests.helmbin import find_helm

PROJECTS = (
    sorted(
        p
        for p in CORPUS.iterdir()
        if p.is_dir() and not p.name.startswith("_") and any(p.rglob("Chart.yaml"))
    )
    if CORPUS.is_dir()
    else []
)


@pytest.fixture(autouse=True)
def _private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


def _run(helm: str) -> dict[str, LintResult]:
    out: dict[str, LintResult] = {}
    for project in PROJECTS:
        config = LintConfig(report_unused_suppressions=False)
        config.helm = helm
        out[project.name] = lint(project, config)
    return out


def _check(result: LintResult) -> None:
    assert not [e for e in result.errors if e.kind == "internal"]
    for err in result.errors:
        if err.kind in (helm_loader.NOT_RENDERED, helm_loader.RENDER_FAILED):
            assert err.file.endswith("Chart.yaml") and err.line == 1, err
            assert "Traceback" not in err.message
    for f in result.findings:
        src = result.stack.files.get(f.location.file)
        assert src is not None, f
        assert 1 <= f.location.line <= src.text.count("\n") + 1, f


def test_corpus_has_charts() -> None:
    assert len(PROJECTS) >= 5, f"corpus charts missing at {CORPUS}"


def test_corpus_charts_render_with_helm() -> None:
    helm = find_helm()
    if helm is None:
        if os.environ.get("CI"):
            pytest.fail("no helm binary under CI: scripts/install-helm.sh must run first")
        pytest.skip("no helm binary (run scripts/install-helm.sh)")
    results = _run(helm)
    charts = sum(r.stack.helm_stats.get("charts", 0) for r in results.values())
    rendered = sum(r.stack.helm_stats.get("rendered", 0) for r in results.values())
    assert charts >= 10 and rendered >= charts - 3, (charts, rendered)
    for result in results.values():
        _check(result)
    shop = results["instana__robot-shop"]
    latest = {
        (f.location.file, f.location.line)
        for f in shop.findings
        if f.rule == "K8S008" and f.location.file.startswith("K8s/helm/")
    }
    assert latest == {("K8s/helm/values.yaml", 5)}  # image.version: latest, for every service


def test_corpus_charts_without_helm() -> None:
    results = _run("off")
    for result in results.values():
        _check(result)
        chart_files = {path for path, src in result.stack.files.items() if str(src.kind) == "helm"}
        # values.yaml alone is read only where the conventions are unambiguous: on this
        # corpus that gives no finding at all (the rendered run shows none is missed there)
        assert not [f for f in result.findings if f.location.file in chart_files]
        assert (
            sum(1 for e in result.errors if e.kind == helm_loader.NOT_RENDERED)
            == (result.stack.helm_stats["charts"])
        )
