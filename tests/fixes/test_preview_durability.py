"""`fix` makes what it writes durable (fsync of the file and its directory); the
`--diff` preview writes a throwaway copy and skips the fsyncs (issue 8: fix speed)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from infradoctor.config import LintConfig
from infradoctor.fixes import write
from infradoctor.fixes.apply import preview_fixes, run_fixes

COMPOSE = "services:\n  web:\n    image: nginx:1.25\n"


def _fsyncs(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    real = os.fsync

    def counted(fd: int) -> None:
        calls.append(fd)
        real(fd)

    monkeypatch.setattr(write.os, "fsync", counted)
    return calls


@pytest.mark.parametrize("preview", [False, True])
def test_only_real_writes_are_fsynced(
    preview: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "s"
    root.mkdir()
    (root / "compose.yaml").write_text(COMPOSE)
    calls = _fsyncs(monkeypatch)
    run = (preview_fixes if preview else run_fixes)(root, LintConfig())
    assert run.applied and run.changed_files == ["compose.yaml"]
    assert (root / "compose.yaml").read_text() == (
        COMPOSE if preview else run.results["compose.yaml"]
    )
    assert (len(calls) == 0) if preview else (len(calls) >= 2)
