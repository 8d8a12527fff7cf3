"""Files collector: the compose, nginx and Dockerfiles under PATH, copied into the
bundle (files/<relpath>) so `diagnose --from` can rebuild the static model."""

from __future__ import annotations

from typing import Any

from infradoctor.diagnose.evidence import Bundle

MAX_FILE_BYTES = 1024 * 1024
MAX_FILES = 500


def collect(ctx: Any, bundle: Bundle) -> str | None:
    from infradoctor.loaders.discover import discover

    root = ctx.opts.path
    if root is None:
        return None
    if not root.exists():
        raise FileNotFoundError(f"{root}: no such file or directory")
    found = discover(root)
    problems = [f"{e.file}: {e.message}" for e in found.errors]
    paths = [*found.compose, *found.nginx, *found.dockerfiles]
    for path in paths[:MAX_FILES]:
        rel = path.name if path == root else path.relative_to(root).as_posix()
        try:
            size = path.stat().st_size
            if size > MAX_FILE_BYTES:
                problems.append(f"{rel}: skipped, {size} bytes is over the size cap")
                continue
            bundle.put_bytes(f"files/{rel}", path.read_bytes())
        except OSError as exc:
            problems.append(f"{rel}: {exc.strerror or exc}")
    if len(paths) > MAX_FILES:
        problems.append(f"only the first {MAX_FILES} of {len(paths)} files")
    return "; ".join(problems) or None
