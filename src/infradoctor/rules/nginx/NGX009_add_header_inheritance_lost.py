"""NGX009: a level's own add_header silently drops every inherited response header."""

from __future__ import annotations

from collections.abc import Iterator

from infradoctor.findings import Finding, Severity
from infradoctor.model.nginx import Directive, NginxConfig
from infradoctor.model.stack import Stack
from infradoctor.records import record
from infradoctor.rules.base import Example, Rule
from infradoctor.rules.nginx._common import BlockSubject, block_subject, describe, opaque_includes


def _outer_level(cfg: NginxConfig, block: Directive) -> tuple[Directive | None, bool]:
    """The nearest enclosing level defining add_header; flag when unknown content
    (an opaque include) sits in between."""
    node = block.parent
    while node is not None:
        if node.children("add_header"):
            return node, bool(opaque_includes(cfg, node))
        if opaque_includes(cfg, node):
            return None, True
        node = node.parent
    return None, False


@record(frozen=True, kw_only=True)
class LostHeaders(BlockSubject):
    """The block whose own add_header drops inherited ones, and where they came from."""

    lost: list[str] | None = None
    outer_file: str | None = None
    outer_line: int | None = None


class AddHeaderInheritanceLost(Rule):
    code = "NGX009"
    name = "add-header-inheritance-lost"
    title = "add_header in a location drops the headers set at outer levels"
    severity = Severity.WARNING
    category = "nginx"
    why = (
        "`add_header` is inherited from the outer level only if the current level has no "
        "`add_header` of its own. A location that adds `Cache-Control` for static files "
        "therefore stops sending the `Strict-Transport-Security`, `Content-Security-Policy` "
        "or `X-Frame-Options` set in the server block, only for those URLs, and nothing "
        "in the config looks wrong. Security scanners and browsers see the gap; the team "
        "does not.\n\n"
        "Not reported when `add_header_inherit merge;` (nginx 1.29.3+) is in effect, when "
        "an include whose content is unknown sits at one of the levels, or for an `if` "
        "block that answers itself with `return` (a CORS preflight or redirect)."
    )
    how_to_fix = (
        "Repeat the outer headers in the location (an include file keeps them in one "
        "place), or on nginx 1.29.3+ set `add_header_inherit merge;`:\n\n"
        "```nginx\nlocation /static/ {\n    include snippets/security-headers.conf;\n"
        '    add_header Cache-Control "public, max-age=31536000";\n}\n```'
    )
    references = (
        "https://nginx.org/en/docs/http/ngx_http_headers_module.html#add_header",
        "https://nginx.org/en/docs/http/ngx_http_headers_module.html#add_header_inherit",
    )
    examples = (
        Example(
            bad={
                "nginx/conf.d/app.conf": (
                    "server {\n"
                    "    listen 80;\n"
                    '    add_header Strict-Transport-Security "max-age=31536000" always;\n'
                    "    add_header X-Frame-Options DENY always;\n"
                    "    location /static/ {\n"
                    "        root /srv;\n"
                    '        add_header Cache-Control "public, max-age=86400";\n'
                    "    }\n"
                    "}\n"
                )
            },
            good={
                "nginx/conf.d/app.conf": (
                    "server {\n"
                    "    listen 80;\n"
                    '    add_header Strict-Transport-Security "max-age=31536000" always;\n'
                    "    add_header X-Frame-Options DENY always;\n"
                    "    location /static/ {\n"
                    "        root /srv;\n"
                    '        add_header Strict-Transport-Security "max-age=31536000" always;\n'
                    "        add_header X-Frame-Options DENY always;\n"
                    '        add_header Cache-Control "public, max-age=86400";\n'
                    "    }\n"
                    "}\n"
                )
            },
        ),
    )

    def check(self, stack: Stack) -> Iterator[Finding]:
        for cfg in stack.nginx:
            for block in cfg.walk():
                own_entries = block.children("add_header")
                if not own_entries or block.block is None:
                    continue
                if block.name == "if" and block.children("return"):
                    continue  # a synthetic reply (CORS preflight 204, redirect): headers moot
                inherit = cfg.effective_value(block, "add_header_inherit")
                if inherit is not None and inherit.args and inherit.args[0] == "merge":
                    continue
                outer, uncertain = _outer_level(cfg, block)
                if outer is None or uncertain or opaque_includes(cfg, block):
                    continue
                own = {d.args[0].lower() for d in own_entries if d.args}
                lost = list(
                    dict.fromkeys(
                        d.args[0]
                        for d in outer.children("add_header")
                        if d.args and d.args[0].lower() not in own
                    )
                )
                if not lost:
                    continue
                yield self.finding(
                    own_entries[0].location,
                    f"{describe(block)} has its own add_header, so {', '.join(lost)} from "
                    f"{describe(outer)} {'is' if len(lost) == 1 else 'are'} not sent on "
                    "its responses (add_header replaces, not extends, inherited headers)",
                    subject=describe(block),
                    related=[outer.location],
                    detail=block_subject(
                        LostHeaders,
                        cfg,
                        block,
                        lost=lost,
                        outer_file=outer.file,
                        outer_line=outer.location.line,
                    ),
                )
