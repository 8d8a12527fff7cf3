"""Helpers shared by the cross-file rules (package-private)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from infradoctor.facts.websocket import effective_headers as effective_headers  # re-exported
from infradoctor.model.nginx import Directive, NginxConfig, ProxyRoute
from infradoctor.model.stack import DependsOn, Project, ResolvedTarget, Service, Stack
from infradoctor.syntax.numbers import nginx_seconds as nginx_seconds  # re-exported

DNS_VIAS = frozenset({"service-name", "alias", "container_name", "hostname"})


def project_targets(stack: Stack) -> Iterator[tuple[Project, ResolvedTarget]]:
    for project in stack.projects:
        for rt in project.targets:
            yield project, rt


def service_dependencies(stack: Stack) -> Iterator[tuple[Project, Service, DependsOn, Service]]:
    """(project, service, depends_on entry, dependency) for every depends_on that names
    another service of the same project (unknown names are CMP003's business)."""
    for project in stack.projects:
        for svc in project.services.values():
            for dep in svc.depends_on:
                target = project.services.get(dep.service)
                if target is None or target.name == svc.name:
                    continue
                yield project, svc, dep, target


def nginx_service_of(project: Project, cfg: NginxConfig) -> Service | None:
    name = project.nginx_service.get(cfg.root_file)
    return project.services.get(name) if name else None


def levenshtein(a: str, b: str) -> int:
    if a == b:
        return 0
    if len(a) < len(b):
        a, b = b, a
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def closest(name: str, candidates: Iterable[str]) -> str | None:
    """The candidate nearest to `name` by edit distance, if it is plausibly a typo or a
    decorated form (`auth-service` for `auth`)."""
    name_l = name.lower()
    best: tuple[int, str] | None = None
    for cand in dict.fromkeys(candidates):
        c = cand.lower()
        dist = levenshtein(name_l, c)
        parts = set(re.split(r"[-_.]", name_l))
        if c in parts or name_l in set(re.split(r"[-_.]", c)):
            dist = min(dist, 2)
        if best is None or dist < best[0]:
            best = (dist, cand)
    if best is None:
        return None
    limit = max(2, len(name) // 4)
    return best[1] if best[0] <= limit else None


def dns_names(project: Project) -> list[str]:
    """Every name compose DNS answers for in the project."""
    names: list[str] = []
    for svc in project.services.values():
        names.append(svc.name)
        names += [a for aliases in svc.networks.values() for a in aliases]
        if svc.container_name:
            names.append(svc.container_name)
        if svc.hostname:
            names.append(svc.hostname)
    return names


def route_label(route: ProxyRoute) -> str:
    where = f"location {route.path}" if route.path else "server"
    return f"{route.directive.name} {route.raw} ({where})"


def fmt_seconds(value: float) -> str:
    return f"{int(value)}s" if value == int(value) else f"{value}s"


# Includes whose content we know does not set the directives these rules look at.
HARMLESS_INCLUDES = frozenset(
    {
        "mime.types",
        "fastcgi_params",
        "fastcgi.conf",
        "uwsgi_params",
        "scgi_params",
        "proxy_params",
        "koi-utf",
        "koi-win",
        "win-utf",
    }
)


UNRESOLVED_INCLUDE_KINDS = frozenset({"include-missing", "include-outside", "include-cycle"})


def unresolved_includes(stack: Stack) -> set[tuple[str, int]]:
    """(file, line) of every include the loader could not follow."""
    return {
        (e.file, e.line)
        for e in stack.errors
        if e.kind in UNRESOLVED_INCLUDE_KINDS and e.line is not None
    }


def unknown_include_in_scope(block: Directive, unresolved: set[tuple[str, int]]) -> bool:
    """An `include` we could not splice (missing, outside the tree, or templated) in `block`
    or a level it inherits from: the effective directives there are unknown, so rules that
    look for a directive stay quiet. `unresolved` comes from `unresolved_includes`."""
    node: Directive | None = block
    while node is not None:
        for d in node.children("include"):
            arg = d.args[0] if d.args else ""
            if arg.rsplit("/", 1)[-1] in HARMLESS_INCLUDES:
                continue
            if "$" in arg or "{" in arg or (d.location.file, d.location.line) in unresolved:
                return True
        node = node.parent
    return False
