"""POL002: a service of a profile lacks the hardening the runbook requires there."""

from __future__ import annotations

from collections.abc import Iterator

from infradoctor.findings import Finding, Severity
from infradoctor.model.stack import Project, Service, Stack
from infradoctor.records import record
from infradoctor.rules.base import Example, Rule
from infradoctor.rules.compose._util import is_fragment, one_shot_reason
from infradoctor.rules.policy._policy import citation, cite, limits, policy_of
from infradoctor.rules.profiles._profiles import runs_in
from infradoctor.subjects import ServiceSubject

POLICY = (
    "[tool.infradoctor]\n\n[tool.infradoctor.policy.profiles.prod]\n"
    'hardening = ["non-root", "read-only", "no-new-privileges", "cap-drop-all", "restart"]\n'
)

ROOT_USERS = {"root", "0", "0:0", "root:root"}


def missing(svc: Service, project: Project, item: str) -> bool:
    if item == "non-root":
        user = svc.user
        if user is None and svc.dockerfile is not None and svc.dockerfile.user is not None:
            user = svc.dockerfile.user.value.strip()
        return user is None or user.strip() in ROOT_USERS
    if item == "read-only":
        return not svc.read_only
    if item == "no-new-privileges":
        return not any(
            o.replace("=", ":").replace(" ", "") in ("no-new-privileges", "no-new-privileges:true")
            for o in svc.security_opt
        )
    if item == "cap-drop-all":
        return not any(c.upper() == "ALL" for c in svc.cap_drop)
    if item == "restart":
        if one_shot_reason(svc, project):
            return False
        return svc.restart is None and svc.deploy_restart_condition is None
    if item == "log-limits":
        if svc.logging is None:
            return True
        driver = svc.logging.driver or "json-file"
        return driver in ("json-file", "local") and "max-size" not in svc.logging.options
    if item == "healthcheck":
        if one_shot_reason(svc, project):
            return False
        return svc.effective_healthcheck is None
    if item == "memory-limit":
        return "memory_limit" not in limits(svc)
    return False


@record(frozen=True)
class MissingHardening(ServiceSubject):
    """The service and the hardening settings the policy wants that it lacks."""

    missing: list[str]


class ProfileHardening(Rule):
    code = "POL002"
    name = "profile-hardening"
    title = "Service lacks the hardening the runbook requires in its profile"
    severity = Severity.WARNING
    category = "security"
    why = (
        'Operations guides promise per-environment hardening ("prod: every image runs as '
        'a non-root user, read-only rootfs, `cap_drop: [ALL]`, `no-new-privileges`"), and '
        "the promise holds until a new service is added by copying a dev one. The generic "
        "hardening rules (SEC001, SEC003-SEC005) are opt-in because not every team wants "
        "them everywhere; this rule checks exactly what the team's runbook requires, in the "
        "profiles where it requires it.\n\n"
        "Configured in `[tool.infradoctor.policy.profiles.NAME]` with `hardening = [...]`: "
        "`non-root`, `read-only`, `no-new-privileges`, `cap-drop-all`, `restart`, "
        "`log-limits`, `healthcheck`, `memory-limit`. Checked for the services that run "
        "under that profile (those without `profiles:` included); one-shot jobs need no "
        "restart policy or healthcheck. Off unless configured; findings cite the policy line."
    )
    how_to_fix = (
        'Add what is missing to the service (`user: "1000:1000"`, `read_only: true`, '
        '`security_opt: ["no-new-privileges:true"]`, `cap_drop: [ALL]`, '
        "`restart: unless-stopped`, log `max-size`, a healthcheck, a memory limit), or move "
        "the service out of the profile."
    )
    options = {"policy": None}
    examples = (
        Example(
            bad={
                "pyproject.toml": POLICY,
                "compose.yaml": (
                    "services:\n  api:\n    image: ghcr.io/acme/api:1.2\n"
                    '    restart: unless-stopped\n    user: "1000"\n'
                ),
            },
            good={
                "pyproject.toml": POLICY,
                "compose.yaml": (
                    "services:\n  api:\n    image: ghcr.io/acme/api:1.2\n"
                    '    restart: unless-stopped\n    user: "1000"\n    read_only: true\n'
                    '    cap_drop: [ALL]\n    security_opt: ["no-new-privileges:true"]\n'
                    "  mailpit:\n    image: axllent/mailpit:v1.20\n    profiles: [dev]\n"
                ),
            },
            description="prod requires read-only, no-new-privileges and cap_drop ALL.",
        ),
    )

    def check(self, stack: Stack) -> Iterator[Finding]:
        policy = policy_of(self.opts, stack)
        if policy is None:
            return
        for rule in policy.profiles.values():
            if not rule.hardening:
                continue
            if stack.profiles and rule.profile not in stack.profiles:
                continue
            for project in stack.projects:
                for svc in project.services.values():
                    if is_fragment(svc) or not runs_in(svc, rule.profile):
                        continue
                    lacking = [h for h in rule.hardening if missing(svc, project, h)]
                    if not lacking:
                        continue
                    yield self.finding(
                        svc.location,
                        f"service '{svc.name}' runs in profile {rule.profile} without "
                        f"{', '.join(lacking)} (required by runbook policy "
                        f"{cite(stack, rule.hardening_ref)})",
                        subject=svc.name,
                        related=[citation(stack, rule.hardening_ref)],
                        detail=MissingHardening(svc.name, svc.project, lacking),
                        profile=rule.profile,
                    )
