"""SEC008: the Docker API socket is mounted into a container."""

from __future__ import annotations

import re
from collections.abc import Iterator

from infradoctor.facts.images import parse_image
from infradoctor.findings import Finding, Severity
from infradoctor.lazyre import lazy
from infradoctor.model.stack import Stack
from infradoctor.rules.base import Example, Rule
from infradoctor.rules.compose._util import service_subject

SOCKET_RE = re.compile(r"(^|/)(docker|podman|containerd)\.sock$")
# Socket proxies exist to hold the socket and expose a filtered API: they are the fix.
SOCKET_PROXY_RE = lazy(r"(^|/)(docker-socket-proxy|socket-proxy|dockerproxy)$")


class DockerSocketMounted(Rule):
    code = "SEC008"
    name = "docker-socket-mounted"
    title = "Docker socket mounted into a container"
    severity = Severity.INFO
    category = "security"
    why = (
        "Whoever can talk to /var/run/docker.sock controls the Docker daemon, which runs as "
        "root: `docker run -v /:/host --privileged ...` through the socket gives a root "
        "shell on the host. Mounting it `:ro` does NOT help: read-only applies to the socket "
        "file, not to the API requests sent over it, so a read-only socket is just as "
        "root-equivalent. Any RCE in the container (a traefik/portainer/watchtower "
        "vulnerability, a compromised CI job) becomes a host takeover. Socket-proxy "
        "services (tecnativa/docker-socket-proxy and the like) are not flagged: they are "
        "the mitigation."
    )
    how_to_fix = (
        "Avoid the mount; if a tool needs the API (service discovery, log shipping), put a "
        "socket proxy in between that allows only the read endpoints it uses:\n\n"
        "```yaml\nservices:\n  socket-proxy:\n    image: tecnativa/docker-socket-proxy:0.2\n"
        "    environment:\n      CONTAINERS: 1\n      POST: 0\n    volumes:\n"
        "      - /var/run/docker.sock:/var/run/docker.sock:ro\n  traefik:\n"
        "    image: traefik:v3.1\n    command:\n"
        "      - --providers.docker.endpoint=tcp://socket-proxy:2375\n```"
    )
    references = (
        "https://docs.docker.com/engine/security/#docker-daemon-attack-surface",
        "https://github.com/Tecnativa/docker-socket-proxy",
    )
    examples = (
        Example(
            bad={
                "docker-compose.yml": (
                    "services:\n"
                    "  traefik:\n"
                    "    image: traefik:v3.1\n"
                    "    volumes:\n"
                    "      - /var/run/docker.sock:/var/run/docker.sock:ro\n"
                )
            },
            good={
                "docker-compose.yml": (
                    "services:\n"
                    "  socket-proxy:\n"
                    "    image: tecnativa/docker-socket-proxy:0.2\n"
                    "    environment:\n"
                    "      CONTAINERS: 1\n"
                    "    volumes:\n"
                    "      - /var/run/docker.sock:/var/run/docker.sock:ro\n"
                    "  traefik:\n"
                    "    image: traefik:v3.1\n"
                    "    command:\n"
                    "      - --providers.docker.endpoint=tcp://socket-proxy:2375\n"
                )
            },
        ),
    )

    def check(self, stack: Stack) -> Iterator[Finding]:
        for svc in stack.services:
            if svc.image and SOCKET_PROXY_RE.search(parse_image(svc.image).path):
                continue
            for mount in svc.volumes:
                if mount.type != "bind" or not mount.source:
                    continue
                if not SOCKET_RE.search(mount.source.rstrip("/")):
                    continue
                ro = (
                    " (read-only does not help: it protects the socket file, not the API "
                    "calls made through it)"
                    if mount.read_only
                    else ""
                )
                yield self.finding(
                    mount.location,
                    f"service '{svc.name}' mounts the Docker socket {mount.source}: anyone "
                    f"with code execution in it controls the daemon and is root on the host{ro}",
                    subject=svc.name,
                    detail=service_subject(svc),
                )
