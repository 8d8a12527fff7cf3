"""NGX002: proxied routes that rely on nginx's implicit 60 s connect/read timeouts."""

from __future__ import annotations

from collections.abc import Iterator

from infradoctor.facts.websocket import is_websocket_route
from infradoctor.findings import Applicability, Finding, Fix, Severity
from infradoctor.fixes import nginx_blocks as nb
from infradoctor.fixes import nginx_edit as ne
from infradoctor.fixes.context import FixContext, make_fix
from infradoctor.model.nginx import Directive, ProxyRoute
from infradoctor.model.stack import Stack
from infradoctor.records import record
from infradoctor.rules.base import Example, Rule
from infradoctor.rules.nginx._common import (
    BlockSubject,
    block_subject,
    describe,
    effective_value,
    group_by_block,
    proxies_phrase,
    uncertain_chain,
)

TIMEOUTS = {
    "proxy": ("proxy_connect_timeout", "proxy_read_timeout"),
    "grpc": ("grpc_connect_timeout", "grpc_read_timeout"),
    "fastcgi": ("fastcgi_connect_timeout", "fastcgi_read_timeout"),
    "uwsgi": ("uwsgi_connect_timeout", "uwsgi_read_timeout"),
}


# Websocket routes idle for minutes: a 60 s read timeout drops them, so only the connect
# timeout is demanded there, and the fixer gives them long read/send timeouts of their own.
def _defaults(names: list[str] | set[str]) -> str:
    ordered = [n for k in ("proxy", "grpc", "fastcgi", "uwsgi") for n in TIMEOUTS[k] if n in names]
    return " and ".join(f"{n} 60s" for n in ordered)


# ---------------------------------------------------------------- fix

SAFE = Applicability.SAFE


FIX_TIMEOUTS = (("connect", "5s"), ("send", "60s"), ("read", "60s"))


def fix_proxy_timeouts(ctx: FixContext, finding: Finding) -> Fix | None:
    """Timeouts are simple directives (inherited unless redefined), so they go into the
    block the rule grouped its routes by (usually the server): one edit covers them all."""
    from infradoctor.facts.websocket import WEBSOCKET_TIMEOUT, is_websocket_route

    routes = nb.routes(ctx, finding, ctx.subject(finding, ImplicitTimeouts).config)
    found = ctx.data_block(finding)
    if found is not None:
        # The finding groups every route of its block: the server-level timeouts reach them
        # all, so each websocket route among them needs its own long ones in the same fix.
        listed = {id(r) for r in routes}
        routes += [r for r in ctx.routes_in(*found) if id(r) not in listed]
    edits = nb.BlockEdits(ctx)
    placed: dict[tuple[int, str], str] = {}  # (block, directive) -> value already added

    def put(block: Directive, name: str, value: str) -> None:
        if placed.setdefault((id(block), name), value) == value:
            edits.add(block, ne.render(name, value))

    for r in routes:
        if r.kind not in ("proxy", "grpc", "uwsgi", "fastcgi"):
            continue
        cfg, block = r.config, nb.header_block(r)
        holder = found[1] if found is not None and nb.encloses(found[1], block) else block
        websocket = is_websocket_route(ctx.stack, r)
        for what, value in FIX_TIMEOUTS:
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


@record(frozen=True, kw_only=True)
class ImplicitTimeouts(BlockSubject):
    """The block whose routes use default timeouts: which, and their paths."""

    missing: list[str] | None = None
    paths: list[str] | None = None


class ProxyTimeoutsImplicit(Rule):
    code = "NGX002"
    name = "proxy-timeouts-implicit"
    title = "Proxied route relies on nginx's implicit connect/read timeouts"
    severity = Severity.INFO
    category = "nginx"
    why = (
        "Without `proxy_connect_timeout` and `proxy_read_timeout` nginx waits 60 s for a TCP "
        "connect and 60 s between two reads from the backend. Both defaults are wrong for "
        "most stacks: a backend container that is down or restarting keeps every request "
        "hanging for up to a minute before the 504 (instead of failing over to the next "
        "upstream server in a second or two), while a report or export endpoint that "
        "legitimately takes 90 s always ends in `upstream timed out (110) while reading "
        "response header from upstream`. Writing the values down forces the decision and "
        "lets them be checked against the app server's own timeout (XF008).\n\n"
        "Timeouts inherited from the `server` or `http` level count; the rule reports one "
        "finding per server, listing the routes that fall back to the defaults. The same "
        "applies to `grpc_*`, `fastcgi_*` and `uwsgi_*` timeouts for those pass directives.\n\n"
        "Websocket routes (Upgrade header, or a ws-looking path, upstream or service, as in "
        "XF007) only need the connect timeout: their read timeout must be long (an idle "
        "socket is closed after it), so the fix gives them "
        "`proxy_read_timeout 3600s; proxy_send_timeout 3600s;` in their own location when "
        "it adds the server-level values."
    )
    how_to_fix = (
        "Set both timeouts where they apply to every proxied route (the `server` or `http` "
        "block) and override them on slow locations:\n\n"
        "```nginx\nserver {\n    proxy_connect_timeout 5s;\n    proxy_read_timeout 60s;\n"
        "    location /reports/ {\n        proxy_read_timeout 300s;\n"
        "        proxy_pass http://api;\n    }\n}\n```"
    )
    fixer = staticmethod(fix_proxy_timeouts)
    fix_applicability = Applicability.SAFE
    references = (
        "https://nginx.org/en/docs/http/ngx_http_proxy_module.html#proxy_connect_timeout",
        "https://nginx.org/en/docs/http/ngx_http_proxy_module.html#proxy_read_timeout",
    )
    examples = (
        Example(
            bad={
                "nginx/conf.d/app.conf": (
                    "server {\n"
                    "    listen 80;\n"
                    "    location / {\n"
                    "        proxy_pass http://api:8000;\n"
                    "    }\n"
                    "}\n"
                )
            },
            good={
                "nginx/conf.d/app.conf": (
                    "server {\n"
                    "    listen 80;\n"
                    "    proxy_connect_timeout 5s;\n"
                    "    proxy_read_timeout 60s;\n"
                    "    location / {\n"
                    "        proxy_pass http://api:8000;\n"
                    "    }\n"
                    "}\n"
                )
            },
        ),
        Example(
            bad={
                "nginx.conf": (
                    "events {}\n"
                    "http {\n"
                    "    proxy_read_timeout 120s;\n"
                    "    server {\n"
                    "        listen 80;\n"
                    "        location /api/ { proxy_pass http://api:8000; }\n"
                    "    }\n"
                    "}\n"
                )
            },
            good={
                "nginx.conf": (
                    "events {}\n"
                    "http {\n"
                    "    proxy_connect_timeout 3s;\n"
                    "    proxy_read_timeout 120s;\n"
                    "    server {\n"
                    "        listen 80;\n"
                    "        location /api/ { proxy_pass http://api:8000; }\n"
                    "    }\n"
                    "}\n"
                )
            },
            description="Timeouts set at the http level are inherited by every location.",
        ),
    )

    def check(self, stack: Stack) -> Iterator[Finding]:
        for cfg in stack.nginx:
            found: list[tuple[Directive, ProxyRoute, set[str]]] = []
            for route in cfg.routes:
                pair = TIMEOUTS.get(route.kind)
                if pair is None:
                    continue
                ctx = route.context
                if uncertain_chain(cfg, ctx):
                    continue
                # connect only on websocket routes: their read timeout must be long
                names = pair[:1] if is_websocket_route(stack, route) else pair
                missing = {n for n in names if effective_value(stack, cfg, ctx, n) is None}
                if not missing:
                    continue
                found.append((route.server or route.location_block or ctx, route, missing))
            per_route = {id(r): m for _, r, m in found}
            for block, routes, missing_names in group_by_block(found):
                first = routes[0]
                ordered = [
                    n
                    for k in ("proxy", "grpc", "fastcgi", "uwsgi")
                    for n in TIMEOUTS[k]
                    if n in missing_names
                ]
                paths = sorted({r.path or "/" for r in routes})
                by_missing: dict[str, list[str]] = {}
                for r in routes:
                    label = _defaults(per_route[id(r)])
                    path = f"`{r.path or '/'}`"
                    if path not in by_missing.setdefault(label, []):
                        by_missing[label].append(path)
                if len(by_missing) == 1:
                    implicit = f"nginx's implicit {next(iter(by_missing))}"
                else:
                    implicit = "nginx's implicit " + "; ".join(
                        f"{label} ({', '.join(sorted(p))})" for label, p in by_missing.items()
                    )
                slow = (
                    ", and anything slower than 60 s always fails"
                    if any(n.endswith("_read_timeout") for n in ordered)
                    else ""
                )
                yield self.finding(
                    first.directive.location,
                    f"{proxies_phrase(block, routes)} with {implicit}: a down or hung "
                    f"backend holds each request for up to a minute before the 504{slow}",
                    subject=describe(block),
                    related=[r.directive.location for r in routes[1:]],
                    detail=block_subject(
                        ImplicitTimeouts, cfg, block, missing=ordered, paths=paths
                    ),
                )
