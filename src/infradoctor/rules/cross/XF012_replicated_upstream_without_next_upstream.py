"""XF012: several backends behind a route but no proxy_next_upstream policy."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from infradoctor.findings import Applicability, Finding, Fix, Severity, subject_dict
from infradoctor.fixes import nginx_blocks as nb
from infradoctor.fixes import nginx_edit as ne
from infradoctor.fixes.context import FixContext, make_fix
from infradoctor.model.nginx import ProxyRoute
from infradoctor.model.stack import Stack
from infradoctor.records import record
from infradoctor.rules.base import Example, Rule
from infradoctor.rules.cross._common import unknown_include_in_scope, unresolved_includes

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
    deploy:
      replicas: 3
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
    location / {
        proxy_pass http://api:8000;
        proxy_next_upstream error timeout http_502 http_503 http_504;
        proxy_next_upstream_tries 3;
    }
}
"""

UPSTREAM_CONF = """\
upstream app {
    server app1:8000;
    server app2:8000;
}

server {
    listen 80;
    location / {
        proxy_pass http://app;
    }
}
"""

UPSTREAM_COMPOSE = """\
services:
  nginx:
    image: nginx:1.27
    ports: ["80:80"]
    volumes:
      - ./nginx/default.conf:/etc/nginx/conf.d/default.conf:ro
  app1:
    image: example/api:1.4
    expose: ["8000"]
  app2:
    image: example/api:1.4
    expose: ["8000"]
"""


def live_servers(route: ProxyRoute) -> int:
    if route.upstream is None:
        return 0
    return sum(
        1 for s in route.upstream.servers if "backup" not in s.params and "down" not in s.params
    )


# ---------------------------------------------------------------- fix

SAFE = Applicability.SAFE


NEXT_UPSTREAM = ("error", "timeout", "http_502", "http_503")


def fix_next_upstream(ctx: FixContext, finding: Finding) -> Fix | None:
    subject = ctx.subject(finding, ReplicatedUpstream)
    routes = nb.routes(ctx, finding, subject.config, subject.upstream)
    edits = nb.BlockEdits(ctx)
    for cfg, block in nb.proxy_blocks(routes):
        current = cfg.effective_value(block, "proxy_next_upstream")
        args = list(current.args) if current is not None else ["error", "timeout"]
        if "off" in args:
            continue
        merged = args + [a for a in NEXT_UPSTREAM if a not in args]
        if merged != args or current is None:
            own = block.child("proxy_next_upstream")
            if own is not None:
                edits.replace(own, ne.render("proxy_next_upstream", *merged))
            else:
                edits.add(block, ne.render("proxy_next_upstream", *merged))
        if cfg.effective_value(block, "proxy_next_upstream_tries") is None:
            edits.add(block, ne.render("proxy_next_upstream_tries", "3"))
    return make_fix(
        "Retry the next replica on error/timeout/502/503 (`proxy_next_upstream`, 3 tries)",
        SAFE,
        edits.edits(),
    )


@record(frozen=True, kw_only=True)
class ReplicatedUpstream:
    """The route to a replicated backend and the retry directive it lacks."""

    config: str | None = None
    project: str | None = None
    upstream: str | None = None
    service: str | None = None
    target_service: str | None = None
    directive: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return subject_dict(self)


class ReplicatedUpstreamWithoutNextUpstream(Rule):
    code = "XF012"
    name = "replicated-upstream-without-next-upstream"
    title = "multi-server upstream or replicated service without proxy_next_upstream"
    severity = Severity.WARNING
    category = "availability"
    why = (
        "With several backends nginx can hide one replica's failure by retrying the "
        "request on another, but by default it only retries on connection errors and "
        "timeouts (`proxy_next_upstream error timeout`). A replica that is restarting, "
        "draining or overloaded usually answers 502/503/504 itself, and that response goes "
        "straight to the client although healthy replicas are one retry away. Without an "
        "explicit policy nobody has decided which failures to retry, how often "
        "(`proxy_next_upstream_tries`) or for how long (`proxy_next_upstream_timeout`). "
        "A compose service with replicas behind one name counts: nginx resolves the name to "
        "every replica's IP and balances across them."
    )
    how_to_fix = (
        "In the location (or server/http): `proxy_next_upstream error timeout http_502 "
        "http_503 http_504; proxy_next_upstream_tries 2; proxy_next_upstream_timeout 10s;` "
        "(non-idempotent requests such as POST are still not retried unless you add "
        "`non_idempotent`)."
    )
    fixer = staticmethod(fix_next_upstream)
    fix_applicability = Applicability.SAFE
    references = ("https://nginx.org/en/docs/http/ngx_http_proxy_module.html#proxy_next_upstream",)
    examples = (
        Example(
            bad={"docker-compose.yml": COMPOSE, "nginx/default.conf": BAD_CONF},
            good={"docker-compose.yml": COMPOSE, "nginx/default.conf": GOOD_CONF},
            description="three replicas behind one service name",
        ),
        Example(
            bad={"docker-compose.yml": UPSTREAM_COMPOSE, "nginx/default.conf": UPSTREAM_CONF},
            good={
                "docker-compose.yml": UPSTREAM_COMPOSE,
                "nginx/default.conf": UPSTREAM_CONF.replace(
                    "proxy_pass http://app;",
                    "proxy_pass http://app;\n"
                    "        proxy_next_upstream error timeout http_502 http_503;",
                ),
            },
            description="an upstream block with two servers",
        ),
    )

    def check(self, stack: Stack) -> Iterator[Finding]:
        replicated: dict[int, tuple[str, int, str]] = {}  # route id -> (service, n, project)
        expanded: dict[int, set[str]] = {}  # route id -> services behind a sibling upstream
        for project in stack.projects:
            for rt in project.targets:
                if rt.service is not None and rt.route.upstream is None:
                    expanded.setdefault(id(rt.route), set()).add(rt.service.name)
                svc = rt.service
                if svc is not None and svc.replicas and svc.replicas > 1:
                    replicated.setdefault(id(rt.route), (svc.name, svc.replicas, project.name))
        unresolved = unresolved_includes(stack)
        for cfg in stack.nginx:
            for route in cfg.routes:
                servers = live_servers(route)
                if route.upstream is None and len(expanded.get(id(route), ())) > 1:
                    servers = len(expanded[id(route)])  # upstream block in a sibling file
                rep = replicated.get(id(route))
                if servers < 2 and rep is None:
                    continue
                directive = f"{route.kind}_next_upstream"
                if cfg.effective(route.context, directive) or unknown_include_in_scope(
                    route.context, unresolved
                ):
                    continue
                if servers >= 2:
                    name = route.upstream.name if route.upstream else route.raw
                    what = f"upstream '{name}' has {servers} servers"
                else:
                    assert rep is not None
                    what = f"service '{rep[0]}' runs {rep[1]} replicas"
                found = stack.index.nginx_owner.get(id(cfg))
                owner = found.name if found is not None else None
                yield self.finding(
                    route.directive.location,
                    f"{what} but no {directive} is in effect for {route.raw}: a replica "
                    f"answering 502/503/504 is not retried on another one",
                    subject=route.upstream.name if route.upstream else route.raw,
                    detail=ReplicatedUpstream(
                        config=cfg.root_file,
                        project=rep[2] if rep else owner,
                        upstream=route.upstream.name if route.upstream else None,
                        service=rep[0] if rep else None,
                        target_service=rep[0] if rep else None,
                        directive=directive,
                    ),
                )
