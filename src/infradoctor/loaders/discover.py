"""Find the infra files under a root and say what kind each one is."""

from __future__ import annotations

import errno
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path

from infradoctor.loaders.files import (
    Refusal,
    not_regular,
    open_regular,
    open_resolved,
    read_fd,
    resolve_within,
)
from infradoctor.model.source import FileKind, LoadError

SKIP_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        "node_modules",
        "vendor",
        "__pycache__",
        ".venv",
        "venv",
        ".tox",
        ".mypy_cache",
        ".pytest_cache",
        ".terraform",
        "site-packages",
        "dist",
        "build",
        ".idea",
        ".vscode",
    }
)

COMPOSE_RE = re.compile(r"(^|[-._])compose([-._][^/]*)?\.ya?ml$", re.IGNORECASE)
DOCKERFILE_RE = re.compile(r"^(Dockerfile([.-][\w.-]+)?|[\w.-]+\.[Dd]ockerfile)$")
NGINX_NAME_RE = re.compile(r"(\.conf|\.conf\.template|\.nginx|\.vhost)$", re.IGNORECASE)
NGINX_SNIFF_RE = re.compile(
    r"^\s*(server|http|upstream\s+[^\s{]+|location\s+[^\n{]*|events|map\s+\S+\s+\S+)\s*\{",
    re.MULTILINE,
)
K8S_SNIFF_RE = re.compile(r"^apiVersion:\s*\S+", re.MULTILINE)


@dataclass(slots=True)
class Discovery:
    compose: list[Path] = field(default_factory=list)
    nginx: list[Path] = field(default_factory=list)
    dockerfiles: list[Path] = field(default_factory=list)
    env: list[Path] = field(default_factory=list)
    k8s: list[Path] = field(default_factory=list)
    helm: list[Path] = field(default_factory=list)
    terraform: list[Path] = field(default_factory=list)
    logrotate: list[Path] = field(default_factory=list)  # rotation configs (not loaded)
    errors: list[LoadError] = field(default_factory=list)

    def count(self) -> int:
        return sum(
            len(x)
            for x in (
                self.compose,
                self.nginx,
                self.dockerfiles,
                self.env,
                self.k8s,
                self.helm,
                self.terraform,
            )
        )


def _sniff(path: Path, root: Path, limit: int = 65536, real: Path | None = None) -> str | Refusal:
    """The first `limit` bytes of a file as text ("" for a binary file), read the safe way
    (never blocking on a FIFO, never through a symlink leading out of `root`). `real`: the
    path already resolved inside `root`, if known."""
    opened = open_regular(path, root) if real is None else open_resolved(real, root)
    if isinstance(opened, Refusal):
        return opened
    fd, _ = opened
    try:
        data = read_fd(fd, limit)[:limit]
    except OSError as exc:
        return Refusal("unreadable", f"cannot read: {exc.strerror or exc}")
    finally:
        os.close(fd)
    if b"\0" in data:
        return ""
    return data.decode("utf-8", "replace")


@dataclass(frozen=True, slots=True)
class _Candidate:
    """What a file name says: the kind (None: decided by content), whether the content
    must be sniffed, and whether a file of that name that cannot be read must be reported
    (it looks like infrastructure) or not (any extension-less file is sniffed for nginx)."""

    kind: FileKind | None
    sniff: str | None  # "k8s" or "nginx"
    reported: bool


def _by_name(path: Path) -> _Candidate | None:
    name = path.name
    lower = name.lower()
    parts = {p.lower() for p in path.parts}
    if COMPOSE_RE.search(lower) and not lower.endswith((".example", ".dist")):
        return _Candidate(FileKind.COMPOSE, None, True)
    if DOCKERFILE_RE.match(name):
        return _Candidate(FileKind.DOCKERFILE, None, True)
    if lower == ".env" or lower.endswith(".env") or lower.startswith(".env."):
        return _Candidate(FileKind.ENV, None, True)
    if lower.endswith((".tf", ".tfvars", ".tf.json")):
        return _Candidate(FileKind.TERRAFORM, None, True)
    if lower in ("kustomization.yaml", "kustomization.yml") or name == "Kustomization":
        return _Candidate(FileKind.K8S, None, True)  # often without apiVersion/kind
    if lower.endswith((".yaml", ".yml")):
        if "templates" in parts or lower.startswith("values") or lower == "chart.yaml":
            # Helm chart files (templates hold Go templates, values are data).
            return _Candidate(FileKind.HELM, None, True)
        return _Candidate(None, "k8s", True)
    if lower == "nginx.conf":
        return _Candidate(FileKind.NGINX, None, True)
    nginx_dir = (
        bool(
            parts
            & {"nginx", "conf.d", "sites-enabled", "sites-available", "nginx-conf", "snippets"}
        )
        or "nginx" in lower
    )
    if NGINX_NAME_RE.search(lower) or nginx_dir:
        return _Candidate(None, "nginx", True)
    if "." not in lower:
        return _Candidate(None, "nginx", False)
    return None


def classify(path: Path, root: Path | None = None) -> FileKind:
    """The kind of one file, by name and (for ambiguous names) a peek at its content.
    `root`: the resolved scanned root the peek must not leave (default: the file's dir)."""
    kind, _ = _classify(path, root or path.parent.resolve())
    return kind


def _classify(path: Path, root: Path, real: Path | None = None) -> tuple[FileKind, Refusal | None]:
    cand = _by_name(path)
    if cand is None:
        return FileKind.UNKNOWN, None
    if cand.sniff is None:
        return cand.kind or FileKind.UNKNOWN, None
    text = _sniff(path, root, 16384 if cand.sniff == "k8s" else 65536, real)
    if isinstance(text, Refusal):
        return FileKind.UNKNOWN, text
    if cand.sniff == "k8s":
        return (FileKind.K8S if K8S_SNIFF_RE.search(text) else FileKind.UNKNOWN), None
    return (FileKind.NGINX if NGINX_SNIFF_RE.search(text) else FileKind.UNKNOWN), None


def _scan_dir(directory: str) -> tuple[list[os.DirEntry[str]], OSError | None]:
    """The entries of a directory, or why it cannot be walked. A directory that can be
    listed but not searched (mode 644) is as unreadable as one that cannot be listed."""
    try:
        with os.scandir(directory) as it:
            entries = list(it)
        if entries:
            os.stat(os.path.join(directory, "."))  # needs search (x) permission
    except OSError as exc:
        return [], exc
    return entries, None


def discover(root: Path) -> Discovery:
    """Walk `root` (no symlinked dirs, no vendored dirs) and classify every file. A file
    given as root is classified on its own. Never raises: a directory that cannot be read,
    a symlink leading out of the tree, a FIFO or device named like an infra file, a file
    that cannot be opened to peek at it: each becomes an error naming it."""
    found = Discovery()
    root = Path(os.path.abspath(root))
    if not os.path.isdir(root):
        # A single file given by the user: what it points to is what they asked for.
        try:
            root = root.resolve(strict=True)
        except (OSError, RuntimeError):
            pass
    base = root if os.path.isdir(root) else root.parent
    real_base = base.resolve()
    targets: list[tuple[Path, bool]] = []  # (path, is a symlink)

    def rel(path: Path) -> str:
        try:
            return path.relative_to(base).as_posix()
        except ValueError:
            return path.as_posix()

    if base != root:
        targets.append((root, os.path.islink(root)))
    else:
        pending = [root]
        while pending:
            directory = pending.pop()
            entries, problem = _scan_dir(str(directory))
            if problem is not None:
                found.errors.append(
                    LoadError(
                        rel(directory),
                        f"cannot read directory: {problem.strerror or problem}; "
                        "its files were not checked",
                        "unreadable",
                    )
                )
                continue
            subdirs: list[Path] = []
            for entry in sorted(entries, key=lambda e: e.name):
                try:
                    is_dir = entry.is_dir(follow_symlinks=False)
                except OSError:
                    is_dir = False
                if is_dir:
                    if entry.name not in SKIP_DIRS:
                        subdirs.append(directory / entry.name)
                else:
                    try:
                        link = entry.is_symlink()
                    except OSError:
                        link = True
                    targets.append((directory / entry.name, link))
            pending.extend(reversed(subdirs))
    for path, link in targets:
        cand = _by_name(path)
        real: Path | None = None
        if link:
            resolved = resolve_within(path, real_base)
            if isinstance(resolved, Refusal):
                if resolved.kind == "symlink-outside-root":
                    if cand is not None and cand.reported:
                        found.errors.append(resolved.error(rel(path)))
                    continue
                if resolved.kind == "symlink-loop" or resolved.errno in (
                    errno.ENOENT,
                    errno.ENOTDIR,
                ):
                    found.errors.append(
                        LoadError(rel(path), "broken symlink or symlink loop", "symlink-loop")
                    )
                else:  # e.g. it leads into a directory we may not search
                    found.errors.append(resolved.error(rel(path)))
                continue
            if os.path.isdir(resolved):
                continue  # symlinked directories are not walked
            real = resolved
        else:
            # Walked without following symlinks: its real path is known without syscalls.
            real = real_base.joinpath(*path.relative_to(base).parts)
        if "logrotate" in path.name.lower() or "logrotate" in path.parent.name.lower():
            found.logrotate.append(path)
        if cand is None:
            continue
        if cand.sniff is None:
            # Named like infrastructure: a FIFO, socket or device of that name is listed
            # here (never opened), even if no loader reads files of its kind.
            try:
                mode = os.stat(real).st_mode
            except OSError:
                mode = stat.S_IFREG  # the loader reading it says what is wrong
            if not stat.S_ISREG(mode):
                found.errors.append(not_regular(mode).error(rel(path)))
                continue
        kind, refusal = _classify(path, real_base, real)
        if refusal is not None:
            if cand.reported:
                found.errors.append(refusal.error(rel(path)))
            continue
        bucket = {
            FileKind.COMPOSE: found.compose,
            FileKind.NGINX: found.nginx,
            FileKind.DOCKERFILE: found.dockerfiles,
            FileKind.ENV: found.env,
            FileKind.K8S: found.k8s,
            FileKind.HELM: found.helm,
            FileKind.TERRAFORM: found.terraform,
        }.get(kind)
        if bucket is not None:
            bucket.append(path)
    return found
