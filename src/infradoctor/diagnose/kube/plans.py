"""Fix plans and verification steps of the Kubernetes diagnoses: commands a user can paste
(read-only inspection first, then the change, then the rollout), filled from the subject.

The cause vocabulary itself (ids, titles, explanations, ranks) is shared with the Docker
diagnosis in causes.py; only the commands differ."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from infradoctor.diagnose.causes import render

INSPECT_POD = (
    "kubectl describe pod -n {namespace} {pod}  (State, Last State, exit code, Events)",
    "kubectl get events -n {namespace} --field-selector involvedObject.name={pod} "
    "--sort-by=.lastTimestamp",
)
LOGS_PREVIOUS = "kubectl logs -n {namespace} {pod} -c {container} --previous --tail=100  (the error before the last exit)"
ROLLOUT_STATUS = "kubectl rollout status {kind_cmd}/{name} -n {namespace} --timeout=120s"
PODS_READY = (
    "kubectl get pods -n {namespace} -l {selector}  (all READY n/n, RESTARTS not increasing)"
)
ENDPOINTS = (
    "kubectl get endpointslices -n {namespace} -l kubernetes.io/service-name={service_name}  "
    "(ready endpoints listed)"
)
INGRESS_CHECK = (
    "curl -sS -o /dev/null -w '%{{http_code}}\\n' -H 'Host: {host}' http://<ingress address>{path}  "
    "(200 through the ingress)"
)

PLANS: dict[str, tuple[str, ...]] = {
    "container-crashloop": (*INSPECT_POD[:1], LOGS_PREVIOUS, INSPECT_POD[1]),
    "oom-killed": (
        "kubectl describe pod -n {namespace} {pod}  (Last State: OOMKilled, exit code 137)",
        "kubectl top pod -n {namespace} {pod} --containers  (memory use now; needs metrics-server)",
        LOGS_PREVIOUS,
    ),
    "image-pull-failed": (
        "kubectl describe pod -n {namespace} {pod}  (Events: Failed to pull image ...)",
        "kubectl get {kind_cmd} {name} -n {namespace} -o jsonpath='{{.spec.template.spec.containers[*].image}}'",
    ),
    "config-error": (
        "kubectl describe pod -n {namespace} {pod}  (Events: Error: ... not found)",
        "kubectl get secrets,configmaps -n {namespace}  (what exists in the namespace)",
    ),
    "readiness-failing": (
        "kubectl describe pod -n {namespace} {pod}  (Readiness probe failed: ...)",
        "kubectl logs -n {namespace} {pod} -c {container} --tail=100",
        "kubectl get {kind_cmd} {name} -n {namespace} -o jsonpath="
        "'{{.spec.template.spec.containers[*].readinessProbe}}'",
    ),
    "no-ready-endpoints": (
        "kubectl get endpointslices -n {namespace} -l kubernetes.io/service-name={service_name}",
        "kubectl get service {service_name} -n {namespace} -o jsonpath='{{.spec.selector}}'",
        "kubectl get pods -n {namespace} --show-labels",
    ),
    "unschedulable": (
        "kubectl describe pod -n {namespace} {pod}  (Events: FailedScheduling)",
        "kubectl describe nodes | grep -A 8 'Allocated resources'",
    ),
    "node-pressure": (
        "kubectl describe node {node}  (Conditions and Events)",
        "kubectl get pods -A --field-selector spec.nodeName={node},status.phase=Failed  (evicted pods)",
    ),
    "rollout-stuck": (
        "kubectl rollout status {kind_cmd}/{name} -n {namespace} --timeout=10s",
        "kubectl rollout history {kind_cmd}/{name} -n {namespace}",
        "kubectl describe {kind_cmd} {name} -n {namespace}  (Conditions, NewReplicaSet, Events)",
        "kubectl get replicasets -n {namespace} -l {selector}",
    ),
    "upstream-timeout": (
        "kubectl logs -n {namespace} {pod} -c {container} --since=30m | tail -100",
        "kubectl top pod -n {namespace} {pod} --containers  (CPU throttling, memory)",
        "kubectl logs -n {controller_namespace} {controller_pod} --since=30m | grep -c 'upstream timed out'",
    ),
    "upstream-refused": (
        "kubectl get endpointslices -n {namespace} -l kubernetes.io/service-name={service_name}",
        "kubectl describe pod -n {namespace} {pod}  (containerPort, probes, restarts)",
        "kubectl logs -n {namespace} {pod} -c {container} --tail=100",
    ),
}

VERIFY: dict[str, tuple[str, ...]] = {
    "container-crashloop": (PODS_READY, ROLLOUT_STATUS, ENDPOINTS),
    "oom-killed": (
        "kubectl get pod -n {namespace} -l {selector} -o "
        "jsonpath='{{range .items[*]}}{{.metadata.name}} {{.status.containerStatuses[*].lastState.terminated.reason}}{{\"\\n\"}}{{end}}'"
        "  (no new OOMKilled)",
        PODS_READY,
        ENDPOINTS,
    ),
    "image-pull-failed": (ROLLOUT_STATUS, PODS_READY),
    "config-error": (ROLLOUT_STATUS, PODS_READY),
    "readiness-failing": (PODS_READY, ENDPOINTS),
    "no-ready-endpoints": (ENDPOINTS, INGRESS_CHECK),
    "unschedulable": (
        "kubectl get pods -n {namespace} -l {selector} -o wide  (Running, with a NODE)",
        ROLLOUT_STATUS,
    ),
    "node-pressure": (
        "kubectl get node {node} -o jsonpath='{{range .status.conditions[*]}}{{.type}}={{.status}} {{end}}'"
        "  (DiskPressure/MemoryPressure/PIDPressure=False)",
        "kubectl get pods -A -o wide --field-selector spec.nodeName={node}",
    ),
    "rollout-stuck": (ROLLOUT_STATUS, PODS_READY),
    "upstream-timeout": (
        INGRESS_CHECK,
        "kubectl logs -n {controller_namespace} {controller_pod} --since=5m | grep -c 'upstream timed out'  (0)",
    ),
    "upstream-refused": (ENDPOINTS, INGRESS_CHECK),
}

# the static rules (`infradoctor lint` on the manifests) that would have prevented it
RULES: dict[str, tuple[str, ...]] = {
    "container-crashloop": (),
    "oom-killed": ("K8S006", "K8S007"),
    "image-pull-failed": ("K8S008",),
    "config-error": (),
    "readiness-failing": ("K8S005", "K8S004"),
    "no-ready-endpoints": ("K8S001", "K8S002"),
    "unschedulable": ("K8S009",),
    "node-pressure": ("K8S007",),
    "rollout-stuck": (),
    "upstream-timeout": (),
    "upstream-refused": ("K8S002", "K8S005"),
}


@dataclass(slots=True)
class PlanValues:
    values: dict[str, Any] = field(default_factory=dict)

    def fill(self, template: str) -> str:
        return render(template, self.values)


def kind_cmd(kind: str) -> str:
    return kind.lower()


def rollback_steps(kind: str, namespace: str, name: str, helm_release: str | None) -> list[str]:
    """Undo a bad rollout: helm when Helm owns the workload (a kubectl undo would be
    reverted by the next helm upgrade), else kubectl. One command per step."""
    if helm_release:
        return [
            f"helm history {helm_release} -n {namespace}  (the last good revision)",
            f"helm rollback {helm_release} <revision> -n {namespace}  (Helm owns "
            f"{kind_cmd(kind)}/{name}: a kubectl undo would be reverted by the next upgrade)",
        ]
    return [
        f"kubectl rollout history {kind_cmd(kind)}/{name} -n {namespace}",
        f"kubectl rollout undo {kind_cmd(kind)}/{name} -n {namespace}  (back to the previous "
        "revision while you fix the new one)",
    ]


def build(
    cause: str,
    values: dict[str, Any],
    specific_inspect: list[str] | None = None,
    change: list[str] | None = None,
    extra_verify: list[str] | None = None,
) -> tuple[list[str], list[str], list[str]]:
    """(plan, verify, rules): specific read-only steps, the cause's inspection steps, then
    the changes; no step twice."""
    v = PlanValues(values)

    def usable(template: str) -> bool:
        # a step about the Service or the ingress route only when there is one
        return all(values.get(k) for k in ("service_name", "host") if "{" + k + "}" in template)

    steps = [
        *(specific_inspect or []),
        *(v.fill(t) for t in PLANS.get(cause, ()) if usable(t)),
        *(change or []),
    ]
    checks = [*(v.fill(t) for t in VERIFY.get(cause, ()) if usable(t)), *(extra_verify or [])]
    return list(dict.fromkeys(steps)), list(dict.fromkeys(checks)), list(RULES.get(cause, ()))
