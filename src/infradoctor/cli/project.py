"""Which stack each command-line path belongs to. Directories are stacks of their own;
file arguments (how pre-commit and editors call linters) are grouped by the project
around them: the nearest directory at or above their common ancestor that holds a
compose file, never above the git root (outside git: the current directory), else the
common ancestor itself."""

from __future__ import annotations

import os
from pathlib import Path

from infradoctor.loaders.names import COMPOSE_RE


def _has_compose(directory: Path) -> bool:
    try:
        names = os.listdir(directory)
    except OSError:
        return False
    return any(COMPOSE_RE.search(n.lower()) for n in names)


def _git_root(start: Path) -> Path | None:
    for directory in (start, *start.parents):
        if (directory / ".git").exists():
            return directory
    return None


def project_root(files: list[Path]) -> Path:
    """The directory whose stack holds `files` (absolute, resolved)."""
    common = Path(os.path.commonpath([str(f.parent) for f in files]))
    cwd = Path.cwd().resolve()
    limit = _git_root(common) or (cwd if cwd == common or cwd in common.parents else common)
    for directory in (common, *common.parents):
        if _has_compose(directory):
            return directory
        if directory == limit:
            break
    return common


def _shown(path: Path) -> str:
    return os.path.relpath(path)


def group_paths(paths: list[str]) -> list[tuple[str, set[str] | None]]:
    """(root argument, files to report relative to that root or None for all), one entry
    per stack, in the order first given; a root given twice is linted once."""
    dirs: list[str] = []
    files: list[Path] = []
    seen: set[Path] = set()
    for arg in paths:
        resolved = Path(arg).resolve()
        if resolved in seen:
            continue
        seen.add(resolved)
        if os.path.isdir(resolved):
            dirs.append(arg)
        else:
            files.append(resolved)  # a symlink: what it points to was asked for
    out: list[tuple[str, set[str] | None]] = [(d, None) for d in dirs]
    if not files:
        return out
    root = project_root(files)
    if any(Path(d).resolve() == root for d in dirs):
        return out  # the directory given covers them all
    return [*out, (_shown(root), {f.relative_to(root).as_posix() for f in files})]
