"""No-crash check of the fix loop over the real-world corpus (../shared/corpus): every
project is fixed (safe and unsafe fixes) in a temporary copy, every fixed file still
parses, nothing is refused, a second run changes nothing, and the `--diff` preview of
the project (in memory, nothing written) shows exactly what the real run wrote."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from infradoctor.config import LintConfig
from infradoctor.fixes.apply import MAX_PASSES, preview_fixes, run_fixes
from infradoctor.loaders.dockerfile import load_dockerfile
from infradoctor.loaders.files import SourceReader
from infradoctor.loaders.nginx import load_nginx_configs
from infradoctor.model.source import FileKind, SourceFile
from tests.conftest import CORPUS, require_corpus

PROJECTS = (
    sorted(p for p in CORPUS.iterdir() if p.is_dir() and not p.name.startswith("_"))
    if CORPUS.is_dir()
    else []
)
CONFIG = LintConfig(report_unused_suppressions=False)
# not copied: version control and tool caches (no infra file of interest lives there)
COPY_IGNORE = (".git", "node_modules", ".venv", "venv", "__pycache__")


def test_corpus_present() -> None:
    require_corpus()
    assert len(PROJECTS) >= 30, f"corpus missing at {CORPUS}"


def _nginx_errors(root: Path, rel: str) -> list[str]:
    reader = SourceReader(root)
    src = reader.read(root / rel, FileKind.NGINX)
    assert isinstance(src, SourceFile)
    _, errors = load_nginx_configs([src], reader)
    return [e.message for e in errors if e.kind == "parse-error"]


def _still_parses(original: Path, fixed: Path, rel: str, kind: str) -> None:
    text = (fixed / rel).read_text()
    if kind == "compose":
        list(yaml.compose_all(text, Loader=yaml.CSafeLoader))
    elif kind == "nginx":
        assert _nginx_errors(fixed, rel) == _nginx_errors(original, rel), rel
    elif kind == "dockerfile":
        reader = SourceReader(fixed)
        src = reader.read(fixed / rel, FileKind.DOCKERFILE)
        assert isinstance(src, SourceFile)
        df, _ = load_dockerfile(src)
        assert df is not None and df.final is not None, rel


@pytest.mark.parametrize("project", PROJECTS, ids=lambda p: p.name)
def test_corpus_project_fixes_cleanly(project: Path, tmp_path: Path) -> None:
    root = tmp_path / project.name
    shutil.copytree(project, root, symlinks=True, ignore=shutil.ignore_patterns(*COPY_IGNORE))
    preview = preview_fixes(root, CONFIG, unsafe=True)
    run = run_fixes(root, CONFIG, unsafe=True)
    assert not run.refused, run.refused
    assert preview.results == run.results and preview.originals == run.originals
    assert preview.applied == run.applied and preview.passes == run.passes
    assert [f.rule for f in preview.remaining] == [f.rule for f in run.remaining]
    assert run.final is not None
    assert not [e for e in run.final.errors if e.kind == "internal"]
    kinds = {rel: str(src.kind) for rel, src in run.final.stack.files.items()}
    for rel in run.changed_files:
        _still_parses(project, root, rel, kinds.get(rel, ""))
    if run.passes < MAX_PASSES:
        again = run_fixes(root, CONFIG, unsafe=True)
        assert not again.applied, [(a.rule, a.files) for a in again.applied]
