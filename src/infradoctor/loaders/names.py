"""What a file's name says it is: the first step of discovery (content is sniffed only
when the name leaves it open). Shared by discovery and the skipped-file listing."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from infradoctor.lazyre import lazy
from infradoctor.model.source import FileKind

COMPOSE_RE = re.compile(r"(^|[-._])compose([-._][^/]*)?\.ya?ml$", re.IGNORECASE)
DOCKERFILE_RE = re.compile(r"^(Dockerfile([.-][\w.-]+)?|[\w.-]+\.[Dd]ockerfile)$")
NGINX_NAME_RE = lazy(r"(\.conf|\.conf\.template|\.nginx|\.vhost)$", re.IGNORECASE)
# Documentation, code and template files: never read as nginx or manifests, whatever
# their content or directory says (`docs/nginx-setup.md`, `scripts/gen_nginx.py`).
# Templates of an infra file are listed as skipped by loaders/skipped.py instead.
NEVER_SNIFFED = frozenset(
    {
        ".md",
        ".markdown",
        ".rst",
        ".adoc",
        ".html",
        ".htm",
        ".py",
        ".pyc",
        ".sh",
        ".bash",
        ".zsh",
        ".fish",
        ".ps1",
        ".bat",
        ".js",
        ".mjs",
        ".cjs",
        ".ts",
        ".go",
        ".rb",
        ".php",
        ".java",
        ".rs",
        ".c",
        ".h",
        ".lua",
        ".pl",
        ".json",
        ".toml",
        ".ini",
        ".cfg",
        ".xml",
        ".csv",
        ".log",
        ".lock",
        ".sql",
        ".patch",
        ".diff",
        ".orig",
        ".bak",
        ".swp",
        ".j2",
        ".jinja",
        ".jinja2",
        ".hbs",
        ".handlebars",
        ".mustache",
        ".tpl",
        ".gotmpl",
        ".tmpl",
        ".erb",
        ".pem",
        ".crt",
        ".key",
        ".png",
        ".jpg",
        ".gif",
        ".svg",
        ".ico",
        ".gz",
        ".zip",
    }
)


@dataclass(frozen=True, slots=True)
class Candidate:
    """What a file name says: the kind (None: decided by content), whether the content
    must be sniffed, and whether a file of that name that cannot be read must be reported
    (it looks like infrastructure) or not (any extension-less file is sniffed for nginx)."""

    kind: FileKind | None
    sniff: str | None  # "k8s", "nginx" or "dump" (an `nginx -T` dump only)
    reported: bool


def by_name(path: Path) -> Candidate | None:
    name = path.name
    lower = name.lower()
    parts = {p.lower() for p in path.parts}
    if COMPOSE_RE.search(lower) and not lower.endswith((".example", ".dist")):
        return Candidate(FileKind.COMPOSE, None, True)
    if DOCKERFILE_RE.match(name):
        return Candidate(FileKind.DOCKERFILE, None, True)
    if lower == ".env" or lower.endswith(".env") or lower.startswith(".env."):
        return Candidate(FileKind.ENV, None, True)
    if lower.endswith((".tf", ".tfvars", ".tf.json")):
        return Candidate(FileKind.TERRAFORM, None, True)
    if lower in ("kustomization.yaml", "kustomization.yml") or name == "Kustomization":
        return Candidate(FileKind.K8S, None, True)  # often without apiVersion/kind
    if lower.endswith((".yaml", ".yml")):
        if "templates" in parts or lower.startswith("values") or lower == "chart.yaml":
            # Helm chart files (templates hold Go templates, values are data).
            return Candidate(FileKind.HELM, None, True)
        return Candidate(None, "k8s", True)
    if lower == "nginx.conf":
        return Candidate(FileKind.NGINX, None, True)
    if "." in lower and lower[lower.rfind(".") :] in NEVER_SNIFFED:
        return None
    if lower.endswith(".txt"):  # text: nginx only as an `nginx -T` dump
        return Candidate(None, "dump", False)
    nginx_dir = (
        bool(
            parts
            & {"nginx", "conf.d", "sites-enabled", "sites-available", "nginx-conf", "snippets"}
        )
        or "nginx" in lower
    )
    if NGINX_NAME_RE.search(lower) or nginx_dir:
        return Candidate(None, "nginx", True)
    if "." not in lower:
        return Candidate(None, "nginx", False)
    return None
