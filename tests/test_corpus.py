"""No-crash check over the real-world corpus (../shared/corpus): every project lints,
every infra file either loads or yields a clean load-error entry naming the file, and no
rule crashes."""

from __future__ import annotations

from pathlib import Path

import pytest

from infradoctor.config import LintConfig
from infradoctor.engine import lint
from infradoctor.loaders.discover import discover
from tests.conftest import CORPUS, require_corpus

PROJECTS = (
    sorted(p for p in CORPUS.iterdir() if p.is_dir() and not p.name.startswith("_"))
    if CORPUS.is_dir()
    else []
)


def test_corpus_present() -> None:
    require_corpus()
    assert len(PROJECTS) >= 30, f"corpus missing at {CORPUS}"


@pytest.mark.parametrize("project", PROJECTS, ids=lambda p: p.name)
def test_corpus_project_lints_without_crash(project: Path) -> None:
    result = lint(project, LintConfig())
    internal = [e for e in result.errors if e.kind == "internal"]
    assert not internal, internal
    for err in result.errors:
        assert err.file and err.message, err
        assert "Traceback" not in err.message
    found = discover(project)
    error_files = {e.file for e in result.errors}
    for path in found.compose + found.nginx + found.dockerfiles:
        rel = path.relative_to(project).as_posix()
        assert rel in result.stack.files or rel in error_files, rel
    for f in result.findings:
        assert f.location.line >= 1
        assert f.location.file in result.stack.files or f.rule == "IDX001", f
