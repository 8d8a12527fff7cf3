"""NGX011: upstream keepalive that never keeps a connection alive."""

from __future__ import annotations

from collections.abc import Iterator

from infradoctor.findings import Applicability, Finding, Fix, Severity
from infradoctor.fixes import nginx_blocks as nb
from infradoctor.fixes import nginx_edit as ne
from infradoctor.fixes.context import FixContext, make_fix
from infradoctor.model.nginx import Directive, NginxConfig
from infradoctor.model.stack import Stack
from infradoctor.records import record
from infradoctor.rules.base import Example, Rule
from infradoctor.rules.nginx._common import (
    BlockSubject,
    block_subject,
    effective_value,
    header_level,
    header_value,
    location_label,
    sibling_http,
    uncertain_chain,
)


def _connection_closes(cfg: NginxConfig, value: str | None) -> bool | None:
    """True when the Connection header sent upstream is `close` for ordinary requests,
    None when unknown."""
    if value is None:
        return True  # nginx's default: Connection: close
    v = value.strip()
    if not v.startswith("$"):
        return v.lower() == "close"
    var = v.strip("${}")
    for d in cfg.walk():
        if d.name == "map" and len(d.args) >= 2 and d.args[1].strip("${}") == var and d.block:
            default: str | None = None
            for e in d.block:
                if e.name == "" and e.args:
                    return e.args[-1].lower() == "close"
                if e.name == "default" and e.args:
                    default = e.args[-1]
            return None if default is None else default.lower() == "close"
    return None


# ---------------------------------------------------------------- fix

SAFE = Applicability.SAFE


def fix_upstream_keepalive(ctx: FixContext, finding: Finding) -> Fix | None:
    subject = ctx.subject(finding, IneffectiveKeepalive)
    routes = nb.routes(ctx, finding, subject.config, subject.upstream)
    edits = nb.BlockEdits(ctx)
    for cfg, block in nb.proxy_blocks(routes):
        nb.ensure(edits, cfg, block, "proxy_http_version", "1.1")
        own = block.children("proxy_set_header")
        conn = [
            d
            for d in (own or cfg.effective(block, "proxy_set_header"))
            if nb.header_name(d) == "connection"
        ]
        if conn and not all(nb.is_empty_arg(d.args[1] if len(d.args) > 1 else "") for d in conn):
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


@record(frozen=True, kw_only=True)
class IneffectiveKeepalive(BlockSubject):
    """The upstream, what its keepalive lacks and the block to fix."""

    upstream: str | None = None
    missing: list[str] | None = None
    header_block_file: str | None = None
    header_block_close: int | None = None


class UpstreamKeepaliveIneffective(Rule):
    code = "NGX011"
    name = "upstream-keepalive-ineffective"
    title = "Upstream keepalive without HTTP/1.1 and a cleared Connection header"
    severity = Severity.WARNING
    category = "nginx"
    why = (
        "`keepalive N` in an upstream block only keeps idle connections if the proxied "
        "requests allow it. nginx talks HTTP/1.0 to backends by default and sends "
        "`Connection: close`, so without `proxy_http_version 1.1` and "
        '`proxy_set_header Connection ""` every request still opens and tears down a TCP '
        "connection: the keepalive line does nothing, and under load the proxy host runs "
        "out of ephemeral ports (`connect() failed (99: Cannot assign requested address)`) "
        "and fills with TIME_WAIT sockets. The common websocket map "
        "(`map $http_upgrade $connection_upgrade { default upgrade; '' close; }`) has the "
        "same effect for ordinary requests. For fastcgi_pass, `fastcgi_keep_conn on` is "
        "needed instead."
    )
    how_to_fix = (
        "In every location that proxies to the upstream (or once in the server):\n\n"
        '```nginx\nproxy_http_version 1.1;\nproxy_set_header Connection "";\n```\n\n'
        "Remember that a location with its own `proxy_set_header` loses the inherited ones "
        "(NGX007); for websockets map `''` to `''` instead of `close`."
    )
    fixer = staticmethod(fix_upstream_keepalive)
    fix_applicability = Applicability.SAFE
    references = (
        "https://nginx.org/en/docs/http/ngx_http_upstream_module.html#keepalive",
        "https://www.f5.com/company/blog/nginx/avoiding-top-10-nginx-configuration-mistakes",
    )
    examples = (
        Example(
            bad={
                "nginx/conf.d/app.conf": (
                    "upstream api {\n"
                    "    server api:8000;\n"
                    "    keepalive 32;\n"
                    "}\n"
                    "server {\n"
                    "    listen 80;\n"
                    "    location / {\n"
                    "        proxy_pass http://api;\n"
                    "    }\n"
                    "}\n"
                )
            },
            good={
                "nginx/conf.d/app.conf": (
                    "upstream api {\n"
                    "    server api:8000;\n"
                    "    keepalive 32;\n"
                    "}\n"
                    "server {\n"
                    "    listen 80;\n"
                    "    proxy_http_version 1.1;\n"
                    '    proxy_set_header Connection "";\n'
                    "    location / {\n"
                    "        proxy_pass http://api;\n"
                    "    }\n"
                    "}\n"
                )
            },
        ),
    )

    def check(self, stack: Stack) -> Iterator[Finding]:
        for cfg in stack.nginx:
            for route in cfg.routes:
                up = route.upstream
                if up is None or up.keepalive is None or route.kind not in ("proxy", "fastcgi"):
                    continue
                ctx = route.context
                if uncertain_chain(cfg, ctx):
                    continue
                keepalive = up.keepalive
                problems: list[str] = []
                missing: list[str] = []
                header_block: Directive = ctx
                if route.kind == "fastcgi":
                    keep = effective_value(stack, cfg, ctx, "fastcgi_keep_conn")
                    if keep is None or not keep.args or keep.args[0] != "on":
                        problems.append("fastcgi_keep_conn is off")
                        missing.append("fastcgi_keep_conn on;")
                else:
                    version = effective_value(stack, cfg, ctx, "proxy_http_version")
                    if version is None or not version.args or version.args[0] == "1.0":
                        problems.append("uses HTTP/1.0 to it")
                        missing.append("proxy_http_version 1.1;")
                    level, _, uncertain = header_level(cfg, ctx, stack=stack)
                    if level is not None and level.name:
                        header_block = level
                    closes = (
                        None
                        if uncertain
                        else _connection_closes(cfg, self._connection(stack, cfg, level))
                    )
                    if closes:
                        problems.append("sends `Connection: close`")
                        missing.append('proxy_set_header Connection "";')
                if not problems:
                    continue
                yield self.finding(
                    route.directive.location,
                    f"upstream `{up.name}` sets keepalive {' '.join(keepalive.args)} but "
                    f"{location_label(route)} {' and '.join(problems)}, so connections are "
                    "never reused (a new TCP connection per request)",
                    subject=up.name,
                    related=[keepalive.location],
                    detail=block_subject(
                        IneffectiveKeepalive,
                        cfg,
                        ctx,
                        upstream=up.name,
                        missing=missing,
                        header_block_file=header_block.file,
                        header_block_close=header_block.block_close,
                    ),
                )

    @staticmethod
    def _connection(stack: Stack, cfg: NginxConfig, level: Directive | None) -> str | None:
        """The Connection header value set at `level` (a conf.d sibling's http level when
        the level is the snippet's top and the header comes from there)."""
        value = header_value(cfg, level, "Connection")
        if value is None and level is cfg.root:
            for d in sibling_http(stack, cfg, "proxy_set_header"):
                if len(d.args) >= 2 and d.args[0].lower() == "connection":
                    value = d.args[1]
        return value
