"""Helpers shared by the nginx rules: inheritance-aware lookups that know about
well-known system includes, fixer data, and human-readable block names."""

from __future__ import annotations

import posixpath
from collections.abc import Iterable
from typing import Any, TypeVar

from infradoctor.facts.hosts import is_ip as is_ip  # re-exported
from infradoctor.model.nginx import Directive, NginxConfig, ProxyRoute
from infradoctor.model.stack import Stack
from infradoctor.runmemo import per_run
from infradoctor.subjects import BlockSubject as BlockSubject  # re-exported
from infradoctor.syntax import globpat

# What Debian/Ubuntu's /etc/nginx/proxy_params sets (lower-case header names).
PROXY_PARAMS_HEADERS = frozenset({"host", "x-real-ip", "x-forwarded-for", "x-forwarded-proto"})
# System files whose content is known and irrelevant to the rules (or modelled, like
# proxy_params): an unresolved include of one does not make a level uncertain.
KNOWN_SYSTEM_INCLUDES = frozenset(
    {
        "mime.types",
        "proxy_params",
        "fastcgi_params",
        "fastcgi.conf",
        "uwsgi_params",
        "scgi_params",
        "fastcgi-php.conf",
        "snakeoil.conf",
        "options-ssl-nginx.conf",
        "koi-utf",
        "koi-win",
        "win-utf",
    }
)


def sibling_http(stack: Stack | None, cfg: NginxConfig, name: str) -> list[Directive]:
    """Top-level `name` directives of the other files in a conf.d snippet's directory:
    nginx loads them all into one http{}, so their top-level settings are the snippet's
    http-level defaults."""
    if stack is None or not cfg.is_snippet:
        return []
    here = posixpath.dirname(cfg.root_file)
    out: list[Directive] = []
    for other, entries in stack.index.top_level(here, name):
        if other is not cfg:
            out.extend(entries)
    return out


def effective_value(
    stack: Stack | None, cfg: NginxConfig, block: Directive, name: str
) -> Directive | None:
    """cfg.effective_value, falling back to a conf.d sibling's http-level setting."""
    found = cfg.effective_value(block, name)
    if found is None:
        siblings = sibling_http(stack, cfg, name)
        return siblings[-1] if siblings else None
    return found


B = TypeVar("B", bound=BlockSubject)


def block_subject(cls: type[B], cfg: NginxConfig, block: Directive | None, **extra: Any) -> B:
    """What a fixer needs to insert directives into `block` (the root when None), as the
    rule's subject type `cls` with its own fields in `extra`."""
    where: dict[str, Any] = {}
    if block is not None and block.name:
        where = {
            "block": block.name,
            "block_file": block.file,
            "block_line": block.location.line,
            "block_open": block.block_open,
            "block_close": block.block_close,
        }
    return cls(config=cfg.root_file, **where, **extra)


def describe(block: Directive | None) -> str:
    """`location /api`, `server example.com`, `http`, ... for messages."""
    if block is None or not block.name:
        return "the top level"
    if block.name == "server":
        names = [a for d in block.children("server_name") for a in d.args if a != "_"]
        return f"server `{names[0]}`" if names else "server"
    if block.args:
        return f"{block.name} `{' '.join(block.args)}`"
    return block.name


_BASENAMES: dict[int, tuple[NginxConfig, frozenset[str]]] = per_run({})


def _basenames(cfg: NginxConfig) -> frozenset[str]:
    """Base names of the config's files (cached: rules ask for every include)."""
    hit = _BASENAMES.get(id(cfg))
    if hit is not None and hit[0] is cfg:
        return hit[1]
    if len(_BASENAMES) > 256:
        _BASENAMES.clear()
    names = frozenset(posixpath.basename(f) for f in cfg.files)
    _BASENAMES[id(cfg)] = (cfg, names)
    return names


def include_resolved(cfg: NginxConfig, include: Directive) -> bool:
    """Whether an `include` pulled a file of the tree in. The loader records that
    (`cfg.known_includes`; in an `nginx -T` dump a glob matching no member counts too);
    for a config built without it, guess from the pattern's base name."""
    if not include.args:
        return True
    if cfg.known_includes is not None:
        return include in cfg.known_includes
    pattern = posixpath.basename(include.args[0])
    names = _basenames(cfg)
    if not any(c in pattern for c in "*?["):
        return pattern in names
    return any(globpat.fnmatchcase(n, pattern) for n in names)


_INCLUDES: dict[int, tuple[NginxConfig, Directive, list[Directive], bool]] = per_run({})


def _block_includes(cfg: NginxConfig, block: Directive) -> tuple[list[Directive], bool]:
    """(opaque includes, unresolved `include proxy_params`) of a block, cached: rules ask
    for every route, and a block may hold thousands of includes."""
    hit = _INCLUDES.get(id(block))
    if hit is not None and hit[0] is cfg and hit[1] is block:
        return hit[2], hit[3]
    if len(_INCLUDES) > 65536:
        _INCLUDES.clear()
    opaque: list[Directive] = []
    params = False
    for d in block.children("include"):
        if not d.args:
            continue
        resolved = include_resolved(cfg, d)
        base = posixpath.basename(d.args[0])
        if base == "proxy_params" and not resolved:
            params = True
        if resolved or base in KNOWN_SYSTEM_INCLUDES:
            continue  # known content, none of it or only what the rules model
        opaque.append(d)
    _INCLUDES[id(block)] = (cfg, block, opaque, params)
    return opaque, params


def opaque_includes(cfg: NginxConfig, block: Directive) -> list[Directive]:
    """Includes in `block` whose content is unknown (not in the tree, not proxy_params):
    they may define anything, so rules stay quiet about that level."""
    return list(_block_includes(cfg, block)[0])


def uses_system_proxy_params(cfg: NginxConfig, block: Directive) -> bool:
    return _block_includes(cfg, block)[1]


def header_level(
    cfg: NginxConfig,
    block: Directive,
    name: str = "proxy_set_header",
    stack: Stack | None = None,
) -> tuple[Directive | None, set[str], bool]:
    """The level whose `name` entries apply in `block` (nginx array inheritance), the
    lower-case header names it sets, and whether the level's content is uncertain
    (an opaque include sits there). For proxy_set_header an unresolved
    `include proxy_params` counts as setting the Debian set."""
    node: Directive | None = block
    while node is not None:
        entries = node.children(name)
        params = name == "proxy_set_header" and uses_system_proxy_params(cfg, node)
        if entries or params:
            names = {d.args[0].lower() for d in entries if d.args}
            if params:
                names |= PROXY_PARAMS_HEADERS
            return node, names, bool(opaque_includes(cfg, node))
        if opaque_includes(cfg, node):
            return None, set(), True
        node = node.parent
    siblings = sibling_http(stack, cfg, name)
    if siblings:  # a conf.d sibling sets them at the http level
        return cfg.root, {d.args[0].lower() for d in siblings if d.args}, False
    return None, set(), False


def header_value(
    cfg: NginxConfig, level: Directive | None, header: str, name: str = "proxy_set_header"
) -> str | None:
    if level is None:
        return None
    for d in level.children(name):
        if len(d.args) >= 2 and d.args[0].lower() == header.lower():
            return d.args[1]
    if header.lower() in PROXY_PARAMS_HEADERS and uses_system_proxy_params(cfg, level):
        return "(proxy_params)"
    return None


def uncertain_chain(cfg: NginxConfig, block: Directive) -> bool:
    """An opaque include anywhere from `block` up: simple directives might come from it."""
    node: Directive | None = block
    while node is not None:
        if opaque_includes(cfg, node):
            return True
        node = node.parent
    return False


def group_by_block(
    found: Iterable[tuple[Directive, ProxyRoute, Iterable[str]]],
) -> list[tuple[Directive, list[ProxyRoute], list[str]]]:
    """(block, route, what the route misses) grouped into one entry per block, so a rule
    reports a server once rather than each of its locations: blocks and routes in the order
    seen, and the union of what they miss in first-seen order."""
    groups: dict[int, tuple[Directive, list[ProxyRoute], list[str]]] = {}
    for block, route, missing in found:
        entry = groups.setdefault(id(block), (block, [], []))
        entry[1].append(route)
        for name in missing:
            if name not in entry[2]:
                entry[2].append(name)
    return list(groups.values())


def route_label(route: ProxyRoute) -> str:
    if route.upstream is not None:
        return f"upstream `{route.upstream.name}`"
    return f"`{route.raw}`"


def targets_label(routes: list[ProxyRoute]) -> str:
    """The distinct targets of some routes, for messages (`upstream `api`, `php:9000``)."""
    labels = list(dict.fromkeys(route_label(r) for r in routes))
    return ", ".join(labels[:4]) + (" ..." if len(labels) > 4 else "")


def location_label(route: ProxyRoute) -> str:
    return f"location {route.path}" if route.path is not None else "the server"


def map_values(cfg: NginxConfig, variable: str) -> list[str] | None:
    """Values a `map ... $variable {}` or `set $variable value` can yield (None: unknown)."""
    values: list[str] = []
    found = False
    for d in cfg.walk():
        if d.name == "map" and len(d.args) >= 2 and d.args[1] == variable and d.block:
            found = True
            for e in d.block:
                if e.name in ("hostnames", "volatile", "include"):
                    continue
                if e.args:
                    values.append(e.args[-1])
        elif d.name == "set" and len(d.args) >= 2 and d.args[0] == variable:
            found = True
            values.append(d.args[1])
    return values if found else None


def proxies_phrase(block: Directive, routes: list[ProxyRoute]) -> str:
    """`location /api proxies to X` or `server a.com proxies /, /api to X and /g/ to Y`
    for messages: each route is named with its own target (routes of one server often go
    to different backends)."""
    by_target: dict[str, list[str]] = {}
    for r in routes:
        paths = by_target.setdefault(route_label(r), [])
        path = r.path or "/"
        if path not in paths:
            paths.append(path)
    if block.name == "location" and len(by_target) == 1:
        return f"{describe(block)} proxies to {next(iter(by_target))}"
    parts: list[str] = []
    for target, paths in list(by_target.items())[:4]:
        ordered = sorted(paths)
        where = ", ".join(f"`{p}`" for p in ordered[:4]) + (" ..." if len(ordered) > 4 else "")
        parts.append(f"{where} to {target}")
    more = " ..." if len(by_target) > 4 else ""
    return f"{describe(block)} proxies {' and '.join(parts)}{more}"
