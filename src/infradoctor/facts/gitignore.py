"""Whether a missing file is gitignored (its absence from a checkout is then intended)."""

from __future__ import annotations

from pathlib import Path

from infradoctor.model.stack import Stack
from infradoctor.textio import Refusal, read_regular


def gitignored(stack: Stack, path: Path) -> bool:
    """Is `path` ignored by the .gitignore files between the scan root and its directory?
    Matched by pathspec's git-compatible rules, as discovery matches them (negation,
    anchoring, directory patterns); a deeper file's decision wins."""
    import pathspec

    root = stack.root.resolve()
    directories = [path.parent, *path.parent.parents]
    if root not in directories:
        return False
    verdict: bool | None = None
    for directory in reversed(directories[: directories.index(root) + 1]):
        data = read_regular(directory / ".gitignore", 1024 * 1024, root)  # docs/reading.md
        if isinstance(data, Refusal):
            continue
        spec = pathspec.GitIgnoreSpec.from_lines(data.decode("utf-8", "replace").splitlines())
        include = spec.check_file(path.relative_to(directory).as_posix()).include
        if include is not None:
            verdict = include
    return bool(verdict)
