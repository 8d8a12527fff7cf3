"""POL003: a service publishes a host port the runbook does not allow in its profile."""

from __future__ import annotations

from collections.abc import Iterator

from infradoctor.findings import Finding, Severity
from infradoctor.model.stack import Stack
from infradoctor.rules.base import Example, Rule
from infradoctor.rules.compose._util import service_subject
from infradoctor.rules.policy._policy import citation, cite, policy_of
from infradoctor.rules.profiles._profiles import runs_in

POLICY = (
    "[tool.infradoctor]\n\n[tool.infradoctor.policy.profiles.stage]\npublished-ports = [80, 443]\n"
)
LOOPBACK = ("127.0.0.1", "localhost", "::1", "[::1]")


class PublishedPortNotAllowed(Rule):
    code = "POL003"
    name = "published-port-not-allowed"
    title = "Host port published that the runbook does not allow in the profile"
    severity = Severity.WARNING
    category = "security"
    why = (
        '"Stage and prod: only 80 and 443 are open" is a typical runbook line, and a '
        "`ports:` entry copied from the dev setup (a database, a debug port, an admin UI) "
        "breaks it silently: Docker publishes ports through its own iptables rules, past "
        "the host firewall.\n\n"
        "Configured with `published-ports = [...]` in "
        "`[tool.infradoctor.policy.profiles.NAME]`. Ports bound to the loopback address are "
        "not published to the network and are allowed. Off unless configured; findings cite "
        "the policy line."
    )
    how_to_fix = (
        "Drop the `ports:` entry in that profile (move it to a dev-only override or "
        "service), bind it to 127.0.0.1, or add the port to the policy when it is meant "
        "to be public."
    )
    options = {"policy": None}
    examples = (
        Example(
            bad={
                "pyproject.toml": POLICY,
                "compose.yaml": (
                    "services:\n  web:\n    image: nginx:1.27\n    ports: ['80:80', '443:443']\n"
                    "  db:\n    image: postgres:16\n    ports: ['5432:5432']\n"
                ),
            },
            good={
                "pyproject.toml": POLICY,
                "compose.yaml": (
                    "services:\n  web:\n    image: nginx:1.27\n    ports: ['80:80', '443:443']\n"
                    "  db:\n    image: postgres:16\n    ports: ['127.0.0.1:5432:5432']\n"
                    "  adminer:\n    image: adminer:4\n    profiles: [dev]\n"
                    "    ports: ['8081:8080']\n"
                ),
            },
            description="stage allows 80 and 443; Postgres is published on 5432.",
        ),
    )

    def check(self, stack: Stack) -> Iterator[Finding]:
        policy = policy_of(self.opts, stack)
        if policy is None:
            return
        for rule in policy.profiles.values():
            if rule.published_ports is None:
                continue
            if stack.profiles and rule.profile not in stack.profiles:
                continue
            allowed = set(rule.published_ports)
            for svc in stack.services:
                if not runs_in(svc, rule.profile):
                    continue
                for port in svc.ports:
                    if port.published is None or port.host_ip in LOOPBACK:
                        continue
                    rng = port.published_range or (port.published, port.published)
                    bad = [p for p in range(rng[0], min(rng[1], rng[0] + 1000) + 1)]
                    if all(p in allowed for p in bad):
                        continue
                    yield self.finding(
                        port.location,
                        f"service '{svc.name}' publishes {port.raw} in profile {rule.profile}, "
                        f"which allows only {', '.join(map(str, sorted(allowed))) or 'none'} "
                        f"(runbook policy {cite(stack, rule.ports_ref)})",
                        subject=svc.name,
                        related=[citation(stack, rule.ports_ref)],
                        detail=service_subject(svc),
                        profile=rule.profile,
                    )
