"""NGX006: a proxying server has no location answering health checks."""

from __future__ import annotations

import re
from collections.abc import Iterator

from infradoctor.findings import Finding, Severity
from infradoctor.model.stack import Stack
from infradoctor.rules.base import Example, Rule
from infradoctor.rules.nginx._common import block_data, describe, opaque_includes

HEALTH_RE = re.compile(r"health|ready|live|alive|ping|status|heartbeat|/up\b", re.IGNORECASE)


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
        "Only servers that proxy (proxy_pass, fastcgi_pass, uwsgi_pass, grpc_pass) are "
        "checked; any location whose path mentions health, ready, live, ping or status "
        "counts (including a proxied one or `stub_status`)."
    )
    how_to_fix = (
        "Add a location nginx answers itself:\n\n```nginx\nlocation = /healthz {\n"
        "    access_log off;\n    default_type text/plain;\n    return 200 \"ok\\n\";\n}\n```\n\n"
        "and point the compose `healthcheck` / load balancer at it."
    )
    references = ("https://nginx.org/en/docs/http/ngx_http_rewrite_module.html#return",)
    examples = (
        Example(
            bad={"nginx/conf.d/app.conf": (
                "server {\n"
                "    listen 80;\n"
                "    location / {\n"
                "        proxy_pass http://web:8000;\n"
                "    }\n"
                "}\n"
            )},
            good={"nginx/conf.d/app.conf": (
                "server {\n"
                "    listen 80;\n"
                "    location = /healthz {\n"
                "        access_log off;\n"
                "        return 200 \"ok\\n\";\n"
                "    }\n"
                "    location / {\n"
                "        proxy_pass http://web:8000;\n"
                "    }\n"
                "}\n"
                "server {\n"
                "    listen 8080;\n"
                "    location / { root /srv/www; }\n"
                "}\n"
            )},
        ),
    )

    def check(self, stack: Stack) -> Iterator[Finding]:
        for cfg in stack.nginx:
            proxying = {id(r.server): r for r in cfg.routes if r.server is not None}
            for server in cfg.servers:
                route = proxying.get(id(server))
                if route is None:
                    continue
                locations = [d for d in server.walk() if d.name == "location"]
                if any(HEALTH_RE.search(" ".join(d.args)) for d in locations):
                    continue
                if any(opaque_includes(cfg, b) for b in [server, *locations]):
                    continue
                yield self.finding(
                    server.location,
                    f"{describe(server)} proxies to the app but has no health location: "
                    "monitors and health checks must go through the backend, so a slow app "
                    "makes nginx look down and nginx itself is never checked",
                    subject=describe(server),
                    data=block_data(cfg, server),
                )
