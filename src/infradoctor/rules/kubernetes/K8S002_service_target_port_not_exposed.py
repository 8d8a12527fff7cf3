"""K8S002: a Service targetPort that no container of the selected pods exposes."""

from __future__ import annotations

from collections.abc import Iterator

from infradoctor.findings import Finding, Severity
from infradoctor.model.k8s import K8sObject, ServicePort
from infradoctor.model.stack import Stack
from infradoctor.records import record
from infradoctor.rules.base import Example, Rule
from infradoctor.rules.kubernetes._guess import guessed_note, guessed_target
from infradoctor.rules.kubernetes._k8s import k8s_id, selected_workloads
from infradoctor.subjects import K8sSubject

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  selector:
    matchLabels:
      app: api
  template:
    metadata:
      labels:
        app: api
    spec:
      containers:
        - name: api
          image: ghcr.io/acme/api:1.8.0
          ports:
            - name: http
              containerPort: 8000
"""

BAD_NAMED = (
    DEPLOYMENT
    + """\
---
apiVersion: v1
kind: Service
metadata:
  name: api
spec:
  selector:
    app: api
  ports:
    - port: 80
      targetPort: web
"""
)

GOOD_NAMED = BAD_NAMED.replace("targetPort: web", "targetPort: http")

BAD_NUMBER = (
    DEPLOYMENT
    + """\
---
apiVersion: v1
kind: Service
metadata:
  name: api
spec:
  selector:
    app: api
  ports:
    - port: 80
      targetPort: 8080
"""
)

GOOD_NUMBER = BAD_NUMBER.replace("targetPort: 8080", "targetPort: 8000")


def _exposed(workloads: list[K8sObject]) -> str:
    seen: list[str] = []
    for w in workloads:
        for c in w.containers:
            for p in c.ports:
                text = f"{p.name}:{p.number}" if p.name else str(p.number)
                if text not in seen:
                    seen.append(text)
    return ", ".join(seen) or "none"


@record(frozen=True)
class UnexposedPort(K8sSubject):
    """The Service port whose target no selected pod exposes."""

    port: int | None
    target_port: int | str | None


class ServiceTargetPortNotExposed(Rule):
    code = "K8S002"
    name = "service-target-port-not-exposed"
    title = "Service targetPort is not a port of the selected pods"
    severity = Severity.ERROR
    category = "kubernetes"
    why = (
        "A Service forwards `port` to `targetPort` on each selected pod (`targetPort` "
        "defaults to `port`). A named targetPort (`targetPort: http`) is looked up in the "
        "pod's container `ports[].name`; when no container has that name the pod is left "
        "out of the endpoints and the Service answers nothing. A numeric targetPort that "
        "differs from every declared `containerPort` (`8080` while the app listens on "
        "`8000`) most likely sends traffic to a closed port: connection refused, 502 from the "
        "Ingress. That case is a warning, not an error: `containerPort` is informational "
        "and an app may listen on a port it doesn't declare.\n\n"
        "Numbers are only compared when the selected pods declare their ports and no other "
        "numeric targetPort of the Service matches one (a container may listen on ports it "
        "doesn't declare: a jaeger pod declaring 9411 but not 14268 is not reported); the "
        "pods checked are those applied with the Service (same file, else same directory, "
        "else the nearest directory).\n\n"
        "When the Service selects no pods at all (K8S001) and one workload is clearly the "
        "one it meant (named like the Service, or the only one sharing most of its "
        "selector), the ports are still checked against that workload, as a warning that "
        "says the workload is guessed: fixing the selector alone would not be enough."
    )
    how_to_fix = (
        "Point `targetPort` at a port the container declares, preferably by name so the "
        "two can't drift apart:\n\n"
        "```yaml\n# Deployment\nports:\n  - name: http\n    containerPort: 8000\n"
        "# Service\nports:\n  - port: 80\n    targetPort: http\n```"
    )
    references = (
        "https://kubernetes.io/docs/concepts/services-networking/service/#defining-a-service",
        "https://kubernetes.io/docs/reference/kubernetes-api/service-resources/service-v1/",
    )
    examples = (
        Example(
            bad={"k8s/api.yaml": BAD_NAMED},
            good={"k8s/api.yaml": GOOD_NAMED},
            description="a named targetPort that no container defines",
        ),
        Example(
            bad={"k8s/api.yaml": BAD_NUMBER},
            good={"k8s/api.yaml": GOOD_NUMBER},
            description="a numeric targetPort the container doesn't declare",
        ),
    )

    def _problem(
        self, port: ServicePort, pods: list[K8sObject], numbers_agree: bool
    ) -> tuple[str, Severity | None] | None:
        """What is wrong with the port and, for an undeclared number, a lower severity:
        containerPort is informational, the app may listen there all the same."""
        target = port.effective_target
        if target is None:
            return None
        if isinstance(target, str):
            if not target.isdigit() and not any(
                w.workload and w.workload.pod.port_named(target) for w in pods
            ):
                return (
                    f"targetPort '{target}' is not the name of any container port of the "
                    "selected pods, so no pod becomes an endpoint for it",
                    None,
                )
            return None
        if numbers_agree:
            return None  # another port matches: the pods just don't declare every port
        if all(w.workload and w.workload.pod.declares_ports for w in pods) and not any(
            w.workload and w.workload.pod.exposes(target) for w in pods
        ):
            return (
                f"targetPort {target} is not a containerPort of the selected pods: unless "
                "the app listens there undeclared, traffic is refused",
                Severity.WARNING if self.effective_severity == self.severity else None,
            )
        return None

    def check(self, stack: Stack) -> Iterator[Finding]:
        for svc in stack.k8s:
            spec = svc.service
            if spec is None or spec.selector is None or svc.partial:
                continue
            pods = selected_workloads(stack, svc)
            guess = None if pods else guessed_target(stack, svc)
            pods = [guess] if guess is not None else pods
            if not pods or any(w.partial for w in pods):
                continue
            numbers_agree = any(
                isinstance(p.effective_target, int)
                and any(w.workload and w.workload.pod.exposes(p.effective_target) for w in pods)
                for p in spec.ports
            )
            for port in spec.ports:
                found = self._problem(port, pods, numbers_agree)
                if found is None:
                    continue
                problem, severity = found
                names = ", ".join(f"{w.kind} '{w.name}'" for w in pods[:3])
                if guess is not None and self.effective_severity == self.severity:
                    severity = Severity.WARNING  # a guessed target: not certain enough to fail
                yield self.finding(
                    port.target_location or port.location,
                    f"Service '{svc.name}' port {port.port}: {problem} ({names} "
                    f"expose {_exposed(pods)})"
                    + (guessed_note(svc, guess) if guess is not None else ""),
                    subject=f"{svc.ref}:{port.port}",
                    severity=severity,
                    related=[pods[0].location],
                    detail=UnexposedPort(*k8s_id(svc), port.port, port.effective_target),
                )
