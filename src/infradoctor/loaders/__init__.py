"""Loaders turn the files under a root into one Stack model."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from infradoctor.model.source import FileKind, SourceFile
from infradoctor.model.stack import Stack


@dataclass(slots=True)
class LoadOptions:
    compose_files: Sequence[str] = ()  # explicit `-f` list (relative to root or absolute)
    env: Mapping[str, str] | None = None  # environment for interpolation (None: os.environ)
    profiles: Sequence[str] = ()  # active compose profiles ("*" = all)
    max_file_bytes: int = 4 * 1024 * 1024  # per file (docs/reading.md)
    max_total_bytes: int = 256 * 1024 * 1024  # everything read from one root
    exclude: Sequence[str] = field(default_factory=tuple)  # glob patterns relative to root
    # relative path -> LF-normalised text to use instead of the file's content (the fix
    # loop checks the files it is about to write); the file itself must exist
    overrides: Mapping[str, str] = field(default_factory=dict)


def load_stack(root: Path, options: LoadOptions | None = None) -> Stack:
    """Discover, read and parse every infra file under `root` into one Stack.
    Never raises for bad input: problems become `stack.errors` entries."""
    from infradoctor.loaders.compose import load_compose_projects
    from infradoctor.loaders.discover import discover
    from infradoctor.loaders.dockerfile import load_dockerfile
    from infradoctor.loaders.files import SourceReader
    from infradoctor.loaders.kubernetes import load_kubernetes
    from infradoctor.loaders.kustomize import render_kustomizations
    from infradoctor.loaders.link import link
    from infradoctor.loaders.nginx import load_nginx_configs

    options = options or LoadOptions()
    root = root.resolve()
    base = root if os.path.isdir(root) else root.parent
    reader = SourceReader(
        base, options.max_file_bytes, options.max_total_bytes, overrides=options.overrides
    )
    stack = Stack(root=base, profiles=[p for p in options.profiles if p != "*"])
    found = discover(root)
    stack.errors.extend(found.errors)
    stack.logrotate = [reader.relpath(p) for p in found.logrotate]

    def excluded(p: Path) -> bool:
        rel = reader.relpath(p)
        return any(Path(rel).match(g) for g in options.exclude)

    def read_all(paths: list[Path], kind: FileKind) -> list[SourceFile]:
        out: list[SourceFile] = []
        for p in paths:
            if excluded(p):
                continue
            res = reader.read(p, kind)
            if isinstance(res, SourceFile):
                out.append(res)
                stack.files[res.path] = res
            else:
                stack.errors.append(res)
        return out

    compose_paths = list(found.compose)
    for f in options.compose_files:
        p = Path(f) if Path(f).is_absolute() else base / f
        reader.allow(p)
        if p not in compose_paths:
            compose_paths.append(p)
    compose_sources = read_all(compose_paths, FileKind.COMPOSE)
    nginx_sources = read_all(found.nginx, FileKind.NGINX)
    docker_sources = read_all(found.dockerfiles, FileKind.DOCKERFILE)
    k8s_sources = read_all(found.k8s, FileKind.K8S)
    # Other kinds are recorded so inventory/stats can see them.
    for paths, kind in ((found.helm, FileKind.HELM), (found.terraform, FileKind.TERRAFORM)):
        for p in paths:
            if not excluded(p):
                rel = reader.relpath(p)
                stack.files.setdefault(rel, SourceFile(rel, p, kind, ""))

    for src in docker_sources:
        dockerfile, errors = load_dockerfile(src)
        stack.errors.extend(errors)
        if dockerfile is not None:
            stack.dockerfiles[src.path] = dockerfile

    explicit = [
        reader.relpath(base / f if not Path(f).is_absolute() else Path(f))
        for f in options.compose_files
    ]
    projects, errors = load_compose_projects(
        compose_sources,
        reader,
        explicit_files=explicit,
        env=options.env,
        profiles=list(options.profiles),
    )
    stack.projects.extend(projects)
    stack.errors.extend(errors)

    kustomized = render_kustomizations(k8s_sources, reader)
    k8s_objects, errors = load_kubernetes(k8s_sources, reader, kustomized)
    stack.k8s.extend(k8s_objects)
    stack.errors.extend(errors)
    stack.errors.extend(kustomized.errors)
    stack.errors.extend(n.load_error() for n in kustomized.not_applied if n.error)
    stack.skipped.extend(n.to_dict() for n in kustomized.not_applied)
    if kustomized.roots:
        stack.kustomize = kustomized.stats()

    configs, errors = load_nginx_configs(nginx_sources, reader)
    stack.nginx.extend(configs)
    stack.errors.extend(errors)
    for rel, res in reader.cache.items():
        if isinstance(res, SourceFile):
            stack.files.setdefault(rel, res)
    # Files read with invalid UTF-8 were checked anyway: say so, with the line.
    stack.errors.extend(reader.encoding_warnings())
    # A file refused by discovery and again by a loader is one problem.
    stack.errors[:] = list(dict.fromkeys(stack.errors))

    link(stack)
    stack.reset_index()  # built on first use, from the finished model
    return stack


__all__ = ["LoadOptions", "load_stack"]
