"""NGX003: proxying without Host / X-Forwarded-* headers hides the client from the app."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

from infradoctor.findings import Applicability, Finding, Fix, Severity
from infradoctor.fixes import nginx_blocks as nb
from infradoctor.fixes.context import FixContext, make_fix
from infradoctor.model.nginx import Directive, NginxConfig, ProxyRoute
from infradoctor.model.stack import Stack
from infradoctor.records import record
from infradoctor.rules.base import Example, Rule
from infradoctor.rules.nginx._common import (
    PROXY_PARAMS_HEADERS,
    BlockSubject,
    block_subject,
    describe,
    group_by_block,
    header_level,
    is_ip,
    proxies_phrase,
    uses_system_proxy_params,
)

REQUIRED = ("Host", "X-Forwarded-For", "X-Forwarded-Proto")
CONSEQUENCE = {
    "Host": "the app sees the upstream name instead of the public host (wrong absolute "
    "URLs and redirects)",
    "X-Forwarded-For": "every client IP looks like nginx's (logs, rate limits, geo)",
    "X-Forwarded-Proto": "the app cannot tell HTTPS from HTTP (redirect loops, insecure "
    "cookies, broken OAuth callbacks)",
}
SUGGESTED = {
    "Host": "proxy_set_header Host $host;",
    "X-Forwarded-For": "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;",
    "X-Forwarded-Proto": "proxy_set_header X-Forwarded-Proto $scheme;",
}


def _external(route: ProxyRoute) -> bool:
    """A public host (api.example.com): its own Host header must stay $proxy_host."""
    hosts = [t.host for t in route.targets]
    return bool(hosts) and all(
        h
        and "." in h
        and not is_ip(h)
        and "$" not in h
        and not h.endswith((".local", ".internal", ".svc"))
        for h in hosts
    )


def _all_levels(cfg: NginxConfig, block: Directive) -> set[str]:
    """Headers set at any level from `block` up (inherited or lost)."""
    names: set[str] = set()
    node: Directive | None = block
    while node is not None:
        names |= {d.args[0].lower() for d in node.children("proxy_set_header") if d.args}
        if uses_system_proxy_params(cfg, node):
            names |= PROXY_PARAMS_HEADERS
        node = node.parent
    return names


# ---------------------------------------------------------------- fix

SAFE = Applicability.SAFE


FORWARDED_HEADERS = (
    ("Host", "$host"),
    ("X-Real-IP", "$remote_addr"),
    ("X-Forwarded-For", "$proxy_add_x_forwarded_for"),
    ("X-Forwarded-Proto", "$scheme"),
)


def fix_forwarded_headers(ctx: FixContext, finding: Finding) -> Fix | None:
    """Add the missing headers at the level whose proxy_set_header set is in effect (so
    every route inheriting it gets them); with no set anywhere, at the rule's block.
    Every route the finding names (its location and its related ones) is fixed at once:
    when some have sets of their own, each gets the headers in its block."""
    subject = ctx.subject(finding, MissingHeaders)
    routes = nb.routes(ctx, finding, subject.config)
    seen = {id(r) for r in routes}
    for loc in finding.related:
        moved = dataclasses.replace(finding, location=loc, related=())
        for r in ctx.routes_for(moved, subject.config):
            if id(r) not in seen:
                seen.add(id(r))
                routes.append(r)
    found = ctx.data_block(finding)
    missing = {m.lower() for m in subject.missing or ()}
    wanted = [h for h in FORWARDED_HEADERS if not missing or h[0].lower() in missing]
    edits = nb.BlockEdits(ctx)
    for cfg, block in nb.proxy_blocks(routes):
        level: Directive | None = block
        while level is not None and not level.children("proxy_set_header"):
            level = level.parent
        if level is not None and level.name in nb.HEADER_CONTEXTS:
            target = level
        elif (
            found is not None
            and found[1].name in nb.HEADER_CONTEXTS
            and nb.encloses(found[1], block)
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


@record(frozen=True, kw_only=True)
class MissingHeaders(BlockSubject):
    """The block whose routes lack forwarded headers: which, paths, lines to add."""

    missing: list[str] | None = None
    paths: list[str] | None = None
    insert: list[str] | None = None


class ForwardedHeadersMissing(Rule):
    code = "NGX003"
    name = "forwarded-headers-missing"
    title = "Proxied route does not pass Host / X-Forwarded-* headers"
    severity = Severity.INFO
    category = "nginx"
    why = (
        "By default `proxy_pass` sends `Host: <upstream name>` (`$proxy_host`, e.g. `api` or "
        "`127.0.0.1:8000`) and no `X-Forwarded-*` headers. The application then builds "
        "absolute URLs and redirects with the internal name, logs nginx's container IP as "
        "the client of every request (so rate limiting and audit logs are useless), and "
        "cannot tell that the user came over HTTPS, which causes redirect loops with "
        "`SECURE_SSL_REDIRECT`-style settings and OAuth callback mismatches.\n\n"
        "Headers set at any enclosing level count, and `include proxy_params;` is understood "
        "as the Debian file (Host, X-Real-IP, X-Forwarded-For, X-Forwarded-Proto). A header "
        "set at an outer level but dropped by a lower level's own `proxy_set_header` is "
        "NGX007's finding, not this one. Host is not required for public upstream hosts."
    )
    how_to_fix = (
        "Set the headers in the `server` (or `http`) block so every location inherits "
        "them:\n\n```nginx\nproxy_set_header Host $host;\n"
        "proxy_set_header X-Real-IP $remote_addr;\n"
        "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n"
        "proxy_set_header X-Forwarded-Proto $scheme;\n```\n\n"
        "and make the app trust them only from nginx (e.g. uvicorn `--forwarded-allow-ips`, "
        "gunicorn `forwarded_allow_ips`, Django `SECURE_PROXY_SSL_HEADER`)."
    )
    fixer = staticmethod(fix_forwarded_headers)
    fix_applicability = Applicability.SAFE
    references = (
        "https://nginx.org/en/docs/http/ngx_http_proxy_module.html#proxy_set_header",
        "https://docs.nginx.com/nginx/admin-guide/web-server/reverse-proxy/",
    )
    examples = (
        Example(
            bad={
                "nginx/conf.d/app.conf": (
                    "server {\n"
                    "    listen 80;\n"
                    "    location / {\n"
                    "        proxy_pass http://web:8000;\n"
                    "    }\n"
                    "}\n"
                )
            },
            good={
                "nginx/conf.d/app.conf": (
                    "server {\n"
                    "    listen 80;\n"
                    "    proxy_set_header Host $host;\n"
                    "    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n"
                    "    proxy_set_header X-Forwarded-Proto $scheme;\n"
                    "    location / {\n"
                    "        proxy_pass http://web:8000;\n"
                    "    }\n"
                    "}\n"
                )
            },
        ),
        Example(
            bad={
                "nginx/conf.d/app.conf": (
                    "server {\n"
                    "    listen 80;\n"
                    "    location / {\n"
                    "        proxy_set_header Host $host;\n"
                    "        proxy_pass http://web:8000;\n"
                    "    }\n"
                    "}\n"
                )
            },
            good={
                "nginx/conf.d/app.conf": (
                    "server {\n"
                    "    listen 80;\n"
                    "    location / {\n"
                    "        include proxy_params;\n"
                    "        proxy_pass http://web:8000;\n"
                    "    }\n"
                    "}\n"
                )
            },
            description="Debian's `proxy_params` sets all of them.",
        ),
    )

    def check(self, stack: Stack) -> Iterator[Finding]:
        for cfg in stack.nginx:
            found: list[tuple[Directive, ProxyRoute, list[str]]] = []
            for route in cfg.routes:
                if route.kind != "proxy":
                    continue
                level, names, uncertain = header_level(cfg, route.context, stack=stack)
                if uncertain:
                    continue
                seen = names | _all_levels(cfg, route.context)
                required = [h for h in REQUIRED if not (h == "Host" and _external(route))]
                missing = [h for h in required if h.lower() not in seen]
                if not missing:
                    continue
                block = level or route.server or route.location_block or route.context
                found.append((block, route, missing))
            for block, routes, missing in group_by_block(found):
                missing.sort(key=REQUIRED.index)
                first = routes[0]
                effects = "; ".join(CONSEQUENCE[h] for h in missing)
                yield self.finding(
                    first.directive.location,
                    f"{proxies_phrase(block, routes)} without {', '.join(missing)}: {effects}",
                    subject=describe(block),
                    related=[r.directive.location for r in routes[1:]],
                    detail=block_subject(
                        MissingHeaders,
                        cfg,
                        block,
                        missing=missing,
                        paths=sorted({r.path or "/" for r in routes}),
                        insert=[SUGGESTED[h] for h in missing],
                    ),
                )
