"""K8S005: a probe names a port that the container doesn't define."""

from __future__ import annotations

from collections.abc import Iterator

from infradoctor.findings import Finding, Severity
from infradoctor.model.stack import Stack
from infradoctor.records import record
from infradoctor.rules.base import Example, Rule
from infradoctor.rules.kubernetes._k8s import k8s_id
from infradoctor.subjects import ProbeSubject

BAD = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: billing
spec:
  selector:
    matchLabels:
      app: billing
  template:
    metadata:
      labels:
        app: billing
    spec:
      containers:
        - name: billing
          image: ghcr.io/acme/billing:5.0.1
          ports:
            - name: http
              containerPort: 9000
          readinessProbe:
            httpGet:
              path: /healthz
              port: web
          livenessProbe:
            tcpSocket:
              port: http
"""

GOOD = BAD.replace("              port: web\n", "              port: http\n")


@record(frozen=True)
class ProbePort(ProbeSubject):
    """The probe and the port name the container does not declare."""

    port: str


class ProbePortUnknown(Rule):
    code = "K8S005"
    name = "probe-port-unknown"
    title = "Probe uses a port name the container doesn't define"
    severity = Severity.ERROR
    category = "kubernetes"
    why = (
        "A probe's `port` may be a number or the name of one of the container's own "
        "`ports[].name`. The kubelet resolves a name in that container only; when it isn't "
        "there the probe fails every time: a readiness probe keeps the pod out of the "
        "Service forever (rollout stuck, 503), a liveness or startup probe restarts the "
        "container in a loop (CrashLoopBackOff). Renaming a port (`http` -> `web`) and "
        "forgetting the probe is the usual cause.\n\n"
        "Numeric probe ports are not checked: a container may listen on ports it doesn't "
        "declare (coredns probes 8080/8181 while declaring 53 and 9153)."
    )
    how_to_fix = (
        "Use a name from the same container's `ports` list, or the port number:\n\n"
        "```yaml\nports:\n  - name: http\n    containerPort: 9000\nreadinessProbe:\n"
        "  httpGet:\n    path: /healthz\n    port: http\n```"
    )
    references = (
        "https://kubernetes.io/docs/tasks/configure-pod-container/"
        "configure-liveness-readiness-startup-probes/#use-a-named-port",
    )
    examples = (
        Example(
            bad={"k8s/billing.yaml": BAD},
            good={"k8s/billing.yaml": GOOD},
            description="the readiness probe names a port that was renamed",
        ),
    )

    def check(self, stack: Stack) -> Iterator[Finding]:
        for w in stack.k8s:
            if w.workload is None or w.partial:
                continue
            for c in w.workload.pod.containers + w.workload.pod.init_containers:
                for probe in c.probes.values():
                    port = probe.port
                    if not isinstance(port, str) or port.isdigit() or c.port_named(port):
                        continue
                    names = ", ".join(p.name for p in c.ports if p.name) or "none"
                    yield self.finding(
                        probe.port_location or probe.location,
                        f"{w.kind} '{w.name}' container '{c.name}': the {probe.kind} probe "
                        f"uses port '{port}', which is not a port name of this container "
                        f"(named ports: {names}); the probe always fails",
                        subject=f"{w.ref}:{c.name}:{probe.kind}",
                        detail=ProbePort(*k8s_id(w), c.name, probe.kind, port),
                    )
