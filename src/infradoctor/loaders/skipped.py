"""Never silently skip: files that look like infrastructure but are not analysed become
`Stack.skipped` entries (model/embedded.py Skipped) with the reason. Discovery asks
`skip_by_name` for files no loader reads; `skipped_after_load` looks at what the
loaders left out (Go-templated YAML outside a chart, files of custom resources only)."""

from __future__ import annotations

import posixpath
from collections.abc import Iterable
from pathlib import Path

from infradoctor.loaders.names import by_name
from infradoctor.model.k8s import K8sObject
from infradoctor.model.source import FileKind, Skipped, SourceFile

TEMPLATE_ENGINES = {
    ".j2": "Jinja",
    ".jinja": "Jinja",
    ".jinja2": "Jinja",
    ".hbs": "Handlebars",
    ".handlebars": "Handlebars",
    ".mustache": "Mustache",
    ".tpl": "Go/Helm",
    ".gotmpl": "Go",
    ".tmpl": "Go",
    ".erb": "ERB",
}
# API groups of built-in kinds; anything else is a custom resource.
BUILTIN_GROUPS = frozenset(
    {
        "",
        "apps",
        "batch",
        "autoscaling",
        "policy",
        "extensions",
        "networking.k8s.io",
        "gateway.networking.k8s.io",
        "rbac.authorization.k8s.io",
        "storage.k8s.io",
        "apiextensions.k8s.io",
        "admissionregistration.k8s.io",
        "scheduling.k8s.io",
        "coordination.k8s.io",
        "node.k8s.io",
        "discovery.k8s.io",
        "certificates.k8s.io",
        "flowcontrol.apiserver.k8s.io",
        "apiregistration.k8s.io",
        "events.k8s.io",
        "resource.k8s.io",
        "kustomize.config.k8s.io",
        "skaffold",
    }
)


def may_skip_by_name(name: str) -> bool:
    """Whether `skip_by_name` could say anything of a file of this name (a Tiltfile or a
    template extension): discovery asks first, for every file no loader reads."""
    if name == "Tiltfile" or name.endswith(".tiltfile"):
        return True
    stem, ext = posixpath.splitext(name)
    return bool(stem) and ext.lower() in TEMPLATE_ENGINES


def skip_by_name(path: Path) -> Skipped | None:
    """A file no loader reads whose name says infrastructure (path: relative)."""
    name = path.name
    if name == "Tiltfile" or name.endswith(".tiltfile"):
        return Skipped(
            path.as_posix(),
            "Tiltfile (Starlark) is not evaluated: resources it builds in code are not "
            "checked (manifest files it applies are checked as files)",
            "tiltfile",
        )
    stem, ext = posixpath.splitext(name)
    engine = TEMPLATE_ENGINES.get(ext.lower())
    if engine is None or not stem:
        return None
    if stem.startswith("_") and "templates" in path.parts:
        return None  # a Helm partial (_helpers.tpl): part of its chart
    cand = by_name(path.with_name(stem))
    if cand is None or not cand.reported:
        return None
    what = (
        cand.kind.value if cand.kind is not None else ("YAML" if cand.sniff == "k8s" else "nginx")
    )
    article = "an" if what == "nginx" or what[0] in "aeiou" else "a"
    return Skipped(
        path.as_posix(),
        f"{engine} template of {article} {what} file: not rendered, so not checked",
        "template",
    )


def _chart_dirs(files: Iterable[SourceFile]) -> set[str]:
    return {
        posixpath.dirname(f.path)
        for f in files
        if f.kind == FileKind.HELM and posixpath.basename(f.path).lower() == "chart.yaml"
    }


def _in_chart(path: str, charts: set[str]) -> bool:
    parts = path.split("/")[:-1]
    return any("/".join(parts[:i]) in charts for i in range(len(parts), -1, -1))


def _group(api_version: str) -> str:
    return api_version.split("/", 1)[0] if "/" in api_version else ""


def skipped_after_load(
    files: dict[str, SourceFile], objects: list[K8sObject], helm_template: set[str]
) -> list[Skipped]:
    """Go-templated manifests outside a chart, and manifests holding only custom
    resources (`helm_template`: the K8S files the loader left out as templates)."""
    out: list[Skipped] = []
    charts = _chart_dirs(files.values())
    for path in sorted(helm_template):
        if not _in_chart(path, charts):
            out.append(
                Skipped(
                    path,
                    "Go template markup ({{ ... }}) outside a Helm chart: not rendered, so not checked",
                    "template",
                )
            )
    for f in sorted(files.values(), key=lambda f: f.path):
        if (
            f.kind == FileKind.HELM
            and "templates" in f.path.split("/")[:-1]
            and f.path.lower().endswith((".yaml", ".yml"))
            and not _in_chart(f.path, charts)
        ):
            out.append(
                Skipped(
                    f.path,
                    "YAML in a templates/ directory outside a Helm chart (no Chart.yaml "
                    "above it): taken for a chart template, not analysed",
                    "template",
                )
            )
    by_file: dict[str, list[K8sObject]] = {}
    for obj in objects:
        by_file.setdefault(obj.file, []).append(obj)
    for path, objs in sorted(by_file.items()):
        custom = [o for o in objs if _group(o.api_version) not in BUILTIN_GROUPS]
        if custom and len(custom) == len(objs):
            kinds = ", ".join(sorted({o.kind for o in custom})[:5])
            out.append(Skipped(path, f"custom resources not modelled: {kinds}", "crd"))
    return out


__all__ = ["may_skip_by_name", "skip_by_name", "skipped_after_load"]
