"""DKR007: a Dockerfile run by compose has no HEALTHCHECK and compose adds none."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from infradoctor.facts.images import chain_last, command_ports, services_building
from infradoctor.findings import Applicability, Edit, Finding, Fix, Severity, subject_dict
from infradoctor.fixes import dockerfile_edit as de
from infradoctor.fixes.context import FixContext, FixUnavailable, make_fix
from infradoctor.model.stack import Dockerfile, Project, Service, Stack, Stage
from infradoctor.records import record
from infradoctor.rules.base import Example, Rule
from infradoctor.rules.compose._util import one_shot_reason, project_of
from infradoctor.subjects import DockerfileSubject
from infradoctor.syntax.numbers import digits_value


def is_proxied(project: Project | None, svc: Service) -> bool:
    return project is not None and any(t.service is svc for t in project.targets)


def is_depended_on(project: Project | None, svc: Service) -> bool:
    return project is not None and any(
        d.service == svc.name for o in project.services.values() for d in o.depends_on
    )


def start_command_text(df: Dockerfile) -> str:
    parts = [chain_last(df, "ENTRYPOINT"), chain_last(df, "CMD")]
    return " ".join(" ".join(i.exec_form) if i.exec_form else i.value for i in parts if i)


# ---------------------------------------------------------------- fix

DISPLAY = Applicability.DISPLAY_ONLY


def _exposed_port(df: Dockerfile) -> int | None:
    for ins in df.expose:
        m = re.search(r"[0-9]+", ins.value)
        port = digits_value(m.group(0)) if m else None
        if port is not None and 0 < port < 65536:
            return port
    return None


def _has_tool(stage: Stage, tool: str) -> bool:
    return any(re.search(rf"\b(install|add)\b[^&;|]*\b{tool}\b", i.value) for i in stage.all("RUN"))


def healthcheck_instruction(df: Dockerfile, path: str | None, port: int | None) -> str:
    stage = df.final
    assert stage is not None
    url = f"http://127.0.0.1:{port or 'PORT'}{path or '/'}"
    base = stage.base_image.lower()
    if _has_tool(stage, "curl"):
        cmd = f"curl -fsS -o /dev/null {url} || exit 1"
    elif "alpine" in base or "busybox" in base or _has_tool(stage, "wget"):
        cmd = f"wget -q -O /dev/null {url} || exit 1"
    elif re.search(r"(^|/)python(:|$)", base):
        cmd = f"python -c \"import urllib.request; urllib.request.urlopen('{url}', timeout=4)\""
    else:
        cmd = f"curl -fsS -o /dev/null {url} || exit 1"
    return f"HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 CMD {cmd}"


def fix_dockerfile_healthcheck(ctx: FixContext, finding: Finding) -> Fix | None:
    df = ctx.dockerfile(finding)
    if df.final is None or df.healthcheck is not None:
        raise FixUnavailable("has a HEALTHCHECK")
    de.editable(ctx, df)
    path: str | None = None  # the rule knows no health path: the fix is a template
    port = ctx.subject(finding, NoHealthcheck).port or _exposed_port(df)
    pos, prefix = de.insert_point(ctx, df)
    line = healthcheck_instruction(df, path, port)
    what = "template: set the health path" if path is None else f"probe {path}"
    return make_fix(
        f"Add a HEALTHCHECK ({what})", DISPLAY, [Edit(df.path, pos, pos, prefix + line + "\n")]
    )


@record(frozen=True)
class NoHealthcheck(DockerfileSubject):
    """The Dockerfile, the services built from it and the port a probe should use."""

    services: list[str]
    port: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return subject_dict(self, keep_none=False)  # keys only for what is known


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
    fixer = staticmethod(fix_dockerfile_healthcheck)
    fix_applicability = Applicability.DISPLAY_ONLY
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
    def _port(df: Dockerfile, listen_ports: list[int]) -> int | None:
        """The port a HEALTHCHECK template should probe (for the fixer), when known."""
        ports = command_ports(start_command_text(df)) or listen_ports
        return ports[0] if ports else None

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
                detail=NoHealthcheck(path, names, self._port(df, ports)),
            )
