"""Loaders turn the files under a root into one Stack model."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import field
from pathlib import Path
from typing import TYPE_CHECKING

from infradoctor.model.source import FileKind, Skipped, SourceFile
from infradoctor.model.stack import Stack
from infradoctor.records import record

if TYPE_CHECKING:
    from infradoctor.loaders.files import SourceReader
    from infradoctor.loaders.terraform import TerraformResult


@record
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
    helm: str | None = None  # helm binary (None: $INFRADOCTOR_HELM or PATH; "off": none)
    helm_values: Sequence[str] = ()  # extra values files for every chart (`--helm-values`)


def load_stack(root: Path, options: LoadOptions | None = None) -> Stack:
    """Discover, read and parse every infra file under `root` into one Stack.
    Never raises for bad input: problems become `stack.errors` entries."""
    from infradoctor import parsecache
    from infradoctor.loaders.compose import load_compose_projects
    from infradoctor.loaders.container_paths import container_paths
    from infradoctor.loaders.discover import discover
    from infradoctor.loaders.disk_facts import read_build_contexts, read_start_scripts
    from infradoctor.loaders.dockerfile import load_dockerfile
    from infradoctor.loaders.envfiles import read_env_files
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
    found = parsecache.discovery(discover, root)  # walked once per preview
    reader.know_regular(found.regular, found.contents)
    stack.errors.extend(found.errors)
    stack.gitignored = found.gitignored
    stack.logrotate = [reader.relpath(p) for p in found.logrotate]

    def excluded(p: Path) -> bool:
        if not options.exclude:  # the usual case: no path to work out
            return False
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
    terraform_sources = read_all(found.terraform, FileKind.TERRAFORM)
    if found.helm:
        _load_charts(stack, reader, [p for p in found.helm if not excluded(p)], options)
    # Other kinds are recorded so inventory/stats can see them.
    for p in found.helm:
        if not excluded(p):
            rel = reader.relpath(p)
            stack.files.setdefault(rel, SourceFile(rel, p, FileKind.HELM, ""))

    for src in docker_sources:
        dockerfile, errors = parsecache.dockerfile(load_dockerfile, src)
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
    stack.skipped.extend(n.skipped() for n in kustomized.not_applied)
    if kustomized.roots:
        stack.kustomize = kustomized.stats()
    _note_skipped(
        stack,
        [s for s in found.skipped if not any(Path(s.path).match(g) for g in options.exclude)],
        k8s_sources,
    )

    if terraform_sources:
        from infradoctor.loaders.terraform import load_terraform

        tf = load_terraform(terraform_sources, reader)
        stack.k8s.extend(tf.objects)
        stack.helm_releases.extend(tf.helm_releases)
        stack.skipped.extend(tf.skipped)
        stack.errors.extend(tf.errors)
        nginx_sources = _through_terraform(stack, reader, tf, nginx_sources)

    project_dirs = frozenset(os.path.dirname(src.path) for src in compose_sources)
    placed = container_paths(str(reader.root), stack.projects, stack.dockerfiles)
    configs, errors = load_nginx_configs(nginx_sources, reader, project_dirs, placed)
    stack.nginx.extend(configs)
    stack.errors.extend(errors)
    for rel, res in reader.cache.items():
        if isinstance(res, SourceFile):
            stack.files.setdefault(rel, res)
    stack.skipped.extend(
        Skipped(
            rel,
            "nginx snippet (directives, no server/http block) that no config read here "
            "includes: not analysed on its own",
            "other",
        )
        for p in found.snippets
        if (rel := reader.relpath(p)) not in stack.files and not excluded(p)
    )
    # Files read with invalid UTF-8 were checked anyway: say so, with the line.
    stack.errors.extend(reader.encoding_warnings())
    # A file refused by discovery and again by a loader is one problem.
    stack.errors[:] = list(dict.fromkeys(stack.errors))

    read_build_contexts(stack)  # before link: listen detection reads them
    link(stack)
    read_start_scripts(stack)
    _add_embedded_nginx(stack)  # after link: never attached to a compose project
    read_env_files(stack)
    used = {e.path for pr in stack.projects for e in pr.env_files.values()}
    stack.skipped.extend(
        Skipped(rel, "env file that no compose project here reads: not analysed", "other")
        for p in found.env
        if (rel := reader.relpath(p)) not in stack.files and rel not in used and not excluded(p)
    )
    stack.reset_index()  # built on first use, from the finished model
    return stack


def _note_skipped(stack: Stack, by_name: list[Skipped], k8s: list[SourceFile]) -> None:
    """Files that look like infrastructure but are not analysed, with why."""
    from infradoctor.loaders.kubernetes import is_helm_template
    from infradoctor.loaders.skipped import skipped_after_load

    templated = {s.path for s in k8s if is_helm_template(s.text)}
    stack.skipped.extend(by_name)
    stack.skipped.extend(skipped_after_load(stack.files, stack.k8s, templated))


def _through_terraform(
    stack: Stack, reader: SourceReader, tf: TerraformResult, nginx: list[SourceFile]
) -> list[SourceFile]:
    """Files Terraform reads with file() / templatefile() are analysed through it: not
    listed as skipped templates, and an nginx file held in a ConfigMap is parsed there
    only (a second, standalone parse would report every finding twice)."""
    if not tf.read_files:
        return nginx
    stack.skipped[:] = [
        s for s in stack.skipped if not (s.kind == "template" and s.path in tf.read_files)
    ]
    embedded = tf.embedded_nginx_files()
    for path in embedded:
        src = reader.cache.get(path)
        if isinstance(src, SourceFile):
            src.kind = FileKind.TERRAFORM
    return [s for s in nginx if s.path not in embedded]


def _add_embedded_nginx(stack: Stack) -> None:
    """nginx configs held in ConfigMap values, located in their manifests."""
    if not any(o.config_data for o in stack.k8s):
        return
    from infradoctor.loaders.embedded import configmap_texts, load_embedded_nginx

    configs, errors = load_embedded_nginx(configmap_texts(stack.k8s, stack.files), stack.files)
    stack.nginx.extend(configs)
    stack.errors.extend(errors)


def _load_charts(
    stack: Stack, reader: SourceReader, paths: list[Path], options: LoadOptions
) -> None:
    """Helm charts (rendered when helm is available) into stack.k8s (loaders/helm.py)."""
    from infradoctor.loaders.helm import helm_options_from, load_helm

    rel = [reader.relpath(p) for p in paths]
    result = load_helm(rel, reader, helm_options_from(options.helm, options.helm_values))
    for src in result.files:
        stack.files.setdefault(src.path, src)
    stack.k8s.extend(result.objects)
    stack.errors.extend(result.errors)
    stack.skipped.extend(result.skipped)
    if result.stats:
        stack.helm_stats = result.stats


__all__ = ["LoadOptions", "load_stack"]
