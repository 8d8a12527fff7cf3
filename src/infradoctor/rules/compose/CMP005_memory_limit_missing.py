"""CMP005: a long-running service without a memory limit can starve the whole host."""

from __future__ import annotations

from collections.abc import Iterator

from infradoctor.findings import Finding, Severity
from infradoctor.model.stack import Stack
from infradoctor.rules.base import Example, Rule
from infradoctor.rules.compose._util import (
    is_fragment,
    memory_limit,
    one_shot_reason,
    service_subject,
)


class MemoryLimitMissing(Rule):
    code = "CMP005"
    default_enabled = False
    groups = ("hardening",)
    name = "memory-limit-missing"
    title = "Long-running service has no memory limit"
    severity = Severity.INFO
    category = "availability"
    why = (
        "Without `mem_limit` / `deploy.resources.limits.memory` a container may use all of "
        "the host's RAM. A leak or a burst in one service (an unbounded cache, a big upload "
        "held in memory, a JVM sizing its heap from the host's RAM) pushes the host into "
        "swap or wakes the kernel OOM killer, which picks the biggest process on the machine "
        "(often Postgres), not the culprit. With a limit only the leaking container is "
        "killed and restarted. One-shot jobs (migrations, init, tools) are not flagged."
    )
    how_to_fix = (
        "Give each service a limit a bit above its observed peak (`docker stats`):\n\n"
        "```yaml\nservices:\n  api:\n    deploy:\n      resources:\n        limits:\n"
        "          memory: 512M\n```\n\n"
        "(`mem_limit: 512m` is the older equivalent; both are honoured by `docker compose`.)"
    )
    references = (
        "https://docs.docker.com/reference/compose-file/deploy/#resources",
        "https://docs.docker.com/engine/containers/resource_constraints/",
    )
    examples = (
        Example(
            bad={
                "docker-compose.yml": (
                    "services:\n"
                    "  tiles:\n"
                    "    image: ghcr.io/acme/tile-service:0.9.1\n"
                    "    restart: unless-stopped\n"
                )
            },
            good={
                "docker-compose.yml": (
                    "services:\n"
                    "  tiles:\n"
                    "    image: ghcr.io/acme/tile-service:0.9.1\n"
                    "    restart: unless-stopped\n"
                    "    deploy:\n"
                    "      resources:\n"
                    "        limits:\n"
                    "          memory: 768M\n"
                    "  redis:\n"
                    "    image: redis:7.2-alpine\n"
                    "    mem_limit: 256m\n"
                    "  migrate:\n"
                    "    image: ghcr.io/acme/tile-service:0.9.1\n"
                    '    command: ["python", "manage.py", "migrate"]\n'
                )
            },
        ),
    )

    def check(self, stack: Stack) -> Iterator[Finding]:
        for project in stack.projects:
            for svc in project.services.values():
                if (
                    is_fragment(svc)
                    or memory_limit(svc) is not None
                    or one_shot_reason(svc, project)
                ):
                    continue
                yield self.finding(
                    svc.location,
                    f"service '{svc.name}' has no memory limit: a leak in it can exhaust the "
                    "host's RAM and get other containers OOM-killed "
                    "(set deploy.resources.limits.memory)",
                    subject=svc.name,
                    detail=service_subject(svc),
                )
