"""K8S035: allowPrivilegeEscalation is not false."""

from __future__ import annotations

from collections.abc import Iterator

from infradoctor.findings import Finding, Severity
from infradoctor.model.stack import Stack
from infradoctor.rules.base import Example, Rule
from infradoctor.rules.kubernetes._hardening import (
    containers,
    edit_location,
    label,
    privileged,
    setting,
)
from infradoctor.rules.kubernetes._hardening_examples import workload
from infradoctor.rules.kubernetes._k8s import k8s_id
from infradoctor.subjects import ContainerSubject

BAD = workload("            runAsNonRoot: true\n")
GOOD = workload("            runAsNonRoot: true\n            allowPrivilegeEscalation: false\n")


class PrivilegeEscalationAllowed(Rule):
    code = "K8S035"
    name = "privilege-escalation-allowed"
    title = "allowPrivilegeEscalation is not false"
    severity = Severity.INFO
    category = "security"
    default_enabled = False
    groups = ("hardening",)
    why = (
        "`allowPrivilegeEscalation` defaults to true: the container's process may gain more "
        "privileges than it started with, through setuid/setgid binaries (sudo, su, ping "
        "in older images) or file capabilities. A non-root user is then one setuid binary "
        "away from root. `allowPrivilegeEscalation: false` sets the kernel's no_new_privs "
        "flag, which no app running as a fixed user needs; the Pod Security Standards' "
        "restricted profile requires it. Privileged containers are left to K8S036; init "
        "containers are not checked."
    )
    how_to_fix = (
        "Set it on every container:\n\n"
        "```yaml\nsecurityContext:\n  allowPrivilegeEscalation: false\n```"
    )
    references = (
        "https://kubernetes.io/docs/tasks/configure-pod-container/security-context/",
        "https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted",
    )
    examples = (
        Example(
            bad={"k8s/api.yaml": BAD},
            good={"k8s/api.yaml": GOOD},
            description="a securityContext without allowPrivilegeEscalation: false",
        ),
    )

    def check(self, stack: Stack) -> Iterator[Finding]:
        for w, c in containers(stack):
            if privileged(c):
                continue
            value, where = setting(w, c, "allowPrivilegeEscalation")
            if value is False:
                continue
            said = (
                "sets allowPrivilegeEscalation: true"
                if value is True
                else "does not set allowPrivilegeEscalation: false"
            )
            yield self.finding(
                where or edit_location(c),
                f"{label(w, c)} {said}: a setuid binary in the image can regain root",
                subject=f"{w.ref}:{c.name}",
                detail=ContainerSubject(*k8s_id(w), c.name),
            )
