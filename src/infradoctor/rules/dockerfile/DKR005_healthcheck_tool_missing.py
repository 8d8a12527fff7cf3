"""DKR005: the health check calls curl/wget in an image that does not have it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from infradoctor.facts.images import (
    external_base,
    image_tools,
    missing_tools,
)
from infradoctor.findings import Finding, Severity
from infradoctor.model.source import Location
from infradoctor.model.stack import Stack
from infradoctor.records import record
from infradoctor.rules.base import Example, Rule
from infradoctor.rules.compose._util import service_subject
from infradoctor.subjects import DockerfileSubject, ServiceSubject


@record(frozen=True)
class MissingTools:
    """What runs the health check (a service or a Dockerfile) and the tools its image
    lacks."""

    owner: ServiceSubject | DockerfileSubject
    missing: list[str]

    def to_dict(self) -> dict[str, Any]:
        return {**self.owner.to_dict(), "missing": self.missing}


class HealthcheckToolMissing(Rule):
    code = "DKR005"
    name = "healthcheck-tool-missing"
    title = "Health check uses curl/wget that the image does not contain"
    severity = Severity.WARNING
    category = "dockerfile"
    why = (
        "`HEALTHCHECK CMD curl -f http://localhost:8000/health` in an image without curl "
        "fails every time with `exec: curl: not found`: the container is marked unhealthy "
        "forever, services waiting on `condition: service_healthy` never start, and "
        "orchestrators that act on health (Swarm, autoheal) restart a perfectly fine app "
        "in a loop. Alpine images have `wget` (busybox) but not curl; Debian `-slim` "
        "images, bare debian/ubuntu and distroless have neither, and distroless/scratch "
        "have no /bin/sh for CMD-SHELL checks either. Only images whose contents we know "
        "are judged, and a RUN that installs the tool (apk add / apt-get install curl) or "
        "a COPY of it counts. Compose healthchecks of services built from the Dockerfile "
        "or using a known image are checked as well."
    )
    how_to_fix = (
        "Install the tool, use the one the image has, or probe with the app's runtime:\n\n"
        "```dockerfile\nFROM python:3.12-slim\n"
        "RUN apt-get update && apt-get install -y --no-install-recommends curl \\\n"
        "    && rm -rf /var/lib/apt/lists/*\n"
        "HEALTHCHECK --interval=10s --timeout=3s CMD curl -fsS http://localhost:8000/health "
        "|| exit 1\n```\n\n"
        'or, without extra packages: `HEALTHCHECK CMD ["python", "-c", "import urllib.'
        "request; urllib.request.urlopen('http://localhost:8000/health', timeout=2)\"]`; on "
        "Alpine: `CMD wget -qO- http://localhost:8000/health || exit 1`."
    )
    references = (
        "https://docs.docker.com/reference/dockerfile/#healthcheck",
        "https://github.com/GoogleContainerTools/distroless#debug-images",
    )
    examples = (
        Example(
            bad={
                "api/Dockerfile": (
                    "FROM python:3.12-slim\n"
                    "WORKDIR /app\n"
                    "COPY . .\n"
                    "RUN pip install --no-cache-dir -r requirements.txt\n"
                    "HEALTHCHECK --interval=10s CMD curl -f http://localhost:8000/health || exit 1\n"
                    'CMD ["uvicorn", "main:app", "--host", "0.0.0.0", "--port", "8000"]\n'
                )
            },
            good={
                "api/Dockerfile": (
                    "FROM python:3.12-slim\n"
                    "RUN apt-get update && apt-get install -y --no-install-recommends curl \\\n"
                    "    && rm -rf /var/lib/apt/lists/*\n"
                    "WORKDIR /app\n"
                    "COPY . .\n"
                    "HEALTHCHECK --interval=10s CMD curl -f http://localhost:8000/health || exit 1\n"
                    'CMD ["uvicorn", "main:app", "--host", "0.0.0.0", "--port", "8000"]\n'
                ),
                "realtime/Dockerfile": (
                    "FROM node:20-alpine\n"
                    "WORKDIR /app\n"
                    "COPY . .\n"
                    "HEALTHCHECK CMD wget -qO- http://localhost:3000/health || exit 1\n"
                    'CMD ["node", "server.js"]\n'
                ),
            },
        ),
        Example(
            bad={
                "docker-compose.yml": (
                    "services:\n"
                    "  cache:\n"
                    "    image: redis:7.2-alpine\n"
                    "    healthcheck:\n"
                    '      test: ["CMD", "curl", "-f", "http://localhost:6379"]\n'
                )
            },
            good={
                "docker-compose.yml": (
                    "services:\n"
                    "  cache:\n"
                    "    image: redis:7.2-alpine\n"
                    "    healthcheck:\n"
                    '      test: ["CMD", "redis-cli", "ping"]\n'
                )
            },
            description="A compose healthcheck calling curl in an Alpine image.",
        ),
    )

    def check(self, stack: Stack) -> Iterator[Finding]:
        for path, df in stack.dockerfiles.items():
            ins = df.healthcheck
            if ins is None or ins.value.strip().upper() == "NONE":
                continue
            base = external_base(df)
            tools = image_tools(base) if base else None
            if tools is None:
                continue
            command = " ".join(ins.exec_form) if ins.exec_form else ins.value
            missing = missing_tools(tools, df, command, ins.exec_form is None)
            if missing:
                yield self._finding(
                    path, ins.location, base or "?", missing, DockerfileSubject(path)
                )
        for svc in stack.services:
            hc = svc.healthcheck
            if hc is None or hc.disabled or hc.test is None:
                continue
            built = svc.dockerfile
            base = external_base(built) if built is not None else svc.image
            if not base:
                continue
            tools = image_tools(base)
            if tools is None:
                continue
            shell_form = isinstance(hc.test, str) or bool(hc.test and hc.test[0] == "CMD-SHELL")
            missing = missing_tools(tools, built, hc.command_text, shell_form)
            if missing:
                yield self._finding(
                    f"service '{svc.name}'", hc.location, base, missing, service_subject(svc)
                )

    def _finding(
        self,
        who: str,
        location: Location,
        base: str,
        missing: list[str],
        owner: ServiceSubject | DockerfileSubject,
    ) -> Finding:
        names = " and ".join(missing)
        return self.finding(
            location,
            f"{who}: the health check runs {names}, which image {base} does not contain: "
            "the check always fails and the container stays unhealthy (install it or use "
            "a tool the image has)",
            subject=owner.service if isinstance(owner, ServiceSubject) else owner.dockerfile,
            detail=MissingTools(owner, missing),
        )
