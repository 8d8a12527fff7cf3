"""Find the infra files under a root and say what kind each one is."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

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


def _sniff(path: Path, limit: int = 65536) -> str:
    try:
        with open(path, "rb") as fh:
            data = fh.read(limit)
    except OSError:
        return ""
    if b"\0" in data:
        return ""
    return data.decode("utf-8", "replace")


def classify(path: Path) -> FileKind:
    """The kind of one file, by name and (for ambiguous names) a peek at its content."""
    name = path.name
    lower = name.lower()
    parts = {p.lower() for p in path.parts}
    if COMPOSE_RE.search(lower) and not lower.endswith((".example", ".dist")):
        return FileKind.COMPOSE
    if DOCKERFILE_RE.match(name):
        return FileKind.DOCKERFILE
    if lower == ".env" or lower.endswith(".env") or lower.startswith(".env."):
        return FileKind.ENV
    if lower.endswith((".tf", ".tfvars", ".tf.json")):
        return FileKind.TERRAFORM
    if lower.endswith((".yaml", ".yml")):
        if "templates" in parts or lower.startswith("values") or lower == "chart.yaml":
            # Helm chart files (templates hold Go templates, values are data).
            return FileKind.HELM
        if K8S_SNIFF_RE.search(_sniff(path, 16384)):
            return FileKind.K8S
        return FileKind.UNKNOWN
    nginx_dir = (
        bool(
            parts
            & {"nginx", "conf.d", "sites-enabled", "sites-available", "nginx-conf", "snippets"}
        )
        or "nginx" in lower
    )
    if lower == "nginx.conf" or NGINX_NAME_RE.search(lower) or nginx_dir or "." not in lower:
        if lower == "nginx.conf" or NGINX_SNIFF_RE.search(_sniff(path)):
            return FileKind.NGINX
    return FileKind.UNKNOWN


def discover(root: Path) -> Discovery:
    """Walk `root` (no symlinked dirs, no vendored dirs) and classify every file.
    A file given as root is classified on its own."""
    found = Discovery()
    targets: list[Path] = []
    if root.is_file():
        targets.append(root)
    else:

        def onerror(exc: OSError) -> None:
            fn = exc.filename or str(root)
            try:
                rel = Path(fn).resolve().relative_to(root.resolve()).as_posix()
            except (ValueError, OSError):
                rel = str(fn)
            found.errors.append(
                LoadError(rel, f"cannot read directory: {exc.strerror}", "unreadable")
            )

        for dirpath, dirnames, filenames in os.walk(root, onerror=onerror):
            dirnames[:] = sorted(
                d
                for d in dirnames
                if d not in SKIP_DIRS and not os.path.islink(os.path.join(dirpath, d))
            )
            for fn in sorted(filenames):
                targets.append(Path(dirpath) / fn)
    for path in targets:
        if path.is_symlink():
            try:
                path.resolve(strict=True)
            except (OSError, RuntimeError):
                rel = path.relative_to(root).as_posix() if path != root else path.name
                found.errors.append(
                    LoadError(rel, "broken symlink or symlink loop", "symlink-loop")
                )
                continue
        if "logrotate" in path.name.lower() or "logrotate" in path.parent.name.lower():
            found.logrotate.append(path)
        kind = classify(path)
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
