"""Variant compose files are read the way the project runs them, from `-f` lists in its
Makefile, README, scripts and CI (loaders/variants.py). The root's hint files serve every
directory with a variant: the root is globbed once per load, not once per directory
(a corpus lint globbed it 55 times); the readings stay the same (counted)."""

from __future__ import annotations

from pathlib import Path

import pytest

from infradoctor.loaders import LoadOptions, load_stack
from infradoctor.loaders import variants as variants_mod

BASE = "services:\n  app:\n    image: acme/app:1\n"
# an overlay of fragments: layered on the base unless a hint says otherwise
OVERLAY = "services:\n  app:\n    environment:\n      MODE: prod\n"


def _tree(root: Path, dirs: int) -> None:
    for i in range(dirs):
        d = root / f"svc{i}"
        d.mkdir()
        (d / "docker-compose.yml").write_text(BASE)
        (d / "docker-compose.prod.yml").write_text(OVERLAY)
    (root / "README.md").write_text("Run: docker compose -f docker-compose.prod.yml up\n")


def _globbed(root: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[list[Path], list[str]]:
    seen: list[Path] = []
    real = variants_mod._hint_files_in

    def counted(where: Path) -> list[Path]:
        seen.append(where)
        return real(where)

    monkeypatch.setattr(variants_mod, "_hint_files_in", counted)
    stack = load_stack(root, LoadOptions())
    return seen, sorted(p.name for p in stack.projects)


def test_root_hints_listed_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _tree(tmp_path, 4)
    globbed, projects = _globbed(tmp_path, monkeypatch)
    assert globbed.count(tmp_path) == 1
    assert sorted(globbed) == sorted([tmp_path, *(tmp_path / f"svc{i}" for i in range(4))])
    # the README runs the variant alone: each directory gets a standalone reading too
    assert len(projects) == 8


def test_same_lists_with_and_without_the_memo(tmp_path: Path) -> None:
    _tree(tmp_path, 2)
    listed: dict[Path, list[Path]] = {}
    for i in range(2):
        directory = tmp_path / f"svc{i}"
        shared = variants_mod.compose_file_lists(tmp_path, directory, {}, listed)
        alone = variants_mod.compose_file_lists(tmp_path, directory)
        assert shared == alone == [["docker-compose.prod.yml"]]
