"""What a file's name says it is: the first step of discovery (content is sniffed only
when the name leaves it open). Shared by discovery and the skipped-file listing."""

from __future__ import annotations

import re
from collections.abc import Sequence
from collections.abc import Set as AbstractSet
from pathlib import Path

from infradoctor.lazyre import lazy
from infradoctor.model.source import FileKind
from infradoctor.records import record

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


@record(frozen=True)
class Candidate:
    """What a file name says: the kind (None: decided by content), whether the content
    must be sniffed, and whether a file of that name that cannot be read must be reported
    (it looks like infrastructure) or not (any extension-less file is sniffed for nginx)."""

    kind: FileKind | None
    sniff: str | None  # "k8s", "nginx" or "dump" (an `nginx -T` dump only)
    reported: bool


# one (frozen) Candidate per answer, shared: by_name runs for every file of the tree
_COMPOSE = Candidate(FileKind.COMPOSE, None, True)
_DOCKERFILE = Candidate(FileKind.DOCKERFILE, None, True)
_ENV = Candidate(FileKind.ENV, None, True)
_TERRAFORM = Candidate(FileKind.TERRAFORM, None, True)
_KUSTOMIZATION = Candidate(FileKind.K8S, None, True)
_HELM = Candidate(FileKind.HELM, None, True)
_YAML = Candidate(None, "k8s", True)
_NGINX_CONF = Candidate(FileKind.NGINX, None, True)
_DUMP = Candidate(None, "dump", False)
_NGINX_LIKE = Candidate(None, "nginx", True)
_NO_EXTENSION = Candidate(None, "nginx", False)
_NGINX_DIRS = frozenset(
    {"nginx", "conf.d", "sites-enabled", "sites-available", "nginx-conf", "snippets"}
)


def by_name(path: Path) -> Candidate | None:
    return _candidate(path.name, path.parts)


def by_path_text(text: str) -> Candidate | None:
    """`by_name(Path(text))` for a normalised path text, without building the Path
    (discovery asks for every file it walks; most are no infrastructure). The text's
    parts differ from the Path's only in the root ("" for "/"), never a directory name."""
    return _candidate(text[text.rfind("/") + 1 :], text.split("/"))


def _candidate(name: str, parts: Sequence[str]) -> Candidate | None:
    lower = name.lower()
    if COMPOSE_RE.search(lower) and not lower.endswith((".example", ".dist")):
        return _COMPOSE
    if DOCKERFILE_RE.match(name):
        return _DOCKERFILE
    if lower == ".env" or lower.endswith(".env") or lower.startswith(".env."):
        return _ENV
    if lower.endswith((".tf", ".tfvars", ".tf.json")):
        return _TERRAFORM
    if lower in ("kustomization.yaml", "kustomization.yml") or name == "Kustomization":
        return _KUSTOMIZATION  # often without apiVersion/kind
    if lower.endswith((".yaml", ".yml")):
        if lower.startswith("values") or lower == "chart.yaml" or _in_dir(parts, {"templates"}):
            # Helm chart files (templates hold Go templates, values are data).
            return _HELM
        return _YAML
    if lower == "nginx.conf":
        return _NGINX_CONF
    if "." in lower and lower[lower.rfind(".") :] in NEVER_SNIFFED:
        return None
    if lower.endswith(".txt"):  # text: nginx only as an `nginx -T` dump
        return _DUMP
    if NGINX_NAME_RE.search(lower) or "nginx" in lower or _in_dir(parts, _NGINX_DIRS):
        return _NGINX_LIKE
    if "." not in lower:
        return _NO_EXTENSION
    return None


def _in_dir(parts: Sequence[str], names: AbstractSet[str]) -> bool:
    """Whether any part of a path (the name too), lower-cased, is one of `names`."""
    return any(p.lower() in names for p in parts)
