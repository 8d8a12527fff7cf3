"""K8S036: a privileged container."""

from __future__ import annotations

from collections.abc import Iterator

from infradoctor.findings import Finding, Severity
from infradoctor.model.stack import Stack
from infradoctor.rules.base import Example, Rule
from infradoctor.rules.kubernetes._hardening import containers, label, privileged
from infradoctor.rules.kubernetes._hardening_examples import workload
from infradoctor.rules.kubernetes._k8s import k8s_id
from infradoctor.subjects import ContainerSubject

BAD = workload("            privileged: true\n")
GOOD = workload(
    "            privileged: false\n            capabilities:\n"
    "              add: [NET_ADMIN]\n              drop: [ALL]\n"
)


class PrivilegedContainer(Rule):
    code = "K8S036"
    name = "pod-privileged-container"
    title = "Privileged container"
    severity = Severity.WARNING
    category = "security"
    groups = ("hardening",)
    why = (
        "`privileged: true` turns off the container's isolation: every capability, every "
        "device of the node, no seccomp or AppArmor confinement, a writable /sys. Whoever "
        "gets code execution in it (an RCE in the app, a compromised dependency) is root on "
        "the node and can read every Secret of every pod scheduled there. Node agents "
        "(CNI plugins, CSI drivers, some monitoring DaemonSets) need it; an application "
        "never does.\n\n"
        "A warning for Deployments, StatefulSets, Jobs and Pods; info for DaemonSets, "
        "where node agents legitimately run privileged. Init containers are checked too "
        "(a privileged init container has the same power for its lifetime)."
    )
    how_to_fix = (
        "Remove `privileged: true` and add back only the capability the process needs "
        "(e.g. NET_ADMIN for an iptables init step, SYS_PTRACE for a profiler):\n\n"
        "```yaml\nsecurityContext:\n  capabilities:\n    drop: [ALL]\n    add: [NET_ADMIN]\n```\n\n"
        "If the pod really is a node agent, run it as a DaemonSet in its own namespace "
        "with a Pod Security admission exemption."
    )
    references = (
        "https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline",
        "https://kubernetes.io/docs/tasks/configure-pod-container/security-context/",
    )
    examples = (
        Example(
            bad={"k8s/api.yaml": BAD},
            good={"k8s/api.yaml": GOOD},
            description="an application container running privileged",
        ),
    )

    def check(self, stack: Stack) -> Iterator[Finding]:
        for w, c in containers(stack, init=True):
            if not privileged(c):
                continue
            agent = w.kind == "DaemonSet"
            note = (
                " (a DaemonSet: fine for a node agent that needs it)"
                if agent
                else " (add back only the capabilities it needs)"
            )
            yield self.finding(
                c.security_locations.get("privileged", c.location),
                f"{label(w, c)} runs privileged: code execution in it is root on the node{note}",
                subject=f"{w.ref}:{c.name}",
                severity=Severity.INFO if agent else None,
                detail=ContainerSubject(*k8s_id(w), c.name),
            )
