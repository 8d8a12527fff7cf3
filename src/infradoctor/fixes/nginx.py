"""nginx fixers. They respect nginx's inheritance: array directives such as
proxy_set_header are inherited only by levels that define none of their own, so whenever a
fix adds one to a block that so far inherited the set, it copies the inherited entries in
as well (otherwise Host/X-Forwarded-* set at server level would silently vanish)."""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Iterable

from infradoctor.findings import Applicability, Edit, Finding, Fix
from infradoctor.fixes import nginx_edit as ne
from infradoctor.fixes.context import FixContext, FixUnavailable, make_fix
from infradoctor.model.nginx import Directive, NginxConfig, ProxyRoute

SAFE = Applicability.SAFE
DISPLAY = Applicability.DISPLAY_ONLY

FORWARDED_HEADERS = (
    ("Host", "$host"),
    ("X-Real-IP", "$remote_addr"),
    ("X-Forwarded-For", "$proxy_add_x_forwarded_for"),
    ("X-Forwarded-Proto", "$scheme"),
)
TIMEOUTS = (("connect", "5s"), ("send", "60s"), ("read", "60s"))
HEADER_CONTEXTS = ("location", "server", "http")


def _header_block(route: ProxyRoute) -> Directive:
    """The block that takes proxy_* directives for a route (`if`/`limit_except` blocks
    cannot hold proxy_set_header, so their location does)."""
    node: Directive | None = route.directive.parent
    while node is not None and node.name not in HEADER_CONTEXTS:
        node = node.parent
    if node is None:
        raise FixUnavailable("pass directive outside location/server/http")
    return node


def _blocks(
    routes: Iterable[ProxyRoute], kinds: tuple[str, ...] = ("proxy",)
) -> list[tuple[NginxConfig, Directive]]:
    seen: dict[int, tuple[NginxConfig, Directive]] = {}
    for r in routes:
        if r.kind not in kinds:
            continue
        b = _header_block(r)
        seen.setdefault(id(b), (r.config, b))
    return list(seen.values())


def _header_name(d: Directive) -> str:
    return d.args[0].lower() if d.args else ""


def _is_empty_arg(arg: str) -> bool:
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
        if own:
            for d in own:
                key = _header_name(d)
                if key in wanted:
                    name, value = wanted[key]
                    current = d.args[1] if len(d.args) > 1 else ""
                    if current == value or (_is_empty_arg(current) and value == ""):
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
            key = _header_name(d)
            if key in missing:
                name, value = missing[key]
                current = d.args[1] if len(d.args) > 1 else ""
                if current == value or (_is_empty_arg(current) and value == "") or not override:
                    missing.pop(key)
        if not missing:
            return
        for d in inherited:
            if _header_name(d) in missing and override:
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


def _ensure(edits: BlockEdits, cfg: NginxConfig, block: Directive, name: str, *args: str) -> None:
    current = cfg.effective_value(block, name)
    if current is not None and current.args == list(args):
        return
    own = block.child(name)
    if own is not None:
        edits.replace(own, ne.render(name, *args))
    else:
        edits.add(block, ne.render(name, *args))


def _routes(ctx: FixContext, finding: Finding) -> list[ProxyRoute]:
    routes = ctx.routes_for(finding)
    if not routes:
        raise FixUnavailable("no proxy route found for the finding")
    return routes


# ---------------------------------------------------------------- NGX011


def fix_upstream_keepalive(ctx: FixContext, finding: Finding) -> Fix | None:
    routes = _routes(ctx, finding)
    edits = BlockEdits(ctx)
    for cfg, block in _blocks(routes):
        _ensure(edits, cfg, block, "proxy_http_version", "1.1")
        own = block.children("proxy_set_header")
        conn = [
            d
            for d in (own or cfg.effective(block, "proxy_set_header"))
            if _header_name(d) == "connection"
        ]
        if conn and not all(_is_empty_arg(d.args[1] if len(d.args) > 1 else "") for d in conn):
            continue  # a websocket route sets Connection on purpose
        edits.set_headers(cfg, block, [("Connection", "")])
    upstreams = {id(r.upstream): r.upstream for r in routes if r.upstream is not None}
    for up in upstreams.values():
        if up is not None and up.keepalive is None:
            edits.add(up.directive, ne.render("keepalive", "16"))
    return make_fix(
        "Make upstream keepalive work: `proxy_http_version 1.1` and "
        '`proxy_set_header Connection ""`',
        SAFE,
        edits.edits(),
    )


# ---------------------------------------------------------------- NGX002


def fix_proxy_timeouts(ctx: FixContext, finding: Finding) -> Fix | None:
    """Timeouts are simple directives (inherited unless redefined), so they go into the
    block the rule grouped its routes by (usually the server): one edit covers them all."""
    from infradoctor.facts.websocket import WEBSOCKET_TIMEOUT, is_websocket_route

    routes = _routes(ctx, finding)
    found = ctx.data_block(finding)
    if found is not None:
        # The finding groups every route of its block: the server-level timeouts reach them
        # all, so each websocket route among them needs its own long ones in the same fix.
        listed = {id(r) for r in routes}
        routes += [r for r in ctx.routes_in(*found) if id(r) not in listed]
    edits = BlockEdits(ctx)
    placed: dict[tuple[int, str], str] = {}  # (block, directive) -> value already added

    def put(block: Directive, name: str, value: str) -> None:
        if placed.setdefault((id(block), name), value) == value:
            edits.add(block, ne.render(name, value))

    for r in routes:
        if r.kind not in ("proxy", "grpc", "uwsgi", "fastcgi"):
            continue
        cfg, block = r.config, _header_block(r)
        holder = found[1] if found is not None and _encloses(found[1], block) else block
        websocket = is_websocket_route(ctx.stack, r)
        for what, value in TIMEOUTS:
            name = f"{r.kind}_{what}_timeout"
            if cfg.effective_value(block, name) is not None:
                continue
            if websocket and what != "connect":
                # An idle websocket must outlive the server-wide 60 s: its own long value.
                put(block, name, WEBSOCKET_TIMEOUT)
            else:
                put(holder, name, value)
    return make_fix(
        "Set explicit proxy connect/send/read timeouts (5s/60s/60s)", SAFE, edits.edits()
    )


def _encloses(outer: Directive, inner: Directive) -> bool:
    return outer is inner or any(a is outer for a in inner.ancestors())


# ---------------------------------------------------------------- XF012

NEXT_UPSTREAM = ("error", "timeout", "http_502", "http_503")


def fix_next_upstream(ctx: FixContext, finding: Finding) -> Fix | None:
    routes = _routes(ctx, finding)
    edits = BlockEdits(ctx)
    for cfg, block in _blocks(routes):
        current = cfg.effective_value(block, "proxy_next_upstream")
        args = list(current.args) if current is not None else ["error", "timeout"]
        if "off" in args:
            continue
        merged = args + [a for a in NEXT_UPSTREAM if a not in args]
        if merged != args or current is None:
            own = block.child("proxy_next_upstream")
            if own is not None:
                edits.replace(own, ne.render("proxy_next_upstream", *merged))
            else:
                edits.add(block, ne.render("proxy_next_upstream", *merged))
        if cfg.effective_value(block, "proxy_next_upstream_tries") is None:
            edits.add(block, ne.render("proxy_next_upstream_tries", "3"))
    return make_fix(
        "Retry the next replica on error/timeout/502/503 (`proxy_next_upstream`, 3 tries)",
        SAFE,
        edits.edits(),
    )


# ---------------------------------------------------------------- XF007


def _snippet_owner(ctx: FixContext, cfg: NginxConfig) -> NginxConfig:
    """Snippets of one conf.d directory share one http{}: the map goes into the first of
    them (by name), so two snippets never both define $connection_upgrade."""
    directory = os.path.dirname(cfg.root_file)

    def first_snippet() -> NginxConfig | None:
        snippets = [c for c in ctx.configs_in_dir(directory) if c.is_snippet]
        return min(snippets, key=lambda c: c.root_file) if snippets else None

    return ctx.memo(("snippet-owner", directory), first_snippet) or cfg


def _upgrade_var(ctx: FixContext, cfg: NginxConfig) -> str | None:
    """The `$connection_upgrade`-like variable an existing `map $http_upgrade` defines in
    `cfg` or, for a conf.d snippet, in any snippet of its directory (they share http{})."""
    if not cfg.is_snippet:
        return ctx.upgrade_map([cfg])
    directory = os.path.dirname(cfg.root_file)
    return ctx.memo(
        ("upgrade-map-dir", directory), lambda: ctx.upgrade_map(ctx.configs_in_dir(directory))
    )


def _upgrade_map_edit(ctx: FixContext, cfg: NginxConfig) -> Edit:
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


def fix_websocket(ctx: FixContext, finding: Finding) -> Fix | None:
    routes = _routes(ctx, finding)
    edits = BlockEdits(ctx)
    map_edits: list[Edit] = []
    for cfg, block in _blocks(routes):
        var = _upgrade_var(ctx, cfg)
        if var is None:
            var = "connection_upgrade"
            map_edits.append(_upgrade_map_edit(ctx, cfg))
        _ensure(edits, cfg, block, "proxy_http_version", "1.1")
        edits.set_headers(
            cfg, block, [("Upgrade", "$http_upgrade"), ("Connection", f"${var}")], override=True
        )
    unique = {(e.file, e.start): e for e in map_edits}
    return make_fix(
        "Pass websocket upgrades (Upgrade/Connection headers, HTTP/1.1)",
        SAFE,
        [*unique.values(), *edits.edits()],
    )


# ---------------------------------------------------------------- NGX012


def fix_undefined_variable(ctx: FixContext, finding: Finding) -> Fix | None:
    """Only `$connection_upgrade` has one standard definition (the websocket map); any other
    undefined variable is a typo or a missing map whose values the tool cannot know."""
    if finding.data.get("variable") != "connection_upgrade":
        raise FixUnavailable("no standard definition for this variable")
    cfgs = ctx.configs_for(finding)
    if not cfgs:
        raise FixUnavailable("config not found")
    return make_fix(
        "Define `$connection_upgrade` (`map $http_upgrade $connection_upgrade`)",
        SAFE,
        [_upgrade_map_edit(ctx, cfgs[0])],
    )


# ---------------------------------------------------------------- NGX003


def fix_forwarded_headers(ctx: FixContext, finding: Finding) -> Fix | None:
    """Add the missing headers at the level whose proxy_set_header set is in effect (so
    every route inheriting it gets them); with no set anywhere, at the rule's block.
    Every route the finding names (its location and its related ones) is fixed at once:
    when some have sets of their own, each gets the headers in its block."""
    routes = _routes(ctx, finding)
    seen = {id(r) for r in routes}
    for loc in finding.related:
        for r in ctx.routes_for(dataclasses.replace(finding, location=loc, related=())):
            if id(r) not in seen:
                seen.add(id(r))
                routes.append(r)
    found = ctx.data_block(finding)
    missing = {str(m).lower() for m in finding.data.get("missing") or ()}
    wanted = [h for h in FORWARDED_HEADERS if not missing or h[0].lower() in missing]
    edits = BlockEdits(ctx)
    for cfg, block in _blocks(routes):
        level: Directive | None = block
        while level is not None and not level.children("proxy_set_header"):
            level = level.parent
        if level is not None and level.name in HEADER_CONTEXTS:
            target = level
        elif (
            found is not None
            and found[1].name in HEADER_CONTEXTS
            and _encloses(found[1], block)
            and not _overridden_below(ctx, cfg, found[1])
        ):
            target = found[1]
        else:
            # Sibling locations with sets of their own would not inherit a server-level
            # copy (they get theirs from their own findings): one place per route.
            target = block
        edits.set_headers(cfg, target, wanted)
    return make_fix("Pass Host and X-Forwarded-* headers to the backend", SAFE, edits.edits())


def _overridden_below(ctx: FixContext, cfg: NginxConfig, outer: Directive) -> bool:
    """Whether some proxied route inside `outer` has a proxy_set_header set of its own
    below `outer`, so headers added to `outer` would not reach it (once per block)."""
    return ctx.memo(
        ("overridden-below", id(cfg), id(outer)),
        lambda: _overridden_below_scan(ctx.routes_in(cfg, outer), outer),
    )


def _overridden_below_scan(routes: list[ProxyRoute], outer: Directive) -> bool:
    for r in routes:
        if r.kind != "proxy":
            continue
        node: Directive | None = r.directive.parent
        while node is not None and node is not outer:
            if node.children("proxy_set_header"):
                return True
            node = node.parent
    return False


# ---------------------------------------------------------------- NGX001


def fix_server_tokens(ctx: FixContext, finding: Finding) -> Fix | None:
    cfgs = ctx.configs_for(finding)
    at = ctx.directive_at(finding.location, cfgs)
    edits = BlockEdits(ctx)
    line = ne.render("server_tokens", "off")
    if at is not None and at[1].name == "server_tokens":
        edits.replace(at[1], line)
        return make_fix("Hide the nginx version (`server_tokens off`)", SAFE, edits.edits())
    found = ctx.data_block(finding) or at
    if found is None or found[1].block is None:
        raise FixUnavailable("block not found")
    block = found[1]
    if block.name == "http":
        edits.replacements.append(ctx.insert_into_block(block, [line], at_start=True))
    else:
        # A snippet's finding covers its servers: give each one that still shows the
        # version its own `server_tokens off` (the http level is not in this file).
        cfg = found[0]
        for server in ctx.config_index(cfg).servers or [block]:
            value = cfg.effective_value(server, "server_tokens")
            if value is None and server.file == block.file:
                edits.add(server, line)
        if block.name != "server":
            edits.add(block, line)
    return make_fix("Hide the nginx version (`server_tokens off`)", SAFE, edits.edits())


# ---------------------------------------------------------------- XF001 / XF002

_HOSTPORT = re.compile(
    r"^(?P<scheme>[a-z]+://)?(?P<host>\[[^\]]+\]|[^:/]+)(?::(?P<port>\d+))?"
    r"(?P<rest>.*)$"
)


def _target_directive(ctx: FixContext, finding: Finding) -> Directive:
    found = ctx.directive_at(finding.location, ctx.configs_for(finding))
    if found is None:
        raise FixUnavailable("target directive not found")
    d = found[1]
    if not d.args or not (d.name.endswith("_pass") or d.name == "server"):
        raise FixUnavailable("not a pass/server directive")
    return d


def _rewrite_target(ctx: FixContext, d: Directive, host: str | None, port: int | None) -> Edit:
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


def fix_unknown_host(ctx: FixContext, finding: Finding) -> Fix | None:
    suggestion = finding.data.get("suggestion")
    if not suggestion:
        raise FixUnavailable("no suggestion")
    d = _target_directive(ctx, finding)
    return make_fix(
        f"Did you mean `{suggestion}`?", DISPLAY, [_rewrite_target(ctx, d, str(suggestion), None)]
    )


def fix_port_mismatch(ctx: FixContext, finding: Finding) -> Fix | None:
    port = finding.data.get("suggested_port")
    if not port:
        raise FixUnavailable("no suggested port")
    d = _target_directive(ctx, finding)
    return make_fix(
        f"The service listens on {port}: proxy to that port",
        DISPLAY,
        [_rewrite_target(ctx, d, None, int(port))],
    )
