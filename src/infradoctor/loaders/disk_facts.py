"""Disk reads that facts need beyond the loaded files, done at load so that facts and
rules stay pure functions of the model: a build context's package.json scripts and
gunicorn config (listen detection), and the entrypoint scripts a start command names
(whether a service waits for its dependencies itself)."""

from __future__ import annotations

import os
import posixpath
from pathlib import Path

from infradoctor import parsecache
from infradoctor.facts.readiness import MAX_SCRIPT_BYTES, WAIT_RE, script_names, start_text
from infradoctor.facts.servers import NODE_RUNNERS  # the runners whose package.json facts read
from infradoctor.model.stack import Dockerfile, Project, Service, Stack
from infradoctor.syntax.jsondoc import loads_bounded
from infradoctor.textio import Refusal, read_regular

MAX_PACKAGE_JSON_BYTES = 1_000_000
MAX_CONTEXT_SUBDIRS = 200


def read_build_contexts(stack: Stack) -> None:
    """`Service.package_scripts` and `gunicorn_config` of every service with a build
    context whose command, environment or Dockerfile names a Node runner or gunicorn
    (the only servers listen detection asks them for; each context read once). Before
    the link step: listen detection reads them."""
    root = stack.root
    real_root = root.resolve()
    texts = {_norm(path): _dockerfile_text(df) for path, df in stack.dockerfiles.items()}
    scripts: dict[str, dict[str, str]] = {}
    gunicorn: dict[str, bool] = {}
    for svc in stack.services:
        ctx = svc.build_context
        if ctx is None:
            continue
        text = _service_text(svc, texts)
        if any(runner in text for runner in NODE_RUNNERS):
            if ctx not in scripts:
                scripts[ctx] = package_scripts(root / ctx, real_root)
            svc.package_scripts = scripts[ctx]
        if "gunicorn" in text:
            if ctx not in gunicorn:
                gunicorn[ctx] = _has_gunicorn_config(root / ctx)
            svc.gunicorn_config = gunicorn[ctx]


def _norm(rel: str | None) -> str | None:
    """A Dockerfile path as the link step matches it."""
    if rel is None:
        return None
    p = posixpath.normpath(rel.replace("\\", "/"))
    return p[2:] if p.startswith("./") else p


def _dockerfile_text(df: Dockerfile) -> str:
    return "\n".join(ins.value for st in df.stages for ins in st.instructions).lower()


def _service_text(svc: Service, dockerfiles: dict[str | None, str]) -> str:
    """What the service runs with, lower-cased: compose command, entrypoint and
    environment, and the Dockerfile the link step will attach (by the same paths)."""
    parts = [str(svc.command or ""), str(svc.entrypoint or "")]
    parts += [v.value for v in svc.environment.values() if v.value]
    candidates = [_norm(svc.build_dockerfile)]
    if svc.build_context is not None:
        candidates.append(_norm(posixpath.join(svc.build_context, "Dockerfile")))
    for c in candidates:
        if c in dockerfiles:
            parts.append(dockerfiles[c])
            break
    return "\n".join(parts).lower()


def package_scripts(context: Path, real_root: Path) -> dict[str, str]:
    """The string `scripts` of package.json in `context` ({} when absent or unreadable;
    read once per `fix --diff`: parsecache.on_disk; never changed once read)."""
    return parsecache.on_disk(
        "package.json", (context, real_root), lambda: _package_scripts(context, real_root)
    )


def _package_scripts(context: Path, real_root: Path) -> dict[str, str]:
    try:
        # Never blocks on a FIFO, never reads through a symlink leading out of the tree.
        data = read_regular(context / "package.json", MAX_PACKAGE_JSON_BYTES, real_root)
        if isinstance(data, Refusal):
            return {}
        scripts = loads_bounded(data.decode("utf-8", "replace")).get("scripts")
    except (OSError, ValueError, AttributeError):
        return {}
    if not isinstance(scripts, dict):
        return {}
    return {k: v for k, v in scripts.items() if isinstance(k, str) and isinstance(v, str)}


def _has_gunicorn_config(context: Path) -> bool:
    """gunicorn reads ./gunicorn.conf.py by default (the context or one level down)."""
    return parsecache.on_disk("gunicorn", context, lambda: _gunicorn_config_in(context))


def _gunicorn_config_in(context: Path) -> bool:
    try:
        return any(context.glob("gunicorn.conf.py")) or any(context.glob("*/gunicorn.conf.py"))
    except (OSError, ValueError):  # a name too long, a NUL byte
        return False


def read_start_scripts(stack: Stack) -> None:
    """`Service.start_scripts` of every service that may have to wait for a dependency
    itself (see `_may_wait`). After the link step: the Dockerfile's ENTRYPOINT/CMD and
    the dependencies' Dockerfile HEALTHCHECKs count."""
    root = stack.root
    real_root = root.resolve()
    for project in stack.projects:
        for svc in project.services.values():
            if _may_wait(project, svc):
                svc.start_scripts = _start_scripts(svc, root, real_root)


def _may_wait(project: Project, svc: Service) -> bool:
    """Whether anyone asks if `svc` waits for a dependency itself: it starts after one
    (a plain depends_on) that has no health check of its own."""
    for dep in svc.depends_on:
        if dep.condition in ("service_healthy", "service_completed_successfully"):
            continue
        target = project.services.get(dep.service)
        if target is not None and target is not svc and target.effective_healthcheck is None:
            return True
    return False


def _start_scripts(svc: Service, root: Path, real_root: Path) -> list[tuple[str, str]]:
    """(path, text) of the scripts its start command names, when the command itself
    shows no wait."""
    text = start_text(svc)
    if not text or WAIT_RE.search(text):
        return []
    scripts: list[tuple[str, str]] = []
    for path in _script_paths(svc, root, real_root, text):
        body = _read(path, real_root)
        if body:
            rel = path.relative_to(root) if path.is_relative_to(root) else path
            scripts.append((str(rel), body))
    return scripts


def subdirs(directory: Path, root: Path, real_root: Path | None = None) -> list[Path]:
    """The first directories inside `directory` when it lies in the scanned tree; never
    raises (a 300-byte build context, a NUL byte) and never lists outside the tree.
    `real_root`: `root` resolved, when the caller has it (listed once per `fix --diff`:
    parsecache.on_disk)."""
    return list(
        parsecache.on_disk(
            "subdirs",
            (directory, root, real_root),
            lambda: _subdirs(directory, root, real_root),
        )
    )


def _subdirs(directory: Path, root: Path, real_root: Path | None) -> list[Path]:
    try:
        real = directory.resolve()
        real.relative_to(root.resolve() if real_root is None else real_root)
        with os.scandir(real) as entries:
            found = sorted(e.name for e in entries if e.is_dir(follow_symlinks=False))
    except (OSError, ValueError):
        return []
    return [directory / name for name in found[:MAX_CONTEXT_SUBDIRS]]


def _script_dirs(svc: Service, root: Path, real_root: Path) -> list[Path]:
    dirs: list[Path] = []
    if svc.build_context is not None:
        ctx = root / svc.build_context
        dirs += [ctx, *subdirs(ctx, root, real_root)]
    if svc.dockerfile is not None:
        dirs.append((root / svc.dockerfile.path).parent)
    return dirs


def _script_paths(svc: Service, root: Path, real_root: Path, text: str) -> list[Path]:
    """Files in the tree that the start command names: in the build context (one level
    down too), next to the Dockerfile, or bind-mounted into the container."""
    names = script_names(text)
    paths: list[Path] = []
    for mount in svc.volumes:
        if mount.host_path is not None and mount.target.rsplit("/", 1)[-1] in names:
            paths.append(mount.host_path)
    for d in _script_dirs(svc, root, real_root):
        paths += [d / n for n in names]
    return paths


def _read(path: Path, real_root: Path) -> str | None:
    """A start script's text (None: none there), read once per `fix --diff`."""
    return parsecache.on_disk("script", (path, real_root), lambda: _read_now(path, real_root))


def _read_now(path: Path, real_root: Path) -> str | None:
    try:
        os.lstat(path)  # most names a command holds are no file here: no realpath walk
    except (FileNotFoundError, NotADirectoryError, ValueError):
        return None
    except OSError:
        pass  # read_regular says what is wrong
    try:
        data = read_regular(path, MAX_SCRIPT_BYTES, real_root)
    except (OSError, ValueError):
        return None
    return None if isinstance(data, Refusal) else data.decode("utf-8", "replace")
