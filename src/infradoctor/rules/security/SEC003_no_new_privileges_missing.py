"""SEC003: setuid binaries can still raise privileges inside the container."""

from __future__ import annotations

from collections.abc import Iterator

from infradoctor.findings import Applicability, Finding, Fix, Severity
from infradoctor.fixes import compose_edit as ce
from infradoctor.fixes.context import FixContext, FixUnavailable
from infradoctor.model.stack import Stack
from infradoctor.rules.base import Example, Rule
from infradoctor.rules.compose._util import is_fragment, service_subject


def has_no_new_privileges(security_opt: list[str]) -> bool:
    for opt in security_opt:
        o = str(opt).replace(" ", "").lower()
        if o in ("no-new-privileges", "no-new-privileges:true", "no-new-privileges=true"):
            return True
    return False


# ---------------------------------------------------------------- fix


def fix_no_new_privileges(ctx: FixContext, finding: Finding) -> Fix | None:
    svc = ctx.service(finding)
    if any(
        o.replace("=", ":").replace(" ", "") in ("no-new-privileges:false",)
        for o in svc.security_opt
    ):
        raise FixUnavailable("explicitly disabled")
    return ce.list_add(
        ctx,
        ctx.entry_for_key(svc, "security_opt"),
        "security_opt",
        "no-new-privileges:true",
        "Add `security_opt: [no-new-privileges:true]`",
    )


class NoNewPrivilegesMissing(Rule):
    code = "SEC003"
    default_enabled = False
    groups = ("hardening",)
    name = "no-new-privileges-missing"
    title = "no-new-privileges is not set"
    severity = Severity.INFO
    category = "security"
    why = (
        "Without `no-new-privileges`, a process in the container can gain privileges by "
        "executing a setuid/setgid binary (su, sudo, ping on older images, anything an "
        "attacker drops with the suid bit) or a file with file capabilities. Setting it makes "
        "the kernel ignore those bits (PR_SET_NO_NEW_PRIVS), which closes the usual path from "
        "a non-root foothold to root inside the container. Privileged containers are left "
        "to SEC002."
    )
    how_to_fix = (
        "```yaml\nservices:\n  api:\n    security_opt:\n      - no-new-privileges:true\n```\n\n"
        "It breaks only images that rely on sudo/su or setuid helpers at runtime; for "
        'all services at once set `"no-new-privileges": true` in /etc/docker/daemon.json.'
    )
    fixer = staticmethod(fix_no_new_privileges)
    fix_applicability = Applicability.UNSAFE
    references = (
        "https://docs.docker.com/reference/cli/docker/container/run/#security-opt",
        "https://www.kernel.org/doc/html/latest/userspace-api/no_new_privs.html",
    )
    examples = (
        Example(
            bad={
                "docker-compose.yml": (
                    'services:\n  api:\n    image: ghcr.io/acme/api:1.2.0\n    user: "10001"\n'
                )
            },
            good={
                "docker-compose.yml": (
                    "services:\n"
                    "  api:\n"
                    "    image: ghcr.io/acme/api:1.2.0\n"
                    '    user: "10001"\n'
                    "    security_opt:\n"
                    "      - no-new-privileges:true\n"
                )
            },
            fixed={
                "docker-compose.yml": (
                    "services:\n"
                    "  api:\n"
                    "    image: ghcr.io/acme/api:1.2.0\n"
                    '    user: "10001"\n'
                    "    security_opt:\n"
                    '      - "no-new-privileges:true"\n'
                ),
            },
        ),
    )

    def check(self, stack: Stack) -> Iterator[Finding]:
        for svc in stack.services:
            if is_fragment(svc) or svc.privileged or has_no_new_privileges(svc.security_opt):
                continue
            where = svc.loc("security_opt") if svc.security_opt else svc.location
            yield self.finding(
                where,
                f"service '{svc.name}' does not set security_opt no-new-privileges:true: "
                "setuid binaries can still escalate to root inside the container",
                subject=svc.name,
                detail=service_subject(svc),
            )
