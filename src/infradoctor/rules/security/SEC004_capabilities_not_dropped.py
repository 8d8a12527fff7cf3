"""SEC004: the container keeps Docker's default capability set."""

from __future__ import annotations

from collections.abc import Iterator

from infradoctor.findings import Applicability, Finding, Fix, Severity
from infradoctor.fixes import compose_edit as ce
from infradoctor.fixes.context import FixContext
from infradoctor.model.stack import Stack
from infradoctor.rules.base import Example, Rule
from infradoctor.rules.compose._util import is_fragment, service_subject

# ---------------------------------------------------------------- fix


def fix_cap_drop(ctx: FixContext, finding: Finding) -> Fix | None:
    svc = ctx.service(finding)
    return ce.list_add(
        ctx,
        ctx.entry_for_key(svc, "cap_drop"),
        "cap_drop",
        "ALL",
        "Add `cap_drop: [ALL]` (add back what the service needs with cap_add)",
    )


class CapabilitiesNotDropped(Rule):
    code = "SEC004"
    default_enabled = False
    groups = ("hardening",)
    name = "capabilities-not-dropped"
    title = "Capabilities are not dropped (cap_drop: [ALL] absent)"
    severity = Severity.INFO
    category = "security"
    fixer = staticmethod(fix_cap_drop)
    fix_applicability = Applicability.UNSAFE
    why = (
        "Docker gives every container 14 capabilities by default, among them CHOWN, "
        "DAC_OVERRIDE (ignore file permissions), FOWNER, SETUID/SETGID, NET_RAW (craft "
        "packets: ARP/DNS spoofing of neighbour containers on the same bridge) and "
        "MKNOD. A typical web app needs none of them, or just NET_BIND_SERVICE to bind a port "
        "below 1024. Dropping them limits what an attacker with code execution can do even "
        "as root. Privileged containers are left to SEC002."
    )
    how_to_fix = (
        "Drop everything and add back only what the process needs:\n\n"
        "```yaml\nservices:\n  api:\n    cap_drop: [ALL]\n  nginx:\n    cap_drop: [ALL]\n"
        "    cap_add: [NET_BIND_SERVICE, CHOWN, SETUID, SETGID]\n```\n\n"
        "Images whose entrypoint switches users (postgres, redis via gosu) need "
        "SETUID/SETGID (and often CHOWN, DAC_OVERRIDE, FOWNER) added back."
    )
    references = (
        "https://docs.docker.com/reference/compose-file/services/#cap_drop",
        "https://man7.org/linux/man-pages/man7/capabilities.7.html",
    )
    examples = (
        Example(
            bad={
                "docker-compose.yml": (
                    "services:\n"
                    "  api:\n"
                    "    image: ghcr.io/acme/api:1.2.0\n"
                    "    cap_drop:\n"
                    "      - NET_RAW\n"
                )
            },
            good={
                "docker-compose.yml": (
                    "services:\n"
                    "  api:\n"
                    "    image: ghcr.io/acme/api:1.2.0\n"
                    "    cap_drop:\n"
                    "      - ALL\n"
                    "    cap_add:\n"
                    "      - NET_BIND_SERVICE\n"
                )
            },
            fixed={
                "docker-compose.yml": (
                    "services:\n"
                    "  api:\n"
                    "    image: ghcr.io/acme/api:1.2.0\n"
                    "    cap_drop:\n"
                    "      - NET_RAW\n"
                    "      - ALL\n"
                ),
            },
        ),
    )

    def check(self, stack: Stack) -> Iterator[Finding]:
        for svc in stack.services:
            if (
                is_fragment(svc)
                or svc.privileged
                or any(str(c).upper().removeprefix("CAP_") == "ALL" for c in svc.cap_drop)
            ):
                continue
            where = svc.loc("cap_drop") if svc.cap_drop else svc.location
            yield self.finding(
                where,
                f"service '{svc.name}' keeps Docker's default capabilities (no cap_drop: "
                "[ALL]): NET_RAW, DAC_OVERRIDE, SETUID and others stay available to an attacker",
                subject=svc.name,
                detail=service_subject(svc),
            )
