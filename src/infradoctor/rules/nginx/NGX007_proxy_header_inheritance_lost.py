"""NGX007: a level's own proxy_set_header silently drops every inherited one."""

from __future__ import annotations

from collections.abc import Iterator

from infradoctor.findings import Finding, Severity
from infradoctor.model.nginx import Directive, NginxConfig
from infradoctor.model.stack import Stack
from infradoctor.records import record
from infradoctor.rules.base import Example, Rule
from infradoctor.rules.nginx._common import (
    BlockSubject,
    block_subject,
    describe,
    header_level,
    opaque_includes,
    targets_label,
    uses_system_proxy_params,
)

PROXY_PARAMS_NAMES = ("Host", "X-Real-IP", "X-Forwarded-For", "X-Forwarded-Proto")


def level_headers(cfg: NginxConfig, level: Directive, name: str) -> dict[str, str]:
    """lower-case header -> header as written, for one level."""
    out = {d.args[0].lower(): d.args[0] for d in level.children(name) if d.args}
    if name == "proxy_set_header" and uses_system_proxy_params(cfg, level):
        for h in PROXY_PARAMS_NAMES:
            out.setdefault(h.lower(), h)
    return out


@record(frozen=True, kw_only=True)
class LostHeaders(BlockSubject):
    """The block whose own headers drop inherited ones, and where they came from."""

    lost: list[str] | None = None
    outer_file: str | None = None
    outer_line: int | None = None


class ProxyHeaderInheritanceLost(Rule):
    code = "NGX007"
    name = "proxy-header-inheritance-lost"
    title = "proxy_set_header in a location drops the headers set at outer levels"
    severity = Severity.WARNING
    category = "nginx"
    why = (
        "`proxy_set_header` is an array directive: nginx inherits the outer level's entries "
        "only if the current level defines none. Adding one header in a location, typically "
        "`Upgrade`/`Connection` for a websocket or `X-Request-Id`, silently throws away "
        "every header set in the `server` or `http` block for that location: the backend "
        "suddenly gets `Host: <upstream name>`, no client IP and no X-Forwarded-Proto, only "
        "on that route. The result is redirect loops, wrong absolute URLs or broken "
        "websocket origin checks that are hard to trace because the server block looks "
        "right.\n\n"
        "Reported when a level with its own `proxy_set_header` serves a proxy_pass and an "
        "enclosing level sets headers it does not repeat (`include proxy_params;` counts)."
    )
    how_to_fix = (
        "Repeat the inherited headers in that location, or move the common ones into a file "
        "included at every level that sets its own:\n\n"
        "```nginx\nlocation /ws/ {\n    include snippets/proxy-headers.conf;  # Host, X-Forwarded-*\n"
        "    proxy_set_header Upgrade $http_upgrade;\n"
        '    proxy_set_header Connection "upgrade";\n    proxy_pass http://realtime;\n}\n```'
    )
    references = ("https://nginx.org/en/docs/http/ngx_http_proxy_module.html#proxy_set_header",)
    examples = (
        Example(
            bad={
                "nginx/conf.d/app.conf": (
                    "server {\n"
                    "    listen 80;\n"
                    "    proxy_set_header Host $host;\n"
                    "    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n"
                    "    location /ws/ {\n"
                    "        proxy_http_version 1.1;\n"
                    "        proxy_set_header Upgrade $http_upgrade;\n"
                    '        proxy_set_header Connection "upgrade";\n'
                    "        proxy_pass http://realtime:3000;\n"
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
                    "    location /ws/ {\n"
                    "        proxy_http_version 1.1;\n"
                    "        proxy_set_header Host $host;\n"
                    "        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n"
                    "        proxy_set_header Upgrade $http_upgrade;\n"
                    '        proxy_set_header Connection "upgrade";\n'
                    "        proxy_pass http://realtime:3000;\n"
                    "    }\n"
                    "}\n"
                )
            },
        ),
    )

    def check(self, stack: Stack) -> Iterator[Finding]:
        for cfg in stack.nginx:
            served: dict[int, list] = {}
            for route in cfg.routes:
                if route.kind != "proxy":
                    continue
                level, _, _ = header_level(cfg, route.context)
                if level is not None:
                    served.setdefault(id(level), []).append(route)
            for block in cfg.walk():
                routes = served.get(id(block))
                if not routes or block.parent is None:
                    continue
                outer, _, uncertain = header_level(cfg, block.parent)
                if outer is None or uncertain or opaque_includes(cfg, block):
                    continue
                own = level_headers(cfg, block, "proxy_set_header")
                inherited = level_headers(cfg, outer, "proxy_set_header")
                lost = [h for k, h in inherited.items() if k not in own]
                if not lost:
                    continue
                first = (
                    block.children("proxy_set_header") or block.children("include") or [block]
                )[0]
                yield self.finding(
                    first.location,
                    f"{describe(block)} sets its own proxy_set_header "
                    f"({', '.join(own.values())}), which replaces the ones from "
                    f"{describe(outer)}: {', '.join(lost)} "
                    f"{'is' if len(lost) == 1 else 'are'} no longer sent to "
                    f"{targets_label(routes)}",
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
