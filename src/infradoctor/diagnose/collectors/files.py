"""Files collector: the compose, nginx and Dockerfiles under PATH, copied into the
bundle (files/<relpath>) so `diagnose --from` can rebuild the static model.

Read with the lint reading policy (docs/reading.md): a symlink leading out of PATH is not
followed (a bundle is shared: it must not carry ~/.git-credentials because a `Dockerfile`
pointed there), a FIFO or device is not opened, and each skipped file is named."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from infradoctor.diagnose.evidence import Bundle

MAX_FILE_BYTES = 1024 * 1024
MAX_FILES = 500


def collect(ctx: Any, bundle: Bundle) -> str | None:
    from infradoctor.loaders.discover import discover
    from infradoctor.loaders.files import Refusal, read_regular

    given = ctx.opts.path
    if given is None:
        return None
    if not os.path.lexists(given):
        raise FileNotFoundError(f"{given}: no such file or directory")
    root = Path(os.path.abspath(given))
    if not os.path.isdir(root):
        root = Path(os.path.realpath(root))  # a single file: what the user named
    base = root if os.path.isdir(root) else root.parent
    real_base = base.resolve()
    found = discover(root)
    problems = [f"{e.file}: {e.message}" for e in found.errors]
    paths = [*found.compose, *found.nginx, *found.dockerfiles]
    for path in paths[:MAX_FILES]:
        rel = path.name if path == root else path.relative_to(base).as_posix()
        data = read_regular(path, MAX_FILE_BYTES, real_base)
        if isinstance(data, Refusal):
            problems.append(f"{rel}: skipped, {data.message}")
            continue
        bundle.put_bytes(f"files/{rel}", data)
    if len(paths) > MAX_FILES:
        problems.append(f"only the first {MAX_FILES} of {len(paths)} files")
    return "; ".join(problems) or None
