"""PRF005: an observability or admin UI published on all interfaces in a prod/stage profile."""

from __future__ import annotations

from collections.abc import Iterator

from infradoctor.findings import Finding, Severity
from infradoctor.model.stack import Port, Service, Stack
from infradoctor.rules.base import Example, Rule
from infradoctor.rules.compose._util import service_subject
from infradoctor.rules.profiles._profiles import (
    PROD_PROFILES,
    admin_ui,
    prod_profiles,
    services_in,
)

LOOPBACK = ("127.0.0.1", "localhost", "::1", "[::1]")


class AdminUiPublishedInProd(Rule):
    code = "PRF005"
    name = "admin-ui-published-in-prod"
    title = "Observability/admin UI published on all interfaces in a production profile"
    severity = Severity.WARNING
    category = "security"
    why = (
        "Prometheus, Grafana, Alertmanager, Kibana, Jaeger, pgAdmin, Adminer, phpMyAdmin, "
        "Redis Commander, MailHog/Mailpit and friends are convenient in development, where "
        '`ports: ["9090:9090"]` opens them on the laptop. The same line in a profile that '
        "runs on a server publishes them on every interface of the host, and Docker's "
        "iptables rules bypass ufw/firewalld: unauthenticated metrics, database consoles "
        "and captured mail are on the internet.\n\n"
        "Checked for the services that run under each profile named prod, production, stage "
        "or staging (option `prod-profiles`); ports bound to 127.0.0.1 are fine."
    )
    how_to_fix = (
        "Do not publish the port in that profile (reach the UI through an SSH tunnel or an "
        "authenticated nginx location), bind it to loopback (`127.0.0.1:9090:9090`), or move "
        "the service to the dev profile."
    )
    options = {"prod-profiles": list(PROD_PROFILES)}
    examples = (
        Example(
            bad={
                "compose.yaml": (
                    "services:\n  prometheus:\n    image: prom/prometheus:v2.54.1\n"
                    '    profiles: [dev, prod]\n    ports:\n      - "9090:9090"\n'
                ),
            },
            good={
                "compose.yaml": (
                    "services:\n  prometheus:\n    image: prom/prometheus:v2.54.1\n"
                    '    profiles: [prod]\n    ports:\n      - "127.0.0.1:9090:9090"\n'
                    "  mailpit:\n    image: axllent/mailpit:v1.20\n    profiles: [dev]\n"
                    '    ports:\n      - "8025:8025"\n'
                ),
            },
            description="Prometheus runs in prod with its UI open to the internet.",
        ),
    )

    def check(self, stack: Stack) -> Iterator[Finding]:
        names = self.opts.get("prod-profiles") or PROD_PROFILES
        for project in stack.projects:
            hits: dict[str, list[str]] = {}  # service -> profiles
            for profile in prod_profiles(stack, project, names):
                for svc in services_in(project, profile):
                    if admin_ui(svc) is not None and _open_ports(svc):
                        hits.setdefault(svc.name, []).append(profile)
            for name, profiles in hits.items():
                svc = project.services[name]
                port = _open_ports(svc)[0]
                plural = "s" if len(profiles) > 1 else ""
                yield self.finding(
                    port.location,
                    f"{admin_ui(svc)} ('{svc.name}') runs in profile{plural} "
                    f"{', '.join(profiles)} and publishes {port.raw} on all interfaces: an "
                    "admin/observability UI open to the network (bind it to 127.0.0.1 or do "
                    "not publish it)",
                    subject=svc.name,
                    detail=service_subject(svc),
                    profile=", ".join(profiles),
                )


def _open_ports(svc: Service) -> list[Port]:
    return [
        p
        for p in svc.ports
        if p.published is not None and (p.host_ip is None or p.host_ip in ("0.0.0.0", "::", "[::]"))
    ]
