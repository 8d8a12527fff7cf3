"""K8S013: a liveness probe identical to the readiness probe."""

from __future__ import annotations

from collections.abc import Iterator

from infradoctor.findings import Finding, Severity
from infradoctor.model.stack import Stack
from infradoctor.rules.base import Example, Rule
from infradoctor.rules.kubernetes._k8s import k8s_id
from infradoctor.rules.kubernetes._probe_examples import served
from infradoctor.subjects import ContainerSubject

PROBE = "            httpGet:\n              path: /health\n              port: http\n"
BAD = served(
    "orders",
    "ghcr.io/acme/orders:3.2.0",
    f"          readinessProbe:\n{PROBE}          livenessProbe:\n{PROBE}",
)
GOOD = served(
    "orders",
    "ghcr.io/acme/orders:3.2.0",
    f"          readinessProbe:\n{PROBE}          livenessProbe:\n"
    + PROBE.replace("/health", "/livez")
    + "            failureThreshold: 6\n",
)


class LivenessSameAsReadiness(Rule):
    code = "K8S013"
    name = "liveness-same-as-readiness"
    title = "Liveness probe is identical to the readiness probe"
    severity = Severity.INFO
    category = "kubernetes"
    why = (
        'Readiness answers "send me traffic?", liveness "kill and restart me?". When '
        "both are the same check with the same thresholds they fail together: a pod that "
        "is only busy or waiting on a database is taken out of the Service and restarted "
        "at the same moment, which turns a slow dependency or a load spike into restart "
        "loops across every replica (a cascading outage instead of back-pressure).\n\n"
        'Info: harmless when the check is a bare "process is up" answer (most demo gRPC '
        "health checks); it matters once the endpoint checks dependencies or queues."
    )
    how_to_fix = (
        "Give liveness a cheaper check that only fails when the process is wedged (no "
        "dependency checks) and a longer budget than readiness:\n\n"
        "```yaml\nreadinessProbe:\n  httpGet: {path: /health, port: http}\nlivenessProbe:\n"
        "  httpGet: {path: /livez, port: http}\n  failureThreshold: 6\n```"
    )
    references = (
        "https://kubernetes.io/docs/concepts/configuration/liveness-readiness-startup-probes/",
    )
    examples = (
        Example(
            bad={"k8s/orders.yaml": BAD},
            good={"k8s/orders.yaml": GOOD},
            description="the same /health check decides both traffic and restarts",
        ),
    )

    def check(self, stack: Stack) -> Iterator[Finding]:
        for w in stack.k8s:
            if w.workload is None:
                continue
            for c in w.workload.pod.containers:
                live, ready = c.probes.get("liveness"), c.probes.get("readiness")
                if live is None or ready is None or not live.signature:
                    continue
                if live.signature != ready.signature or live.handler == "unknown":
                    continue
                yield self.finding(
                    live.location,
                    f"{w.kind} '{w.name}' container '{c.name}': the livenessProbe is the "
                    f"same check as the readinessProbe (line {ready.location.line}); when "
                    f"the app is only slow both fail together and the pod is restarted "
                    f"instead of just taken out of rotation",
                    subject=f"{w.ref}:{c.name}",
                    related=[ready.location],
                    detail=ContainerSubject(*k8s_id(w), c.name),
                )
