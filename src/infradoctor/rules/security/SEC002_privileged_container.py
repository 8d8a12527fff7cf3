"""SEC002: privileged containers are root on the host."""

from __future__ import annotations

from collections.abc import Iterator

from infradoctor.findings import Finding, Severity
from infradoctor.model.stack import Stack
from infradoctor.rules.base import Example, Rule
from infradoctor.rules.compose._util import service_subject


class PrivilegedContainer(Rule):
    code = "SEC002"
    name = "privileged-container"
    title = "Container runs privileged"
    severity = Severity.ERROR
    category = "security"
    why = (
        "`privileged: true` gives the container every capability, disables seccomp and "
        "AppArmor and exposes all host devices (/dev/sda, ...). A process in it can mount "
        "the host's disk, load kernel modules or write to /proc/sysrq-trigger: any code "
        'execution inside it is root on the host. It is usually added to "make something '
        'work" (a FUSE mount, a VPN tun device, docker-in-docker) when one capability or '
        "device would do."
    )
    how_to_fix = (
        "Remove `privileged` and grant only what the service needs:\n\n"
        "```yaml\nservices:\n  vpn:\n    image: qmcgaw/gluetun:v3.39\n    cap_add: [NET_ADMIN]\n"
        "    devices:\n      - /dev/net/tun:/dev/net/tun\n```"
    )
    references = (
        "https://docs.docker.com/reference/compose-file/services/#privileged",
        "https://docs.docker.com/engine/containers/run/#runtime-privilege-and-linux-capabilities",
    )
    examples = (
        Example(
            bad={
                "docker-compose.yml": (
                    "services:\n  vpn:\n    image: qmcgaw/gluetun:v3.39\n    privileged: true\n"
                )
            },
            good={
                "docker-compose.yml": (
                    "services:\n"
                    "  vpn:\n"
                    "    image: qmcgaw/gluetun:v3.39\n"
                    "    cap_add:\n"
                    "      - NET_ADMIN\n"
                    "    devices:\n"
                    "      - /dev/net/tun:/dev/net/tun\n"
                )
            },
        ),
    )

    def check(self, stack: Stack) -> Iterator[Finding]:
        for svc in stack.services:
            if svc.privileged:
                yield self.finding(
                    svc.loc("privileged"),
                    f"service '{svc.name}' runs privileged: all capabilities and host devices, "
                    "no seccomp/AppArmor; code execution in it is root on the host",
                    subject=svc.name,
                    detail=service_subject(svc),
                )
