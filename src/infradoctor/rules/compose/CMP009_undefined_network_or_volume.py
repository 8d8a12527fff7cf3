"""CMP009: a service uses a named network or volume the project never declares."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from infradoctor.findings import Finding, Severity, subject_dict
from infradoctor.model.stack import Stack
from infradoctor.records import record
from infradoctor.rules.base import Example, Rule
from infradoctor.rules.compose._util import is_partial_project
from infradoctor.subjects import ServiceSubject

IMPLICIT_NETWORKS = frozenset({"default"})


@record(frozen=True)
class UndefinedResource(ServiceSubject):
    """The service and the network or named volume it uses that is not defined."""

    network: str | None = None
    volume: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return subject_dict(self, keep_none=False)  # keys only for what is known


class UndefinedNetworkOrVolume(Rule):
    code = "CMP009"
    name = "undefined-network-or-volume"
    title = "Service uses a network or named volume that is not declared"
    severity = Severity.ERROR
    category = "availability"
    why = (
        "Compose only creates networks and named volumes listed under the top-level "
        "`networks:` / `volumes:` keys. A service that joins an undeclared network makes "
        '`docker compose up` fail (`service "api" refers to undefined network backend`), '
        "and so does a named volume that is not declared (`refers to undefined volume "
        "pgdata`). This typically appears after renaming a network or volume, or when the "
        "declaration lives in an override file that is not passed in production. A volume "
        "source that is a path (`./data`, `/srv/data`) is a bind mount and needs no "
        "declaration."
    )
    how_to_fix = (
        "Declare the network or volume at the top level (mark it `external: true` if another "
        "project creates it):\n\n"
        "```yaml\nservices:\n  db:\n    image: postgres:16\n    volumes:\n"
        "      - pgdata:/var/lib/postgresql/data\n    networks: [backend]\n\n"
        "volumes:\n  pgdata:\n\nnetworks:\n  backend:\n```"
    )
    references = (
        "https://docs.docker.com/reference/compose-file/networks/",
        "https://docs.docker.com/reference/compose-file/volumes/",
    )
    examples = (
        Example(
            bad={
                "docker-compose.yml": (
                    "services:\n"
                    "  db:\n"
                    "    image: postgres:16\n"
                    "    volumes:\n"
                    "      - pgdata:/var/lib/postgresql/data\n"
                    "    networks:\n"
                    "      - backend\n"
                    "\n"
                    "networks:\n"
                    "  back-end:\n"
                )
            },
            good={
                "docker-compose.yml": (
                    "services:\n"
                    "  db:\n"
                    "    image: postgres:16\n"
                    "    volumes:\n"
                    "      - pgdata:/var/lib/postgresql/data\n"
                    "      - ./initdb:/docker-entrypoint-initdb.d:ro\n"
                    "    networks:\n"
                    "      - backend\n"
                    "\n"
                    "volumes:\n"
                    "  pgdata:\n"
                    "\n"
                    "networks:\n"
                    "  backend:\n"
                )
            },
        ),
    )

    def check(self, stack: Stack) -> Iterator[Finding]:
        for project in stack.projects:
            if is_partial_project(project):
                continue
            for svc in project.services.values():
                if svc.network_mode is None:
                    for net in svc.networks:
                        if net in IMPLICIT_NETWORKS or net in project.networks:
                            continue
                        yield self.finding(
                            svc.loc("networks"),
                            f"service '{svc.name}' joins network '{net}', which is not "
                            "declared under top-level `networks:`: compose refuses to start",
                            subject=svc.name,
                            detail=UndefinedResource(svc.name, svc.project, network=net),
                        )
                for mount in svc.volumes:
                    if mount.type != "volume" or not mount.source:
                        continue
                    if mount.source in project.volumes:
                        continue
                    yield self.finding(
                        mount.location,
                        f"service '{svc.name}' mounts named volume '{mount.source}', which is "
                        "not declared under top-level `volumes:`: compose refuses to start "
                        "(or, if you meant a host directory, write it as ./"
                        f"{mount.source})",
                        subject=svc.name,
                        detail=UndefinedResource(svc.name, svc.project, volume=mount.source),
                    )
