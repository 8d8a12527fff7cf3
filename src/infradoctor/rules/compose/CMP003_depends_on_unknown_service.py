"""CMP003: depends_on names a service that the project does not define."""

from __future__ import annotations

from collections.abc import Iterator

from infradoctor.findings import Finding, Severity
from infradoctor.model.stack import Stack
from infradoctor.records import record
from infradoctor.rules.base import Example, Rule
from infradoctor.rules.compose._util import is_partial_project
from infradoctor.subjects import ServiceSubject


@record(frozen=True)
class UnknownDependency(ServiceSubject):
    """The service and the dependency it names that does not exist."""

    dependency: str


class DependsOnUnknownService(Rule):
    code = "CMP003"
    name = "depends-on-unknown-service"
    title = "depends_on names a service that does not exist"
    severity = Severity.ERROR
    category = "availability"
    why = (
        "`docker compose up` refuses to start the project when a service depends on a name "
        'that is not defined (`service "api" depends on undefined service "postgres"`), '
        "so a rename of a service (db -> postgres) or a typo blocks every deploy of the stack. "
        "When the dependency sits in a compose file that is only sometimes passed with `-f`, "
        "the project starts with one file set and fails with the other.\n\n"
        "Dependencies marked `required: false` are skipped: compose ignores them when absent."
    )
    how_to_fix = (
        "Point depends_on at the real service name (the key under `services:`, not the "
        "container_name or hostname):\n\n"
        "```yaml\nservices:\n  api:\n    depends_on:\n      postgres:\n"
        "        condition: service_healthy\n  postgres:\n    image: postgres:16\n```\n\n"
        "If the dependency only exists in an override file, mark it `required: false` "
        "(compose >= 2.20) or move it to the base file."
    )
    references = ("https://docs.docker.com/reference/compose-file/services/#depends_on",)
    examples = (
        Example(
            bad={
                "docker-compose.yml": (
                    "services:\n"
                    "  api:\n"
                    "    image: ghcr.io/acme/api:1.0.3\n"
                    "    depends_on:\n"
                    "      - db\n"
                    "  postgres:\n"
                    "    image: postgres:16\n"
                )
            },
            good={
                "docker-compose.yml": (
                    "services:\n"
                    "  api:\n"
                    "    image: ghcr.io/acme/api:1.0.3\n"
                    "    depends_on:\n"
                    "      postgres:\n"
                    "        condition: service_started\n"
                    "  postgres:\n"
                    "    image: postgres:16\n"
                )
            },
        ),
    )

    def check(self, stack: Stack) -> Iterator[Finding]:
        for project in stack.projects:
            if is_partial_project(project):
                continue
            names = list(project.services)
            for svc in project.services.values():
                for dep in svc.depends_on:
                    if dep.service in project.services or not dep.required:
                        continue
                    import difflib  # only for the rare unknown dependency

                    close = difflib.get_close_matches(dep.service, names, n=1)
                    hint = f" (did you mean '{close[0]}'?)" if close else ""
                    yield self.finding(
                        dep.location,
                        f"service '{svc.name}' depends on '{dep.service}', which is not a "
                        f"service of this project: compose refuses to start{hint}",
                        subject=svc.name,
                        detail=UnknownDependency(svc.name, svc.project, dep.service),
                    )
