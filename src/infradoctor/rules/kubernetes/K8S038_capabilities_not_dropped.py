"""K8S038: the container keeps the runtime's default capabilities."""

from __future__ import annotations

from collections.abc import Iterator

from infradoctor.findings import Finding, Severity
from infradoctor.model.stack import Stack
from infradoctor.rules.base import Example, Rule
from infradoctor.rules.kubernetes._hardening import containers, edit_location, label, privileged
from infradoctor.rules.kubernetes._hardening_examples import workload
from infradoctor.rules.kubernetes._k8s import k8s_id
from infradoctor.subjects import ContainerSubject

BAD = workload("            capabilities:\n              drop: [NET_RAW]\n")
GOOD = workload(
    "            capabilities:\n              drop: [ALL]\n              add: [NET_BIND_SERVICE]\n"
)


def drops_all(capabilities: object) -> bool:
    if not isinstance(capabilities, dict):
        return False
    drop = capabilities.get("drop")
    items = drop if isinstance(drop, list) else [drop]
    return any(str(d).upper().removeprefix("CAP_") == "ALL" for d in items if d is not None)


class CapabilitiesNotDropped(Rule):
    code = "K8S038"
    name = "pod-capabilities-not-dropped"
    title = "Container keeps the default capabilities (capabilities.drop lacks ALL)"
    severity = Severity.INFO
    category = "security"
    default_enabled = False
    groups = ("hardening",)
    why = (
        "Container runtimes give every container a default capability set (containerd: "
        "CHOWN, DAC_OVERRIDE, FOWNER, FSETID, KILL, SETGID, SETUID, SETPCAP, "
        "NET_BIND_SERVICE, NET_RAW, SYS_CHROOT, MKNOD, AUDIT_WRITE, SETFCAP). A web app "
        "needs none of them, or NET_BIND_SERVICE for a port below 1024; NET_RAW alone lets a "
        "compromised pod spoof traffic to its neighbours. Dropping ALL limits what code "
        "execution in the container can do, even as root. Privileged containers are left "
        "to K8S036; init containers are not checked."
    )
    how_to_fix = (
        "Drop everything and add back what the process needs:\n\n"
        "```yaml\nsecurityContext:\n  capabilities:\n    drop: [ALL]\n"
        "    add: [NET_BIND_SERVICE]\n```\n\n"
        "Images whose entrypoint switches users (gosu, su-exec) need SETUID/SETGID back."
    )
    references = (
        "https://kubernetes.io/docs/tasks/configure-pod-container/security-context/"
        "#set-capabilities-for-a-container",
        "https://man7.org/linux/man-pages/man7/capabilities.7.html",
    )
    examples = (
        Example(
            bad={"k8s/api.yaml": BAD},
            good={"k8s/api.yaml": GOOD},
            description="only NET_RAW dropped",
        ),
    )

    def check(self, stack: Stack) -> Iterator[Finding]:
        for w, c in containers(stack):
            if privileged(c) or drops_all(c.security_context.get("capabilities")):
                continue
            where = c.security_locations.get("capabilities.drop") or c.security_locations.get(
                "capabilities", edit_location(c)
            )
            yield self.finding(
                where,
                f"{label(w, c)} keeps the runtime's default capabilities (NET_RAW, "
                "DAC_OVERRIDE, SETUID, ...): set capabilities.drop: [ALL] and add back "
                "what it needs",
                subject=f"{w.ref}:{c.name}",
                detail=ContainerSubject(*k8s_id(w), c.name),
            )
