"""NGX001: nginx advertises its exact version in every response."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from infradoctor.findings import Applicability, Finding, Fix, Severity
from infradoctor.fixes import nginx_blocks as nb
from infradoctor.fixes import nginx_edit as ne
from infradoctor.fixes.context import FixContext, FixUnavailable, make_fix
from infradoctor.model.nginx import Directive, NginxConfig
from infradoctor.model.stack import Stack
from infradoctor.records import record
from infradoctor.rules.base import Example, Rule
from infradoctor.rules.nginx._common import (
    BlockSubject,
    block_subject,
    describe,
    effective_value,
    uncertain_chain,
)


def _tokens_on(d: Directive | None) -> bool:
    return d is None or (bool(d.args) and d.args[0].lower() != "off")


# ---------------------------------------------------------------- fix

SAFE = Applicability.SAFE


def fix_server_tokens(ctx: FixContext, finding: Finding) -> Fix | None:
    cfgs = ctx.configs_for(finding, ctx.subject(finding, TokensBlock).config)
    at = ctx.directive_at(finding.location, cfgs)
    edits = nb.BlockEdits(ctx)
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


@record(frozen=True, kw_only=True)
class TokensBlock(BlockSubject):
    """The block to hide the version in, or the directive to replace."""

    insert: str | None = None
    blocks: list[dict[str, Any]] | None = None
    directive_file: str | None = None
    replace: list[int | None] | None = None


class ServerTokensOn(Rule):
    code = "NGX001"
    name = "server-tokens-on"
    title = "nginx sends its version in the Server header and error pages"
    severity = Severity.INFO
    category = "nginx"
    why = (
        "With `server_tokens` on (nginx's default) every response carries `Server: "
        "nginx/1.25.3` and every 4xx/5xx error page prints the version. Scanners use it to "
        "pick exploits for known CVEs of that exact release, and it tells an attacker how "
        "far behind on patches you are. It costs nothing to hide.\n\n"
        "Reported once per `http` block, or once per conf.d snippet (whose http level is "
        "the image's stock nginx.conf) when no level in effect sets it off."
    )
    how_to_fix = (
        "Add `server_tokens off;` to the `http` block (or to each `server` of a conf.d "
        "file):\n\n```nginx\nhttp {\n    server_tokens off;\n    ...\n}\n```"
    )
    fixer = staticmethod(fix_server_tokens)
    fix_applicability = Applicability.SAFE
    references = ("https://nginx.org/en/docs/http/ngx_http_core_module.html#server_tokens",)
    examples = (
        Example(
            bad={
                "nginx.conf": (
                    "events {}\n"
                    "http {\n"
                    "    server {\n"
                    "        listen 80;\n"
                    "        location / { root /usr/share/nginx/html; }\n"
                    "    }\n"
                    "}\n"
                )
            },
            good={
                "nginx.conf": (
                    "events {}\n"
                    "http {\n"
                    "    server_tokens off;\n"
                    "    server {\n"
                    "        listen 80;\n"
                    "        location / { root /usr/share/nginx/html; }\n"
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
                    "    server_tokens on;\n"
                    "    location / { root /srv/www; }\n"
                    "}\n"
                )
            },
            good={
                "nginx/conf.d/app.conf": (
                    "server {\n"
                    "    listen 80;\n"
                    "    server_tokens off;\n"
                    "    location / { root /srv/www; }\n"
                    "}\n"
                )
            },
            description="An explicit `server_tokens on` in a conf.d server.",
        ),
    )

    def check(self, stack: Stack) -> Iterator[Finding]:
        for cfg in stack.nginx:
            yield from self._check_config(stack, cfg)

    def _check_config(self, stack: Stack, cfg: NginxConfig) -> Iterator[Finding]:
        reported: set[int] = set()
        # Explicit `server_tokens on|build` anywhere.
        for d in cfg.find("server_tokens"):
            if _tokens_on(d):
                reported.add(id(d.parent))
                yield self.finding(
                    d.location,
                    f"`server_tokens {' '.join(d.args)}` in {describe(d.parent)}: responses "
                    "and error pages reveal the nginx version",
                    subject="server_tokens",
                    detail=block_subject(
                        TokensBlock,
                        cfg,
                        d.parent,
                        directive_file=d.file,
                        replace=[d.location.offset, d.location.end_offset],
                    ),
                )
        servers = [s for s in cfg.servers if s.children("listen") or s.children("server_name")]
        exposed = [
            s
            for s in servers
            if _tokens_on(effective_value(stack, cfg, s, "server_tokens"))
            and not uncertain_chain(cfg, s)
            and id(s) not in reported
        ]
        http = cfg.http
        if http is not None:
            if cfg.effective_value(http, "server_tokens") is not None or id(http) in reported:
                return
            if uncertain_chain(cfg, http) or (servers and not exposed):
                return
            yield self.finding(
                http.location,
                "the http block does not set `server_tokens off`: every response and error "
                "page advertises the nginx version",
                subject="http",
                detail=block_subject(TokensBlock, cfg, http, insert="server_tokens off;"),
            )
            return
        if cfg.is_snippet and exposed:
            first = exposed[0]
            if first.child("server_tokens") is not None:
                return  # already reported as explicit
            more = f" (nor do {len(exposed) - 1} other servers in it)" if len(exposed) > 1 else ""
            yield self.finding(
                first.location,
                f"{describe(first)} does not set `server_tokens off`{more} and this conf.d "
                "file's http level is nginx's default: responses advertise the nginx version",
                subject=describe(first),
                detail=block_subject(
                    TokensBlock,
                    cfg,
                    first,
                    insert="server_tokens off;",
                    blocks=[{"block_file": s.file, "block_close": s.block_close} for s in exposed],
                ),
            )
