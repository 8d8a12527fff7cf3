"""`fix` builds each Dockerfile's model once per text (issue 8, parsecache.dockerfile):
the lints of a fix run share it; a plain lint keeps nothing. Counted, never timed."""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from infradoctor import parsecache
from infradoctor.config import LintConfig
from infradoctor.engine import lint
from infradoctor.fixes.apply import preview_fixes
from infradoctor.loaders import dockerfile as dockerfile_loader

REPO = Path(__file__).resolve().parents[1]


def _count(monkeypatch: pytest.MonkeyPatch) -> Counter[tuple[str, str]]:
    built: Counter[tuple[str, str]] = Counter()
    load = dockerfile_loader.load_dockerfile

    def counted(src: Any) -> Any:
        built[(src.path, src.text)] += 1
        return load(src)

    monkeypatch.setattr(dockerfile_loader, "load_dockerfile", counted)
    return built


def test_fix_builds_each_dockerfile_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "d"
    shutil.copytree(REPO / "examples" / "drawing-app", root)
    built = _count(monkeypatch)
    run = preview_fixes(root, LintConfig())
    assert run.passes >= 1 and run.applied
    dockerfiles = {path for path, _ in built}
    assert len(dockerfiles) >= 4
    assert set(built.values()) == {1}, built
    assert parsecache._active is None


def test_a_changed_dockerfile_is_built_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "d"
    root.mkdir()
    (root / "Dockerfile").write_text('FROM python:3.12-slim\nCMD ["python", "app.py"]\n')
    built = _count(monkeypatch)
    with parsecache.sharing():
        first = lint(root, LintConfig())
        (root / "Dockerfile").write_text('FROM python:3.12-slim\nUSER app\nCMD ["python"]\n')
        second = lint(root, LintConfig())
    assert sorted(built.values()) == [1, 1]
    assert first.stack.dockerfiles["Dockerfile"].user is None
    user = second.stack.dockerfiles["Dockerfile"].user
    assert user is not None and user.value == "app"


def test_plain_lints_build_every_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "d"
    root.mkdir()
    (root / "Dockerfile").write_text("FROM python:3.12-slim\n")
    built = _count(monkeypatch)
    lint(root, LintConfig())
    lint(root, LintConfig())
    assert list(built.values()) == [2]
