"""CMP004: a fixed container_name cannot be shared by several replicas."""

from __future__ import annotations

from collections.abc import Iterator

from infradoctor.findings import Finding, Severity
from infradoctor.model.stack import Stack
from infradoctor.rules.base import Example, Rule
from infradoctor.rules.compose._util import service_subject


class ContainerNameWithReplicas(Rule):
    code = "CMP004"
    name = "container-name-with-replicas"
    title = "container_name set on a service with more than one replica"
    severity = Severity.ERROR
    category = "availability"
    why = (
        "Container names are unique per Docker host. With `container_name: api` and "
        "`deploy.replicas: 3` (or `scale: 3`, or `docker compose up --scale api=3`) compose "
        "refuses: `services.deploy.replicas: can't set container_name and api as container "
        "name must be unique`. Older compose versions created the first replica and failed "
        "the others, so the stack ran with a third of its planned capacity."
    )
    how_to_fix = (
        "Drop `container_name` and let compose name the replicas (`<project>-api-1`, ...). "
        "Other services reach them through the service name, which resolves to every "
        "replica:\n\n```yaml\nservices:\n  api:\n    image: ghcr.io/acme/api:3.2.0\n"
        "    deploy:\n      replicas: 3\n```"
    )
    references = ("https://docs.docker.com/reference/compose-file/services/#container_name",)
    examples = (
        Example(
            bad={
                "docker-compose.yml": (
                    "services:\n"
                    "  api:\n"
                    "    image: ghcr.io/acme/api:3.2.0\n"
                    "    container_name: api\n"
                    "    deploy:\n"
                    "      replicas: 3\n"
                )
            },
            good={
                "docker-compose.yml": (
                    "services:\n"
                    "  api:\n"
                    "    image: ghcr.io/acme/api:3.2.0\n"
                    "    deploy:\n"
                    "      replicas: 3\n"
                    "  db:\n"
                    "    image: postgres:16\n"
                    "    container_name: acme-db\n"
                )
            },
        ),
    )

    def check(self, stack: Stack) -> Iterator[Finding]:
        for svc in stack.services:
            if svc.container_name and svc.replicas is not None and svc.replicas > 1:
                yield self.finding(
                    svc.loc("container_name"),
                    f"service '{svc.name}' sets container_name '{svc.container_name}' and "
                    f"{svc.replicas} replicas: container names are unique per host, so "
                    "compose cannot create the replicas",
                    subject=svc.name,
                    related=[
                        svc.loc("deploy") if "deploy" in svc.key_locations else svc.loc("scale")
                    ],
                    detail=service_subject(svc),
                )
