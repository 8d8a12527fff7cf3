"""XF001: an nginx proxy target names a host that no compose service answers to."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from infradoctor.findings import Applicability, Finding, Fix, Severity, subject_dict
from infradoctor.fixes import nginx_blocks as nb
from infradoctor.fixes.context import FixContext, FixUnavailable, make_fix
from infradoctor.model.stack import Stack
from infradoctor.records import record
from infradoctor.rules.base import Example, Rule
from infradoctor.rules.cross._common import closest, dns_names, project_targets

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
        proxy_pass http://api-service:8000;
    }
}
"""


# ---------------------------------------------------------------- fix

DISPLAY = Applicability.DISPLAY_ONLY


def fix_unknown_host(ctx: FixContext, finding: Finding) -> Fix | None:
    subject = ctx.subject(finding, UnknownHost)
    suggestion = subject.suggestion
    if not suggestion:
        raise FixUnavailable("no suggestion")
    d = nb.target_directive(ctx, finding, subject.config)
    return make_fix(
        f"Did you mean `{suggestion}`?",
        DISPLAY,
        [nb.rewrite_target(ctx, d, suggestion, None)],
    )


@record(frozen=True, kw_only=True)
class UnknownHost:
    """The route's project and config, the host it names and the closest known name."""

    project: str | None = None
    config: str | None = None
    host: str | None = None
    upstream: str | None = None
    suggestion: str | None = None
    target_service: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return subject_dict(self)


class ProxyTargetUnknownHost(Rule):
    code = "XF001"
    name = "proxy-target-unknown-host"
    title = "nginx proxies to a host name that is not a service of the compose project"
    severity = Severity.ERROR
    category = "cross-file"
    why = (
        "Inside a compose network nginx can only reach other containers by service name, "
        "network alias, container_name or hostname. A name that is none of these does not "
        "resolve: nginx refuses to start or reload (`host not found in upstream`), or, when "
        "the name is resolved at run time, every request on the route answers 502 "
        "(`could not be resolved (3: Host not found)`). Typical causes: a renamed service, "
        "the container_name of another project, or a typo."
    )
    how_to_fix = (
        "Point proxy_pass / the upstream `server` at the compose service name (or add a "
        "network alias with that name to the service). The finding suggests the closest "
        "existing name."
    )
    fixer = staticmethod(fix_unknown_host)
    fix_applicability = Applicability.DISPLAY_ONLY
    references = (
        "https://docs.docker.com/compose/how-tos/networking/",
        "https://nginx.org/en/docs/http/ngx_http_upstream_module.html#server",
    )
    examples = (
        Example(
            bad={"docker-compose.yml": COMPOSE, "nginx/default.conf": BAD_CONF},
            good={
                "docker-compose.yml": COMPOSE,
                "nginx/default.conf": BAD_CONF.replace("api-service", "api"),
            },
            description="the service is called `api`, the config says `api-service`",
        ),
    )

    def check(self, stack: Stack) -> Iterator[Finding]:
        seen: set[tuple[str, int, str]] = set()
        for project, rt in project_targets(stack):
            if rt.reason != "unknown-name" or not rt.target.host or not project.services:
                continue
            if rt.target.has_variables:
                continue  # resolved at run time on purpose (optional services): stay quiet
            host = rt.target.host
            loc = rt.location
            key = (loc.file, loc.line, host.lower())
            if key in seen:
                continue
            seen.add(key)
            suggestion = closest(host, dns_names(project))
            hint = f"; did you mean '{suggestion}'?" if suggestion else ""
            known = ", ".join(sorted(project.services)[:8])
            port = f":{rt.target.port}" if rt.target.port else ""
            upstream = rt.route.upstream.name if rt.route.upstream else None
            yield self.finding(
                loc,
                f"proxy target '{host}{port}' is not a service, alias, container_name or "
                f"hostname of compose project '{project.name}' (services: {known}){hint}",
                subject=host,
                related=[d for d in (rt.route.directive.location,) if d != loc],
                detail=UnknownHost(
                    project=project.name,
                    config=rt.route.config.root_file,
                    host=host,
                    upstream=upstream,
                    suggestion=suggestion,
                    target_service=suggestion,
                ),
            )
