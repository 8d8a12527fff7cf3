"""XF014: nginx resolves a compose service name once, at startup."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from infradoctor.findings import Finding, Severity, subject_dict
from infradoctor.model.stack import Stack
from infradoctor.records import record
from infradoctor.rules.base import Example, Rule
from infradoctor.rules.cross._common import DNS_VIAS, nginx_service_of, project_targets

COMPOSE = """\
services:
  nginx:
    image: nginx:1.27
    ports: ["80:80"]
    volumes:
      - ./nginx/default.conf:/etc/nginx/conf.d/default.conf:ro
  api:
    image: example/api:1.4
    expose: ["8000"]
"""

BAD_CONF = """\
server {
    listen 80;
    location / {
        proxy_pass http://api:8000;
    }
}
"""

GOOD_CONF = """\
server {
    listen 80;
    resolver 127.0.0.11 valid=10s ipv6=off;
    location / {
        set $api_upstream http://api:8000;
        proxy_pass $api_upstream;
    }
}
"""

GOOD_RESOLVE = """\
upstream api {
    zone api 64k;
    server api:8000 resolve;
}

server {
    listen 80;
    resolver 127.0.0.11 valid=10s;
    location / {
        proxy_pass http://api;
    }
}
"""


@record(frozen=True, kw_only=True)
class ResolvedOnce:
    """The route whose upstream hostname nginx resolves once, at start."""

    project: str | None = None
    config: str | None = None
    service: str | None = None
    target_service: str | None = None
    upstream: str | None = None
    host: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return subject_dict(self)


class UpstreamHostnameResolvedOnce(Rule):
    code = "XF014"
    name = "upstream-hostname-resolved-once"
    title = "nginx resolves a compose service name only once, at startup"
    severity = Severity.INFO
    category = "cross-file"
    why = (
        "A host name in proxy_pass or an upstream `server` without `resolve` is looked up "
        "when nginx loads its config, and the IP is kept until the next reload. `docker "
        "compose up` after a change, a crash-restart with a new container, or scaling "
        "gives the service a new IP; nginx keeps connecting to the old one: 502 "
        "(`connect() failed (113: No route to host)` or 111) until nginx is reloaded. If "
        "the service is down when nginx starts, nginx does not start at all (`host not "
        "found in upstream`). Informational: many stacks restart nginx together with "
        "everything else."
    )
    how_to_fix = (
        "Resolve at run time: `resolver 127.0.0.11 valid=10s;` plus a variable "
        "(`set $u http://api:8000; proxy_pass $u;`), or, with nginx >= 1.27.3, "
        "`server api:8000 resolve;` in an upstream block that has a `zone`. Otherwise "
        "reload nginx whenever a backend container is recreated."
    )
    references = (
        "https://nginx.org/en/docs/http/ngx_http_upstream_module.html#resolve",
        "https://nginx.org/en/docs/http/ngx_http_core_module.html#resolver",
    )
    examples = (
        Example(
            bad={"docker-compose.yml": COMPOSE, "nginx/default.conf": BAD_CONF},
            good={"docker-compose.yml": COMPOSE, "nginx/default.conf": GOOD_CONF},
            description="proxy_pass with a literal service name",
        ),
        Example(
            bad={"docker-compose.yml": COMPOSE, "nginx/default.conf": BAD_CONF},
            good={"docker-compose.yml": COMPOSE, "nginx/default.conf": GOOD_RESOLVE},
            description="upstream server with `resolve`",
        ),
    )

    def check(self, stack: Stack) -> Iterator[Finding]:
        seen: set[tuple[str, str, str]] = set()
        for project, rt in project_targets(stack):
            if rt.service is None or rt.via not in DNS_VIAS or rt.target.has_variables:
                continue
            cfg = rt.route.config
            if nginx_service_of(project, cfg) is None:
                continue  # host nginx or unknown: compose names don't apply the same way
            if rt.route.upstream is not None:
                server = next(
                    (s for s in rt.route.upstream.servers if s.location == rt.target.location), None
                )
                if server is not None and "resolve" in server.params:
                    continue
            host = (rt.target.host or "").lower()
            key = (project.name, cfg.root_file, host)
            if key in seen:
                continue
            seen.add(key)
            yield self.finding(
                rt.location,
                f"nginx resolves '{host}' (service '{rt.service.name}') once at startup; "
                f"when its container is recreated nginx keeps the old IP until reloaded",
                subject=host,
                detail=ResolvedOnce(
                    project=project.name,
                    config=cfg.root_file,
                    service=rt.service.name,
                    target_service=rt.service.name,
                    upstream=rt.route.upstream.name if rt.route.upstream else None,
                    host=host,
                ),
            )
