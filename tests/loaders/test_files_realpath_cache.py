"""SourceReader resolves each directory once, from its parent's realpath (one lstat),
instead of a full realpath walk per directory: the walk cost grows with depth times
directories. Symlinked directories still name files by their target."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from infradoctor.loaders import files
from infradoctor.loaders.files import SourceReader
from infradoctor.model.source import FileKind, LoadError, SourceFile


def _counting(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    calls: list[str] = []
    real = files._realpath

    def counted(path: str | os.PathLike[str]) -> object:
        calls.append(os.fspath(path))
        return real(path)

    monkeypatch.setattr(files, "_realpath", counted)
    return calls


def test_nested_directories_cost_no_realpath_walk_each(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    d = tmp_path
    paths = []
    for i in range(30):
        d = d / f"d{i}"
        d.mkdir()
        (d / "compose.yaml").write_text("services: {}\n")
        paths.append(d / "compose.yaml")
    reader = SourceReader(tmp_path.resolve())
    calls = _counting(monkeypatch)
    for p in paths:
        assert isinstance(reader.read(p, FileKind.COMPOSE), SourceFile)
    # one walk for the first directory's ancestors, then one lstat per directory
    assert len(calls) <= 1, calls
    assert reader.relpath(paths[-1]) == "/".join(f"d{i}" for i in range(30)) + "/compose.yaml"


def test_symlinked_directory_names_files_by_target(tmp_path: Path) -> None:
    root = tmp_path / "root"
    (root / "real" / "sub").mkdir(parents=True)
    (root / "real" / "sub" / "nginx.conf").write_text("events {}\n")
    (root / "link").symlink_to(root / "real")
    reader = SourceReader(root.resolve())
    assert reader.relpath(root / "link" / "sub" / "nginx.conf") == "real/sub/nginx.conf"
    res = reader.read(root / "link" / "sub" / "nginx.conf", FileKind.NGINX)
    assert isinstance(res, SourceFile) and res.path == "real/sub/nginx.conf"


def test_missing_and_file_parents_still_refused(tmp_path: Path) -> None:
    (tmp_path / "plain").write_text("x\n")
    reader = SourceReader(tmp_path.resolve())
    missing = reader.read(tmp_path / "nope" / "compose.yaml", FileKind.COMPOSE)
    under_file = reader.read(tmp_path / "plain" / "compose.yaml", FileKind.COMPOSE)
    assert isinstance(missing, LoadError) and isinstance(under_file, LoadError)
    assert missing.file == "nope/compose.yaml"
    assert under_file.file == "plain/compose.yaml"
    assert missing.kind == under_file.kind == "unreadable"


def test_dangling_directory_symlink_is_refused(tmp_path: Path) -> None:
    (tmp_path / "gone").symlink_to(tmp_path / "nowhere")
    reader = SourceReader(tmp_path.resolve())
    res = reader.read(tmp_path / "gone" / "compose.yaml", FileKind.COMPOSE)
    assert isinstance(res, LoadError)
    assert (res.file, res.kind) == ("nowhere/compose.yaml", "unreadable")
