"""nginx block edits the nginx fixers share (the fixers live beside their rules). They
respect nginx's inheritance: array directives such as proxy_set_header are inherited only
by levels that define none of their own, so whenever a fix adds one to a block that so
far inherited the set, it copies the inherited entries in as well (otherwise
Host/X-Forwarded-* set at server level would silently vanish)."""

from __future__ import annotations

import os
from collections.abc import Iterable

from infradoctor.findings import Edit, Finding
from infradoctor.fixes import nginx_edit as ne
from infradoctor.fixes.context import FixContext, FixUnavailable
from infradoctor.lazyre import lazy
from infradoctor.model.nginx import Directive, NginxConfig, ProxyRoute

HEADER_CONTEXTS = ("location", "server", "http")


def header_block(route: ProxyRoute) -> Directive:
    """The block that takes proxy_* directives for a route (`if`/`limit_except` blocks
    cannot hold proxy_set_header, so their location does)."""
    node: Directive | None = route.directive.parent
    while node is not None and node.name not in HEADER_CONTEXTS:
        node = node.parent
    if node is None:
        raise FixUnavailable("pass directive outside location/server/http")
    return node


def proxy_blocks(
    routes: Iterable[ProxyRoute], kinds: tuple[str, ...] = ("proxy",)
) -> list[tuple[NginxConfig, Directive]]:
    seen: dict[int, tuple[NginxConfig, Directive]] = {}
    for r in routes:
        if r.kind not in kinds:
            continue
        b = header_block(r)
        seen.setdefault(id(b), (r.config, b))
    return list(seen.values())


def header_name(d: Directive) -> str:
    return d.args[0].lower() if d.args else ""


def is_empty_arg(arg: str) -> bool:
    return arg in ("", '""', "''")


class BlockEdits:
    """Collects what one fix wants inside each block, then renders one insert per block
    (several inserts at the same `}` would collide)."""

    def __init__(self, ctx: FixContext) -> None:
        self.ctx = ctx
        self.lines: dict[int, tuple[Directive, list[str]]] = {}
        self.replacements: list[Edit] = []

    def add(self, block: Directive, line: str) -> None:
        entry = self.lines.setdefault(id(block), (block, []))
        if line not in entry[1]:
            entry[1].append(line)

    def replace(self, d: Directive, text: str) -> None:
        self.replacements.append(ne.replace_directive(d, text))

    def set_headers(
        self,
        cfg: NginxConfig,
        block: Directive,
        headers: list[tuple[str, str]],
        *,
        override: bool = False,
    ) -> None:
        """Make `block`'s effective proxy_set_header set contain `headers`. `override`
        replaces a differing value of the same header in the block's own set."""
        own = block.children("proxy_set_header")
        wanted = {name.lower(): (name, value) for name, value in headers}
        keys = [header_name(d) for d in own]
        twice = sorted({k for k in keys if k in wanted and keys.count(k) > 1})
        if twice:  # which one the user meant is not ours to guess (nginx sends both)
            raise FixUnavailable(f"the block sets proxy_set_header {twice[0]} more than once")
        if own:
            for d in own:
                key = header_name(d)
                if key in wanted:
                    name, value = wanted[key]
                    current = d.args[1] if len(d.args) > 1 else ""
                    if current == value or (is_empty_arg(current) and value == ""):
                        wanted.pop(key)
                    elif override:
                        self.replace(d, ne.render("proxy_set_header", name, value))
                        wanted.pop(key)
                    else:
                        wanted.pop(key)
            for name, value in wanted.values():
                self.add(block, ne.render("proxy_set_header", name, value))
            return
        inherited = cfg.effective(block, "proxy_set_header")
        texts = self.ctx.texts
        missing = dict(wanted)
        for d in inherited:
            key = header_name(d)
            if key in missing:
                name, value = missing[key]
                current = d.args[1] if len(d.args) > 1 else ""
                if current == value or (is_empty_arg(current) and value == "") or not override:
                    missing.pop(key)
        if not missing:
            return
        for d in inherited:
            if header_name(d) in missing and override:
                continue
            self.add(block, ne.directive_text(texts, d))
        for name, value in missing.values():
            self.add(block, ne.render("proxy_set_header", name, value))

    def edits(self) -> list[Edit]:
        out = list(self.replacements)
        for block, lines in self.lines.values():
            if lines:
                out.append(self.ctx.insert_into_block(block, lines))
        return out


def ensure(edits: BlockEdits, cfg: NginxConfig, block: Directive, name: str, *args: str) -> None:
    current = cfg.effective_value(block, name)
    if current is not None and current.args == list(args):
        return
    own = block.child(name)
    if own is not None:
        edits.replace(own, ne.render(name, *args))
    else:
        edits.add(block, ne.render(name, *args))


def routes(
    ctx: FixContext, finding: Finding, root: str | None, upstream: str | None = None
) -> list[ProxyRoute]:
    """`ctx.routes_for`, none found refused."""
    routes = ctx.routes_for(finding, root, upstream)
    if not routes:
        raise FixUnavailable("no proxy route found for the finding")
    return routes


# ---------------------------------------------------------------- NGX002


def encloses(outer: Directive, inner: Directive) -> bool:
    return outer is inner or any(a is outer for a in inner.ancestors())


# ---------------------------------------------------------------- XF007


def _snippet_owner(ctx: FixContext, cfg: NginxConfig) -> NginxConfig:
    """Snippets of one conf.d directory share one http{}: the map goes into the first of
    them (by name), so two snippets never both define $connection_upgrade."""
    directory = os.path.dirname(cfg.root_file)

    def first_snippet() -> NginxConfig | None:
        snippets = [c for c in ctx.configs_in_dir(directory) if c.is_snippet]
        return min(snippets, key=lambda c: c.root_file) if snippets else None

    return ctx.memo(("snippet-owner", directory), first_snippet) or cfg


def upgrade_map_edit(ctx: FixContext, cfg: NginxConfig) -> Edit:
    """The edit adding `map $http_upgrade $connection_upgrade {...}` at the start of the
    http{} of `cfg` (for a conf.d snippet: at the top of the first snippet of its dir)."""
    owner = _snippet_owner(ctx, cfg) if cfg.http is None else cfg
    target = owner.http if owner.http is not None else (owner.root if owner.is_snippet else None)
    if target is None:
        raise FixUnavailable("no http{} to hold the map")
    text = ctx.text(target.file if target.name else owner.root_file)
    unit = ctx.indent_unit(target.file if target.name else owner.root_file)
    lines = [
        ne.MAP_UPGRADE[0],
        unit + ne.MAP_UPGRADE[1],
        unit + ne.MAP_UPGRADE[2],
        ne.MAP_UPGRADE[3],
    ]
    if target.name == "":
        pos = ne._after_leading_comments(text)
        return Edit(owner.root_file, pos, pos, "".join(f"{ln}\n" for ln in lines) + "\n")
    return ctx.insert_into_block(target, lines, at_start=True)


# ---------------------------------------------------------------- XF001 / XF002

_HOSTPORT = lazy(
    r"^(?P<scheme>[a-z]+://)?(?P<host>\[[^\]]+\]|[^:/]+)(?::(?P<port>\d+))?"
    r"(?P<rest>.*)$"
)


def target_directive(ctx: FixContext, finding: Finding, root: str | None) -> Directive:
    """The proxy_pass or upstream server directive at the finding, in config `root`."""
    found = ctx.directive_at(finding.location, ctx.configs_for(finding, root))
    if found is None:
        raise FixUnavailable("target directive not found")
    d = found[1]
    if not d.args or not (d.name.endswith("_pass") or d.name == "server"):
        raise FixUnavailable("not a pass/server directive")
    return d


def rewrite_target(ctx: FixContext, d: Directive, host: str | None, port: int | None) -> Edit:
    text = ne.directive_text(ctx.texts, d)
    arg = d.args[0]
    m = _HOSTPORT.match(arg)
    if m is None or (host is None and port is None):
        raise FixUnavailable("cannot parse target")
    new_arg = (m.group("scheme") or "") + (host or m.group("host"))
    if port is not None:
        new_arg += f":{port}"
    elif m.group("port"):
        new_arg += f":{m.group('port')}"
    new_arg += m.group("rest")
    if arg not in text:
        raise FixUnavailable("argument not found in source")
    return ne.replace_directive(d, text.replace(arg, new_arg, 1))
