"""NGX006: a proxying server has no location answering health checks."""

from __future__ import annotations

import re
from collections.abc import Iterator

from infradoctor.findings import Finding, Severity
from infradoctor.model.stack import Stack
from infradoctor.records import record
from infradoctor.rules.base import Example, Rule
from infradoctor.rules.nginx._common import BlockSubject, block_subject, describe, opaque_includes

PROXY_KINDS = ("proxy", "grpc", "uwsgi")  # PHP-FPM sites rarely have a health route
HEALTH_RE = re.compile(r"health|ready|live|alive|ping|status|heartbeat|/up\b", re.IGNORECASE)


@record(frozen=True, kw_only=True)
class HealthLocation(BlockSubject):
    """The server block and the health location to add."""

    insert: str | None = None


class HealthLocationMissing(Rule):
    code = "NGX006"
    name = "health-location-missing"
    title = "Proxying server has no health-check location"
    severity = Severity.INFO
    category = "nginx"
    why = (
        "A container health check, a load balancer or an uptime monitor needs a URL that "
        "says whether *nginx* is up, answered by nginx itself. Without one, checks hit "
        "`/`, which is proxied to the application: a slow or restarting backend makes nginx "
        "look unhealthy (so it gets restarted or pulled out of rotation for nothing), and "
        "a broken nginx config that still serves a cached 200 looks healthy. A cheap "
        "`location = /healthz { return 200; }` separates the two questions.\n\n"
        "Reported once per nginx configuration that proxies (proxy_pass, uwsgi_pass, "
        "grpc_pass) when none of its servers has a location whose path mentions health, "
        "ready, live, ping or status (a proxied one or `stub_status` counts too)."
    )
    how_to_fix = (
        "Add a location nginx answers itself:\n\n```nginx\nlocation = /healthz {\n"
        '    access_log off;\n    default_type text/plain;\n    return 200 "ok\\n";\n}\n```\n\n'
        "and point the compose `healthcheck` / load balancer at it."
    )
    references = ("https://nginx.org/en/docs/http/ngx_http_rewrite_module.html#return",)
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
                    "    location = /healthz {\n"
                    "        access_log off;\n"
                    '        return 200 "ok\\n";\n'
                    "    }\n"
                    "    location / {\n"
                    "        proxy_pass http://web:8000;\n"
                    "    }\n"
                    "}\n"
                    "server {\n"
                    "    listen 8080;\n"
                    "    location / { proxy_pass http://admin:9000; }\n"
                    "}\n"
                )
            },
        ),
    )

    def check(self, stack: Stack) -> Iterator[Finding]:
        for cfg in stack.nginx:
            with_routes = {id(r.server) for r in cfg.routes if r.kind in PROXY_KINDS}
            proxying = [s for s in cfg.servers if id(s) in with_routes]
            if not proxying:
                continue
            locations = [d for d in cfg.walk() if d.name == "location"]
            if any(HEALTH_RE.search(" ".join(d.args)) for d in locations):
                continue
            if any(opaque_includes(cfg, b) for b in [cfg.root, *cfg.servers, *locations]):
                continue
            server = proxying[0]
            others = len(proxying) - 1
            more = f" (nor do {others} other proxying servers)" if others else ""
            yield self.finding(
                server.location,
                f"{describe(server)} proxies to the app but no server of this nginx config "
                f"has a health location{more}: monitors must go through the backend, so a "
                "slow app makes nginx look down and nginx itself is never checked",
                subject=describe(server),
                detail=block_subject(
                    HealthLocation,
                    cfg,
                    server,
                    insert='location = /healthz { access_log off; return 200 "ok\\n"; }',
                ),
            )
