"""XF005: depends_on a service that has a healthcheck, without waiting for it."""

from __future__ import annotations

from collections.abc import Iterator

from infradoctor.findings import Finding, Severity
from infradoctor.model.stack import Stack
from infradoctor.rules.base import Example, Rule
from infradoctor.rules.cross._common import service_dependencies

BAD = """\
services:
  api:
    image: example/api:1.4
    depends_on:
      - db
  db:
    image: postgres:16
    healthcheck:
      test: ["CMD-SHELL", "pg_isready -U postgres"]
      interval: 5s
      timeout: 3s
      retries: 10
"""

GOOD = BAD.replace(
    """    depends_on:
      - db
""",
    """    depends_on:
      db:
        condition: service_healthy
""",
)


class DependsOnWithoutHealthyCondition(Rule):
    code = "XF005"
    name = "depends-on-without-healthy-condition"
    title = "depends_on a service with a healthcheck without `condition: service_healthy`"
    severity = Severity.INFO
    category = "cross-file"
    why = (
        "The short form `depends_on: [db]` (and `condition: service_started`) only waits "
        "for the dependency's container to be created and started. Its healthcheck is "
        "ignored for ordering, so the dependent service still races a database or backend "
        "that is booting: connection errors and crash loops at every `up` or host reboot, "
        "or 502s from an nginx that starts before its upstreams."
    )
    how_to_fix = (
        "Use the long syntax: `depends_on: {db: {condition: service_healthy}}` so Compose "
        "waits until the healthcheck passes."
    )
    fixable = "safe"
    references = ("https://docs.docker.com/compose/how-tos/startup-order/",)
    examples = (
        Example(
            bad={"docker-compose.yml": BAD},
            good={"docker-compose.yml": GOOD},
            description="db has a healthcheck, api does not wait for it",
        ),
    )

    def check(self, stack: Stack) -> Iterator[Finding]:
        for project, svc, dep, target in service_dependencies(stack):
            if dep.condition != "service_started":
                continue
            hc = target.effective_healthcheck
            if hc is None:
                continue
            where = "its Dockerfile HEALTHCHECK" if hc.source == "dockerfile" else "a healthcheck"
            yield self.finding(
                dep.location,
                f"'{svc.name}' depends on '{target.name}', which has {where}, but "
                f"without `condition: service_healthy` Compose does not wait for it",
                subject=f"{svc.name}->{target.name}",
                related=[hc.location],
                data={
                    "project": project.name,
                    "service": svc.name,
                    "target_service": target.name,
                    "long_syntax": dep.long_syntax,
                },
            )
