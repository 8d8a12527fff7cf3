"""Whether a missing file is gitignored (its absence from a checkout is then intended)."""

from __future__ import annotations

import fnmatch
from pathlib import Path

from infradoctor.model.stack import Stack
from infradoctor.textio import Refusal, read_regular


def gitignored(stack: Stack, path: Path) -> bool:
    """Is `path` ignored by a .gitignore between its directory and the scan root (simple
    name/glob patterns only): then its absence from a checkout is intended."""
    root = stack.root.resolve()
    directory = path.parent
    name = path.name
    while True:
        gi = directory / ".gitignore"
        data = read_regular(gi, 1024 * 1024, root)  # the reading policy: docs/reading.md
        if not isinstance(data, Refusal):
            lines = data.decode("utf-8", "replace").splitlines()
            try:
                rel = path.relative_to(directory).as_posix()
            except ValueError:
                rel = name
            for raw in lines:
                pat = raw.strip()
                if not pat or pat.startswith(("#", "!")):
                    continue
                pat = pat.rstrip("/")
                if fnmatch.fnmatch(name, pat.lstrip("/")) or fnmatch.fnmatch(rel, pat.lstrip("/")):
                    return True
        if directory == root or directory.parent == directory:
            return False
        if root not in directory.parents:
            return False
        directory = directory.parent
