"""K8S015: a liveness probe that restarts on one slow answer."""

from __future__ import annotations

from collections.abc import Iterator

from infradoctor.findings import Finding, Severity
from infradoctor.model.k8s import Probe
from infradoctor.model.stack import Stack
from infradoctor.rules.base import Example, Rule
from infradoctor.rules.kubernetes._k8s import k8s_id
from infradoctor.rules.kubernetes._probe_examples import served
from infradoctor.subjects import ContainerSubject

MIN_WINDOW = 6  # seconds of failure liveness should tolerate before a restart

BAD = served(
    "search",
    "ghcr.io/acme/search:2.0.1",
    "          livenessProbe:\n            httpGet: {path: /livez, port: http}\n"
    "            timeoutSeconds: 1\n            failureThreshold: 1\n",
)
GOOD = BAD.replace("failureThreshold: 1", "failureThreshold: 3")


def too_aggressive(probe: Probe) -> str | None:
    """Why the probe restarts a merely slow container; None when it tolerates a hiccup."""
    t = probe.timing
    timeout, threshold = t.get("timeoutSeconds", 1), t.get("failureThreshold", 3)
    period = t.get("periodSeconds", 10)
    if threshold <= 1 and timeout <= 1:
        return "timeoutSeconds 1 and failureThreshold 1: one response slower than a second"
    if period * threshold < MIN_WINDOW:
        return (
            f"periodSeconds {period} x failureThreshold {threshold} = {period * threshold}s: "
            f"any pause longer than that (GC, a busy node)"
        )
    return None


class AggressiveLivenessProbe(Rule):
    code = "K8S015"
    name = "aggressive-liveness-probe"
    title = "Liveness probe restarts the container on a momentary slowdown"
    severity = Severity.WARNING
    category = "kubernetes"
    why = (
        "A liveness failure kills the container. With `timeoutSeconds: 1` and "
        "`failureThreshold: 1`, a single response slower than one second (a GC pause, a "
        "CPU-throttled burst, a slow disk) restarts the pod; with a window of a few seconds "
        "any short stall does. Under load every replica slows at once, so they all restart "
        "together and the load moves onto fewer pods: a self-inflicted outage."
    )
    how_to_fix = (
        "Tolerate at least a few consecutive failures over 10 s or more:\n\n"
        "```yaml\nlivenessProbe:\n  httpGet: {path: /livez, port: http}\n  timeoutSeconds: 2\n"
        "  periodSeconds: 10\n  failureThreshold: 3\n```"
    )
    references = (
        "https://kubernetes.io/docs/tasks/configure-pod-container/"
        "configure-liveness-readiness-startup-probes/#configure-probes",
    )
    examples = (
        Example(
            bad={"k8s/search.yaml": BAD},
            good={"k8s/search.yaml": GOOD},
            description="one slow answer restarts the pod",
        ),
    )

    def check(self, stack: Stack) -> Iterator[Finding]:
        for w in stack.k8s:
            if w.workload is None:
                continue
            for c in w.workload.pod.containers:
                live = c.probes.get("liveness")
                if live is None or live.handler == "unknown" or not live.timing:
                    continue
                reason = too_aggressive(live)
                if reason is None:
                    continue
                yield self.finding(
                    live.location,
                    f"{w.kind} '{w.name}' container '{c.name}': the livenessProbe restarts "
                    f"the container after {reason}",
                    subject=f"{w.ref}:{c.name}",
                    detail=ContainerSubject(*k8s_id(w), c.name),
                )
