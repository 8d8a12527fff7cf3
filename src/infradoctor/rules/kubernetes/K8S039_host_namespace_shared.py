"""K8S039: the pod shares the node's network, PID or IPC namespace."""

from __future__ import annotations

from collections.abc import Iterator

from infradoctor.findings import Finding, Severity
from infradoctor.model.stack import Stack
from infradoctor.records import record
from infradoctor.rules.base import Example, Rule
from infradoctor.rules.kubernetes._hardening_examples import workload
from infradoctor.rules.kubernetes._k8s import k8s_id
from infradoctor.subjects import K8sSubject

BAD = workload(pod="      hostNetwork: true\n      hostPID: true\n")
GOOD = workload()

WHAT = {
    "hostNetwork": "the node's network (it can bind any node port and reach localhost-only "
    "services such as the kubelet's)",
    "hostPID": "the node's process table (it can see and signal every process, and read "
    "their environment with enough privilege)",
    "hostIPC": "the node's IPC namespace (shared memory of every process on the node)",
}


@record(frozen=True)
class SharedNamespace(K8sSubject):
    """The host namespace setting (hostNetwork, hostPID, hostIPC)."""

    setting: str


class HostNamespaceShared(Rule):
    code = "K8S039"
    name = "host-namespace-shared"
    title = "Pod shares a host namespace (hostNetwork, hostPID or hostIPC)"
    severity = Severity.INFO
    category = "security"
    default_enabled = False
    groups = ("hardening",)
    why = (
        "`hostNetwork`, `hostPID` and `hostIPC` put the pod in the node's own namespaces: "
        "it sees the node's interfaces and localhost services, every process on the node, "
        "or their shared memory. NetworkPolicies no longer apply to a hostNetwork pod, and "
        "two replicas on one node fight for the same port. Node agents (CNI, kube-proxy, "
        "node exporters) need them; applications do not. The Pod Security Standards' "
        "baseline profile forbids all three."
    )
    how_to_fix = (
        "Remove the setting and expose the app through a Service (a NodePort or "
        "LoadBalancer when it must be reached from outside):\n\n"
        "```yaml\nspec:\n  hostNetwork: false\n```"
    )
    references = ("https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline",)
    examples = (
        Example(
            bad={"k8s/api.yaml": BAD},
            good={"k8s/api.yaml": GOOD},
            description="an application pod on the node's network and PID namespaces",
        ),
    )

    def check(self, stack: Stack) -> Iterator[Finding]:
        for w in stack.k8s:
            if w.workload is None:
                continue
            agent = " (a DaemonSet: expected of a node agent)" if w.kind == "DaemonSet" else ""
            for key, where in w.workload.pod.host_namespaces.items():
                yield self.finding(
                    where,
                    f"{w.kind} '{w.name}' sets {key}: true: its pods share {WHAT[key]}{agent}",
                    subject=f"{w.ref}:{key}",
                    detail=SharedNamespace(*k8s_id(w), key),
                )
