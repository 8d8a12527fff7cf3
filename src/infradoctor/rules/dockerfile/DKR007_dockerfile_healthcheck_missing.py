"""DKR007: a Dockerfile run by compose has no HEALTHCHECK and compose adds none."""

from __future__ import annotations

from collections.abc import Iterator

from infradoctor.facts.images import chain_last, command_ports, services_building
from infradoctor.findings import Finding, Severity
from infradoctor.model.stack import Dockerfile, Project, Service, Stack
from infradoctor.rules.base import Example, Rule
from infradoctor.rules.compose._util import one_shot_reason, project_of


def is_proxied(project: Project | None, svc: Service) -> bool:
    return project is not None and any(t.service is svc for t in project.targets)


def is_depended_on(project: Project | None, svc: Service) -> bool:
    return project is not None and any(
        d.service == svc.name for o in project.services.values() for d in o.depends_on
    )


def start_command_text(df: Dockerfile) -> str:
    parts = [chain_last(df, "ENTRYPOINT"), chain_last(df, "CMD")]
    return " ".join(" ".join(i.exec_form) if i.exec_form else i.value for i in parts if i)


class DockerfileHealthcheckMissing(Rule):
    code = "DKR007"
    name = "dockerfile-healthcheck-missing"
    title = "Service image has no HEALTHCHECK and compose defines none"
    severity = Severity.INFO
    category = "dockerfile"
    why = (
        "Without a health check Docker only knows whether the process exists, not whether "
        "it works: a worker stuck on a dead database connection, a bot whose polling loop "
        "died in a thread, or an app deadlocked on a lock shows `Up` for days. A HEALTHCHECK "
        "makes `docker ps`, monitoring and `depends_on: condition: service_healthy` see the "
        "real state.\n\n"
        "To avoid noise and duplicates this rule only fires for a Dockerfile that compose "
        "actually runs (a HEALTHCHECK nobody runs means nothing; Kubernetes ignores it), "
        "through a long-running service that has no compose `healthcheck:` either (an "
        "explicit `disable: true` is respected), and that is neither proxied by nginx (XF011 "
        "reports that case) nor a depends_on target (XF004 does)."
    )
    how_to_fix = (
        "Add a HEALTHCHECK that exercises the app (or a compose `healthcheck:`):\n\n"
        "```dockerfile\nHEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \\\n"
        '  CMD ["python", "-c", "import sys, worker; sys.exit(0 if worker.alive() else 1)"]'
        "\n```\n\n"
        "For a worker, touch a heartbeat file in the main loop and check its age: "
        "`CMD find /tmp/heartbeat -mmin -2 | grep -q .`."
    )
    fixable = "display-only"
    references = (
        "https://docs.docker.com/reference/dockerfile/#healthcheck",
        "https://docs.docker.com/reference/compose-file/services/#healthcheck",
    )
    examples = (
        Example(
            bad={
                "docker-compose.yml": (
                    "services:\n"
                    "  snapshot-worker:\n"
                    "    build: ./worker\n"
                    "    restart: unless-stopped\n"
                ),
                "worker/Dockerfile": (
                    "FROM python:3.12-slim\n"
                    "WORKDIR /app\n"
                    "COPY . .\n"
                    'CMD ["python", "-m", "worker"]\n'
                ),
            },
            good={
                "docker-compose.yml": (
                    "services:\n"
                    "  snapshot-worker:\n"
                    "    build: ./worker\n"
                    "    restart: unless-stopped\n"
                ),
                "worker/Dockerfile": (
                    "FROM python:3.12-slim\n"
                    "WORKDIR /app\n"
                    "COPY . .\n"
                    "HEALTHCHECK --interval=30s --timeout=5s \\\n"
                    "  CMD find /tmp/heartbeat -mmin -2 | grep -q .\n"
                    'CMD ["python", "-m", "worker"]\n'
                ),
            },
        ),
    )

    @staticmethod
    def _port(df: Dockerfile, listen_ports: list[int]) -> dict[str, int]:
        """The port a HEALTHCHECK template should probe (for the fixer), when known."""
        ports = command_ports(start_command_text(df)) or listen_ports
        return {"port": ports[0]} if ports else {}

    def check(self, stack: Stack) -> Iterator[Finding]:
        for path, df in stack.dockerfiles.items():
            if df.final is None or chain_last(df, "HEALTHCHECK") is not None:
                continue
            names: list[str] = []
            ports: list[int] = []
            for svc in services_building(stack, df):
                project = project_of(stack, svc)
                if svc.healthcheck is not None or one_shot_reason(svc, project):
                    continue
                if is_proxied(project, svc) or is_depended_on(project, svc):
                    continue
                if svc.name not in names:
                    names.append(svc.name)
                    ports.extend(sorted(svc.listen_ports))
            if not names:
                continue
            services = ", ".join(f"'{n}'" for n in names)
            yield self.finding(
                df.final.location,
                f"{path}: no HEALTHCHECK, and service(s) {services} built from it define no "
                "compose healthcheck: Docker reports them healthy as long as the process "
                "exists, even when it is stuck",
                subject=path,
                data={"dockerfile": path, "services": names, **self._port(df, ports)},
            )
