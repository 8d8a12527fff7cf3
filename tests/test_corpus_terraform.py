"""No-crash run of the Terraform loader over every .tf file of ../shared/corpus: each
file parses or is a clean load error, kubernetes_* resources are modelled, everything
else is listed as not analysed, and the findings point at .tf lines. Prints the
numbers (files, resources modelled, skipped, findings, lines of loader code run)."""

from __future__ import annotations

from functools import partial
from pathlib import Path

import pytest

from infradoctor.config import LintConfig
from infradoctor.engine import lint
from infradoctor.loaders.discover import discover
from infradoctor.loaders.files import SourceReader
from infradoctor.loaders.terraform import load_terraform
from infradoctor.model.source import FileKind, SourceFile
from tests.conftest import CORPUS
from tests.worktally import lines_run

PROJECTS = (
    [p for p in sorted(CORPUS.iterdir()) if p.is_dir() and discover(p).terraform]
    if CORPUS.is_dir()
    else []
)


def test_corpus_terraform_files_load() -> None:
    assert len(PROJECTS) >= 3, f"corpus missing at {CORPUS}"
    files = resources = skipped = objects = chars = lines = 0
    for project in PROJECTS:
        reader = SourceReader(project.resolve(), 4 << 20, 256 << 20)
        sources = [
            r
            for r in (reader.read(p, FileKind.TERRAFORM) for p in discover(project).terraform)
            if isinstance(r, SourceFile)
        ]
        result, run = lines_run(partial(load_terraform, sources, reader))
        lines += run
        chars += sum(len(s.text) for s in sources)
        for err in result.errors:  # every problem names the file and line
            assert err.file and err.line is not None and "Traceback" not in err.message, err
        files += len(sources)
        resources += result.resources
        skipped += len(result.skipped)
        objects += len(result.objects)
        for obj in result.objects:
            assert obj.file.endswith(".tf") and obj.location.line >= 1
    print(
        f"\nterraform corpus: files={files} resources_modelled={resources} "
        f"k8s_objects={objects} skipped={skipped} chars={chars} lines_run={lines}"
    )
    assert files >= 170 and resources >= 40 and skipped >= 1
    # Work is counted, not timed: about 4 lines of loader code per input character
    # here; a rescan per block or per token (quadratic) is far past 25.
    assert lines <= 25 * chars, (lines, chars)


@pytest.mark.parametrize("project", PROJECTS, ids=lambda p: p.name)
def test_corpus_terraform_project_lints(project: Path) -> None:
    result = lint(project, LintConfig())
    assert not [e for e in result.errors if e.kind == "internal"]
    tf_findings = [f for f in result.findings if f.location.file.endswith(".tf")]
    for f in tf_findings:
        src = result.stack.files[f.location.file]
        assert 1 <= f.location.line <= len(src.line_starts), f
    print(f"\n{project.name}: {len(tf_findings)} findings at .tf lines")
