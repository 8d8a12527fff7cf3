"""SEC010: the container shares the host's network namespace."""

from __future__ import annotations

from collections.abc import Iterator

from infradoctor.findings import Finding, Severity
from infradoctor.model.stack import Stack
from infradoctor.rules.base import Example, Rule
from infradoctor.rules.compose._util import service_subject


class HostNetworkMode(Rule):
    code = "SEC010"
    name = "host-network-mode"
    title = "Container uses the host network"
    severity = Severity.INFO
    category = "security"
    why = (
        "With `network_mode: host` the container has no network isolation: every port it "
        "listens on is open on all host interfaces (no `ports:` mapping, no Docker firewall "
        "rules), it can reach services bound to the host's 127.0.0.1 (the Docker API on "
        "tcp://localhost:2375, a local database, cloud metadata endpoints) and it can "
        "sniff or spoof traffic with NET_RAW. It also cannot use compose service-name DNS, "
        "so proxying to it by name fails."
    )
    how_to_fix = (
        "Use the default bridge network and publish only the ports that must be reachable:\n\n"
        "```yaml\nservices:\n  exporter:\n    image: prom/node-exporter:v1.8.2\n    ports:\n"
        '      - "127.0.0.1:9100:9100"\n```\n\n'
        "Keep host networking only for tools that genuinely need the host's interfaces "
        "(node-exporter network stats, VPN, DHCP) and suppress the finding there."
    )
    references = ("https://docs.docker.com/engine/network/drivers/host/",)
    examples = (
        Example(
            bad={
                "docker-compose.yml": (
                    "services:\n  api:\n    image: ghcr.io/acme/api:1.2.0\n    network_mode: host\n"
                )
            },
            good={
                "docker-compose.yml": (
                    "services:\n"
                    "  api:\n"
                    "    image: ghcr.io/acme/api:1.2.0\n"
                    "    ports:\n"
                    '      - "127.0.0.1:8000:8000"\n'
                )
            },
        ),
    )

    def check(self, stack: Stack) -> Iterator[Finding]:
        for svc in stack.services:
            if (svc.network_mode or "").strip().lower() == "host":
                yield self.finding(
                    svc.loc("network_mode"),
                    f"service '{svc.name}' uses network_mode: host: no network isolation, every "
                    "port it opens is reachable on the host's interfaces",
                    subject=svc.name,
                    detail=service_subject(svc),
                )
