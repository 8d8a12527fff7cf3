"""XF011: a service nginx proxies to has no healthcheck."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from infradoctor.facts.ports import container_port
from infradoctor.facts.readiness import UNKNOWN, YES, ImageHealth, built_elsewhere, image_health
from infradoctor.findings import Applicability, Finding, Fix, Severity, subject_dict
from infradoctor.fixes import compose_edit as ce
from infradoctor.fixes.context import FixContext
from infradoctor.model.source import Location
from infradoctor.model.stack import Project, ResolvedTarget, Service, Stack
from infradoctor.records import record
from infradoctor.rules.base import Example, Rule

CONF = """\
server {
    listen 80;
    location / {
        proxy_pass http://api:8000;
    }
}
"""

BAD = """\
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

GOOD = (
    BAD
    + """\
    healthcheck:
      test: ["CMD", "python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health')"]
      interval: 10s
      timeout: 3s
      retries: 3
"""
)

BAD_BUILD = """\
services:
  nginx:
    image: nginx:1.27
    ports: ["80:80"]
    volumes:
      - ./nginx/default.conf:/etc/nginx/conf.d/default.conf:ro
  api:
    build: ./api
"""

DOCKERFILE = """\
FROM python:3.12-slim
WORKDIR /app
COPY . .
EXPOSE 8000
CMD ["gunicorn", "--bind", "0.0.0.0:8000", "app:app"]
"""

DOCKERFILE_GOOD = DOCKERFILE.replace(
    "EXPOSE 8000\n",
    "EXPOSE 8000\n"
    "HEALTHCHECK --interval=10s --timeout=3s CMD "
    'python -c "import urllib.request; '
    "urllib.request.urlopen('http://127.0.0.1:8000/health')\"\n",
)


# ---------------------------------------------------------------- fix


def fix_healthcheck(ctx: FixContext, finding: Finding) -> Fix | None:
    """XF011: give the proxied service a healthcheck probing its health route."""
    subject = ctx.subject(finding, ProxiedNoHealthcheck)
    svc = ctx.service(finding, subject.service, subject.project)
    return ce.healthcheck_fix(ctx, svc, subject.port)


def tell_healthcheck(ctx: FixContext, finding: Finding) -> Applicability:
    """XF011: what `fix_healthcheck` would give, without building it."""
    subject = ctx.subject(finding, ProxiedNoHealthcheck)
    svc = ctx.service(finding, subject.service, subject.project)
    return ce.healthcheck_applicability(ctx, svc, subject.port)


@record(frozen=True, kw_only=True)
class ProxiedNoHealthcheck:
    """The proxied service without a healthcheck, its port and route path."""

    project: str | None = None
    service: str | None = None
    port: int | None = None
    config: str | None = None
    path: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return subject_dict(self)


class ProxiedServiceWithoutHealthcheck(Rule):
    code = "XF011"
    name = "proxied-service-without-healthcheck"
    title = "a service behind nginx has no healthcheck"
    severity = Severity.INFO
    category = "availability"
    why = (
        "Without a healthcheck Docker reports a hung, deadlocked or still-booting backend "
        "as `running`: `depends_on: condition: service_healthy` cannot wait for it, "
        "`docker compose ps` and monitoring show green while nginx answers 502/504, and "
        "nothing distinguishes a wedged process from a healthy one. A compose "
        "`healthcheck:`, a Dockerfile HEALTHCHECK, or one the image defines (the curated "
        "image table, or a Dockerfile in the repository that builds the image) all count; "
        "for an image the table does not know the message says it may define one. "
        "Info: a missing healthcheck hides a failure rather than causing one, and "
        "nginx still reaches a backend that has none."
    )
    how_to_fix = (
        "Add a healthcheck that exercises the port nginx uses (an HTTP /health endpoint "
        "with a tool that exists in the image: curl/wget, or python/node one-liners in slim "
        "images), with interval, timeout, retries and a start_period that covers boot."
    )
    fixer = staticmethod(fix_healthcheck)
    fix_applicability_of = staticmethod(tell_healthcheck)
    references = (
        "https://docs.docker.com/reference/compose-file/services/#healthcheck",
        "https://docs.docker.com/reference/dockerfile/#healthcheck",
    )
    examples = (
        Example(
            bad={"docker-compose.yml": BAD, "nginx/default.conf": CONF},
            good={"docker-compose.yml": GOOD, "nginx/default.conf": CONF},
            description="api is proxied but Docker can't tell if it works",
        ),
        Example(
            bad={
                "docker-compose.yml": BAD_BUILD,
                "nginx/default.conf": CONF,
                "api/Dockerfile": DOCKERFILE,
            },
            good={
                "docker-compose.yml": BAD_BUILD,
                "nginx/default.conf": CONF,
                "api/Dockerfile": DOCKERFILE_GOOD,
            },
            description="a Dockerfile HEALTHCHECK counts",
        ),
    )

    def check(self, stack: Stack) -> Iterator[Finding]:
        index = built_elsewhere(stack)
        for project in stack.projects:
            by_service: dict[str, list[ResolvedTarget]] = {}
            for rt in project.targets:
                if rt.service is not None and rt.service.project == project.name:
                    by_service.setdefault(rt.service.name, []).append(rt)
            for name, rts in by_service.items():
                svc = project.services.get(name)
                if svc is None or svc.effective_healthcheck is not None:
                    continue
                if name in project.nginx_service.values():
                    continue  # nginx proxying to itself
                disabled = svc.healthcheck is not None and svc.healthcheck.disabled
                health = None if disabled else image_health(svc, index)
                if health is not None and health.state == YES:
                    continue  # the image (or a Dockerfile here that builds it) has one
                yield self._finding(project, svc, rts, health)

    def _finding(
        self,
        project: Project,
        svc: Service,
        rts: list[ResolvedTarget],
        health: ImageHealth | None,
    ) -> Finding:
        disabled = health is None
        first = rts[0]
        port = container_port(first)
        related: list[Location] = []
        for rt in rts:
            if rt.location not in related:
                related.append(rt.location)
        if disabled:
            state = "its healthcheck is disabled"
        elif health is not None and health.state == UNKNOWN:
            state = f"has no healthcheck in compose or in a Dockerfile here ({health.evidence})"
        else:
            state = "has no healthcheck (compose or Dockerfile HEALTHCHECK)"
        return self.finding(
            svc.loc("healthcheck") if disabled else svc.location,
            f"'{svc.name}' is proxied by nginx ({first.route.raw} in {first.location.file}:"
            f"{first.location.line}) but {state}",
            subject=svc.name,
            related=related[:5],
            detail=ProxiedNoHealthcheck(
                project=project.name,
                service=svc.name,
                port=port,
                config=first.route.config.root_file,
                path=first.route.path,
            ),
        )
