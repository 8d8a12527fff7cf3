"""`fix --diff` runs the fix loop in memory (issue 8: fix speed): nothing is copied or
written, each pass's lint reads the texts the earlier passes would write, and what it
shows is what a real run writes."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from infradoctor.config import LintConfig
from infradoctor.fixes import apply
from infradoctor.fixes.apply import preview_fixes, run_fixes
from tests.conftest import bench_synth


def _tree_state(root: Path) -> dict[str, tuple[bytes, int]]:
    return {
        str(p.relative_to(root)): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def _never(*args: Any, **kwargs: Any) -> None:
    raise AssertionError("the preview must not write or copy anything")


def test_preview_writes_nothing_and_matches_the_real_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = bench_synth().write(tmp_path / "s", "stack", 12)
    before = _tree_state(root)
    with monkeypatch.context() as m:
        m.setattr(apply, "atomic_write", _never)
        m.setattr(os, "mkdir", _never)
        m.setattr(shutil, "copyfileobj", _never)
        preview = preview_fixes(root, LintConfig())
    assert preview.passes >= 2, "the stack needs a second pass (deferred fixes)"
    assert preview.applied and not preview.refused
    assert _tree_state(root) == before
    real = run_fixes(root, LintConfig())
    assert real.results == preview.results and real.originals == preview.originals
    assert real.applied == preview.applied and real.passes == preview.passes
    assert [(f.rule, f.location) for f in real.remaining] == [
        (f.rule, f.location) for f in preview.remaining
    ]
    assert {rel: (root / rel).read_text() for rel in real.results} == preview.results


def test_later_passes_lint_the_texts_earlier_passes_would_write(tmp_path: Path) -> None:
    """The second pass edits text the first pass only held in memory (its offsets are
    those of that text, not of the file on disk)."""
    root = bench_synth().write(tmp_path / "s", "stack", 6)
    run = preview_fixes(root, LintConfig())
    assert run.passes >= 2
    assert run.final is not None
    for rel, text in run.results.items():
        src = run.final.stack.files[rel]
        assert src.text == text.replace("\r\n", "\n")
        assert (root / rel).read_text() == run.originals[rel] != text


def test_preview_still_refuses_a_symlink_out_of_the_tree(tmp_path: Path) -> None:
    outside = tmp_path / "outside.yaml"
    outside.write_text("services:\n  web:\n    image: nginx:1.25\n")
    root = tmp_path / "s"
    root.mkdir()
    (root / "compose.yaml").symlink_to(outside)
    preview = preview_fixes(root, LintConfig())
    real = run_fixes(root, LintConfig())
    assert not preview.applied and not real.applied
    assert preview.refused == real.refused
    assert outside.read_text() == "services:\n  web:\n    image: nginx:1.25\n"


def test_preview_of_a_single_file_reads_it_in_place(tmp_path: Path) -> None:
    root = tmp_path / "s"
    root.mkdir()
    compose = root / "compose.yaml"
    compose.write_text("services:\n  web:\n    image: nginx:1.25\n")
    run = preview_fixes(compose, LintConfig())
    assert run.changed_files == ["compose.yaml"]
    assert "+    restart: unless-stopped" in run.diff()
    assert compose.read_text() == "services:\n  web:\n    image: nginx:1.25\n"


PROBE = """
import contextlib, io, json, sys
from infradoctor.cli.main import main
out = io.StringIO()
with contextlib.redirect_stdout(out):
    code = main(["fix", "--diff", sys.argv[1]])
print(json.dumps({"code": code, "output": out.getvalue(), "modules": sorted(sys.modules)}))
"""


def test_preview_process_never_loads_the_writer_s_tempfile(tmp_path: Path) -> None:
    """Only a real write makes a temporary file: a `fix --diff` process does not even
    import tempfile (nor random, which tempfile imports)."""
    root = bench_synth().write(tmp_path / "s", "stack", 3)
    out = subprocess.run(
        [sys.executable, "-c", PROBE, str(root)],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    probe = json.loads(out.stdout.strip().splitlines()[-1])
    assert "+    restart: unless-stopped" in probe["output"]
    assert "tempfile" not in probe["modules"] and "random" not in probe["modules"]
