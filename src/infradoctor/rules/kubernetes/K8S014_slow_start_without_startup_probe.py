"""K8S014: a slow-starting container guarded by liveness alone, no startupProbe."""

from __future__ import annotations

from collections.abc import Iterator

from infradoctor.findings import Finding, Severity
from infradoctor.model.k8s import Container, K8sObject, Probe
from infradoctor.model.stack import Stack
from infradoctor.records import record
from infradoctor.rules.base import Example, Rule
from infradoctor.rules.kubernetes._k8s import is_jvm, k8s_id
from infradoctor.rules.kubernetes._probe_examples import served
from infradoctor.subjects import ContainerSubject

JVM_START_SECONDS = 60  # a JVM service rarely answers sooner under a CPU limit
LONG_DELAY = 120  # coredns and metrics-server ship 60 s; a fine setting

LIVENESS = "          livenessProbe:\n            httpGet: {path: /actuator/health, port: http}\n"
STARTUP = (
    "          startupProbe:\n            httpGet: {path: /actuator/health, port: http}\n"
    "            failureThreshold: 30\n            periodSeconds: 5\n"
)
BAD = served("billing", "eclipse-temurin:21-jre", LIVENESS)
GOOD = served("billing", "eclipse-temurin:21-jre", LIVENESS + STARTUP)


def budget(probe: Probe) -> int:
    """Seconds a probe tolerates failure from container start (Kubernetes defaults)."""
    t = probe.timing
    return t.get("initialDelaySeconds", 0) + t.get("periodSeconds", 10) * t.get(
        "failureThreshold", 3
    )


def _reason(stack: Stack, w: K8sObject, c: Container, live: Probe) -> tuple[str, bool] | None:
    """Why the container needs a startupProbe, and whether that is only advice."""
    if is_jvm(c, stack, w) and budget(live) < JVM_START_SECONDS:
        return (
            f"it runs a JVM and liveness allows only {budget(live)}s from start "
            f"(initialDelay + period x failureThreshold): a cold start under a CPU limit "
            f"takes longer, so the pod is killed before it is up (CrashLoopBackOff)",
            False,
        )
    delay = live.timing.get("initialDelaySeconds", 0)
    if delay >= LONG_DELAY:
        return (
            f"its liveness initialDelaySeconds is {delay}: a guess at the start time; a "
            f"slower start restart-loops, and a restarted container that hangs goes "
            f"unnoticed for the whole delay",
            True,
        )
    return None


@record(frozen=True)
class SlowStart(ContainerSubject):
    """The seconds liveness allows a JVM container from start."""

    liveness_budget: int


class SlowStartWithoutStartupProbe(Rule):
    code = "K8S014"
    name = "slow-start-without-startup-probe"
    title = "Slow starter has a liveness probe but no startupProbe"
    severity = Severity.WARNING
    category = "kubernetes"
    why = (
        "A liveness probe starts counting when the container starts. A JVM service that "
        "needs 40-90 s to boot (longer on a node under load or with a small CPU limit) is "
        "killed by the default budget of 30 s and never comes up: CrashLoopBackOff on "
        "exactly the busy day. A long `initialDelaySeconds` is a guess that either "
        "undershoots the same way or delays every restart. A `startupProbe` holds liveness "
        "back until the first success, however long that takes.\n\n"
        "Reported as a warning for containers recognised as JVMs whose liveness budget is "
        "under 60 s, and as info for liveness probes with initialDelaySeconds >= 120 (60 s, "
        "as upstream coredns ships, is not reported)."
    )
    how_to_fix = (
        "Add a startupProbe with a generous budget (failureThreshold x periodSeconds) and "
        "drop the liveness initialDelaySeconds:\n\n"
        "```yaml\nstartupProbe:\n  httpGet: {path: /actuator/health, port: http}\n"
        "  failureThreshold: 30\n  periodSeconds: 5\n```"
    )
    references = (
        "https://kubernetes.io/docs/tasks/configure-pod-container/"
        "configure-liveness-readiness-startup-probes/#define-startup-probes",
    )
    examples = (
        Example(
            bad={"k8s/billing.yaml": BAD},
            good={"k8s/billing.yaml": GOOD},
            description="a JVM service with the default 30 s liveness budget",
        ),
    )

    def check(self, stack: Stack) -> Iterator[Finding]:
        for w in stack.k8s:
            if w.workload is None:
                continue
            for c in w.workload.pod.containers:
                live = c.probes.get("liveness")
                if live is None or "startup" in c.probes or live.handler == "unknown":
                    continue
                found = _reason(stack, w, c, live)
                if found is None:
                    continue
                reason, advice = found
                yield self.finding(
                    live.location,
                    f"{w.kind} '{w.name}' container '{c.name}' has no startupProbe and {reason}",
                    severity=Severity.INFO if advice else None,
                    subject=f"{w.ref}:{c.name}",
                    detail=SlowStart(*k8s_id(w), c.name, budget(live)),
                )
