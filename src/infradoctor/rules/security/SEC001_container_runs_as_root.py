"""SEC001: the container's process runs as root."""

from __future__ import annotations

from collections.abc import Iterator

from infradoctor.facts.image_table import ROOT
from infradoctor.facts.images import (
    image_drops_root,
    image_facts,
    is_root_user,
    unresolved_image,
)
from infradoctor.findings import Finding, Severity
from infradoctor.model.stack import Stack
from infradoctor.rules.base import Example, Rule
from infradoctor.rules.compose._util import service_subject


class ContainerRunsAsRoot(Rule):
    code = "SEC001"
    name = "container-runs-as-root"
    title = "Container runs as root"
    severity = Severity.INFO
    category = "security"
    why = (
        "Without a `user:` in compose or a non-root `USER` in the image, the process runs as "
        "uid 0. Root in a container is the same uid as root on the host, kept apart only by "
        "namespaces, capabilities and seccomp: one remote-code-execution bug in the app plus "
        "one kernel or runtime escape (or a careless bind mount such as `/:/host` or "
        "docker.sock) and the attacker owns the host. Root also lets a compromised app "
        "rewrite its own code and install tools inside the container.\n\n"
        "To keep noise low this rule reports: services whose compose `user:` is root; "
        "image-only services whose image is not known to drop privileges itself (postgres, "
        "redis, mysql, mongo, rabbitmq, grafana, prometheus, bitnami/*, "
        "nginx-unprivileged, ... are skipped because their entrypoint switches to a "
        "service user; the curated image table, with a source per fact, says which). For "
        "an image the table does not list the message says the user is unknown. Services built from a Dockerfile in the tree are left to DKR001, "
        "which points at the Dockerfile where the fix belongs."
    )
    how_to_fix = (
        "Run as an unprivileged user, in compose or (better) in the image:\n\n"
        "```yaml\nservices:\n  api:\n    image: ghcr.io/acme/api:1.2.0\n"
        '    user: "10001:10001"\n```\n\n'
        "Make sure the files the process writes (volumes, /tmp) are owned by that uid. "
        "Check what an image uses with `docker inspect -f '{{.Config.User}}' IMAGE`."
    )
    references = (
        "https://docs.docker.com/reference/compose-file/services/#user",
        "https://docs.docker.com/engine/security/#linux-kernel-capabilities",
    )
    examples = (
        Example(
            bad={
                "docker-compose.yml": (
                    "services:\n"
                    "  tiles:\n"
                    "    image: ghcr.io/acme/tile-service:0.9.1\n"
                    "  proxy:\n"
                    "    image: traefik:v3.1\n"
                    "    user: root\n"
                )
            },
            good={
                "docker-compose.yml": (
                    "services:\n"
                    "  tiles:\n"
                    "    image: ghcr.io/acme/tile-service:0.9.1\n"
                    '    user: "10001:10001"\n'
                    "  db:\n"
                    "    image: postgres:16\n"
                    "  cache:\n"
                    "    image: redis:7.2-alpine\n"
                )
            },
        ),
    )

    def check(self, stack: Stack) -> Iterator[Finding]:
        for svc in stack.services:
            if svc.user is not None:
                if is_root_user(svc.user):
                    yield self.finding(
                        svc.loc("user"),
                        f"service '{svc.name}' sets `user: {svc.user.strip()}`: its process "
                        "runs as root (uid 0, the host's root uid)",
                        subject=svc.name,
                        detail=service_subject(svc),
                    )
                continue
            if svc.build_context is not None or svc.build_dockerfile is not None:
                continue  # built here: DKR001 judges the Dockerfile's USER
            if not svc.image or unresolved_image(svc.image) or image_drops_root(svc.image):
                continue
            yield self.finding(
                svc.location,
                f"service '{svc.name}' sets no `user:` and {_image_user(svc.image)} "
                "(check `docker inspect -f '{{.Config.User}}'` and set `user:` to a "
                "non-root uid)",
                subject=svc.name,
                detail=service_subject(svc),
            )


def _image_user(image: str) -> str:
    """What the image table says about the image's user: a fact with its source, or
    that it is unknown."""
    row = image_facts(image)
    if row is not None and row.user == ROOT:
        return f"image '{image}' runs as root ({row.source('user')})"
    return f"image '{image}' may run as root (unknown: it is not in the image table)"
