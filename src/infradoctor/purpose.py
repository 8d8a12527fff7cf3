"""Hold CI, test, development and maintenance compose files to their purpose: availability
and log-limit findings there are advice, not outage causes, and a fixture's credentials or
published database are not a production exposure, so they become info and say why
("(test compose file)"). Runs once over the findings, after the rules."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from infradoctor.facts.purpose import service_purpose, swarm_file
from infradoctor.findings import Annotated, Finding, Severity
from infradoctor.model.stack import Project, Service, Stack

# Rules about staying up in production (restarts, log growth, memory, start-up order),
# and about exposure a throwaway fixture does not have (published databases, secrets).
PURPOSE_RULES = frozenset(
    {"CMP001", "CMP002", "CMP005", "XF004", "XF005", "XF011", "XF013", "SEC006", "SEC007"}
)
# Rules about compose behaviour `docker stack deploy` does not have (restart default `any`,
# depends_on ignored).
SWARM_RULES = frozenset({"CMP001", "XF004", "XF005"})
SWARM_WHY = "swarm stack file: swarm restarts tasks by default and ignores depends_on"


def _service(
    stack: Stack, data: dict[str, Any], key: str = "service"
) -> tuple[Project | None, Service | None]:
    name = data.get(key)
    if not isinstance(name, str):
        return None, None
    project = stack.index.projects.get(str(data.get("project")))
    if project is not None and name in project.services:
        return project, project.services[name]
    return None, None


def hold_to_purpose(stack: Stack, findings: list[Finding]) -> list[Finding]:
    """Findings with availability rules on non-production services turned into info."""
    out: list[Finding] = []
    memo: dict[tuple[int, int], str | None] = {}
    files: dict[str, str | None] = {}  # file -> purpose
    swarm: dict[str, bool] = {}  # file -> swarm_file(file)
    for f in findings:
        if f.rule not in PURPOSE_RULES or f.severity <= Severity.INFO:
            out.append(f)
            continue
        data = f.data  # built per read: once per finding here
        project, service = _service(stack, data)
        if service is None:
            out.append(f)
            continue
        key = (id(project), id(service))
        if key not in memo:
            memo[key] = service_purpose(stack, project, service, files)
        why = memo[key]
        if why is None and "target_service" in data:  # depends on a dev-only service
            _, target = _service(stack, data, "target_service")
            if target is not None and (why := service_purpose(stack, project, target, files)):
                why = f"{target.name!r}: {why}"
        if why is None and f.rule in SWARM_RULES:
            file = service.location.file
            if file not in swarm:
                swarm[file] = swarm_file(file)
            if swarm[file]:
                why = SWARM_WHY
        if why is None:
            out.append(f)
            continue
        out.append(
            replace(
                f,
                severity=Severity.INFO,
                message=f"{f.message} ({why})",
                detail=Annotated(f.detail, {"purpose": why}),
            )
        )
    return out
