"""K8S012: an exec probe written like a shell line but run without a shell."""

from __future__ import annotations

from collections.abc import Iterator

from infradoctor.findings import Finding, Severity
from infradoctor.lazyre import lazy
from infradoctor.model.stack import Stack
from infradoctor.rules.base import Example, Rule
from infradoctor.rules.kubernetes._k8s import k8s_id
from infradoctor.subjects import ProbeSubject

SHELLS = frozenset({"sh", "bash", "ash", "dash", "zsh", "ksh", "busybox", "pwsh", "powershell"})
OPERATORS = frozenset({"&&", "||", "|", ";", ">", ">>", "<", "2>&1", ">/dev/null", "&"})
# `$(NAME)` is expanded by the kubelet from the container's env; `$(cmd ...)` is not
SUBSTITUTION = lazy(r"\$\((?![A-Za-z_][A-Za-z0-9_]*\))|`")

BAD = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: cache
spec:
  selector:
    matchLabels:
      app: cache
  template:
    metadata:
      labels:
        app: cache
    spec:
      containers:
        - name: redis
          image: redis:7.2.4
          livenessProbe:
            exec:
              command: ["redis-cli", "ping", "|", "grep", "PONG"]
"""

GOOD = BAD.replace(
    '["redis-cli", "ping", "|", "grep", "PONG"]',
    '["sh", "-c", "redis-cli ping | grep PONG"]',
)


def shell_problem(command: list[str]) -> str | None:
    """What in an exec argv needs a shell that is not there; None when it is fine."""
    if not command:
        return None
    if any(part.rsplit("/", 1)[-1] in SHELLS for part in command):
        return None
    first = command[0]
    if " " in first.strip():
        return f"argv[0] '{first}' contains spaces (it is run as one program name)"
    for part in command[1:]:
        if part.strip() in OPERATORS:
            return f"'{part.strip()}' is passed to '{first}' as an argument"
        if SUBSTITUTION.search(part):
            return f"'{part}' uses command substitution, which only a shell performs"
    return None


class ExecProbeShellSyntax(Rule):
    code = "K8S012"
    name = "exec-probe-shell-syntax"
    title = "Exec probe uses shell syntax without a shell"
    severity = Severity.ERROR
    category = "kubernetes"
    why = (
        "An `exec` probe's `command` is an argv list run directly, not a shell line. "
        '`["redis-cli", "ping", "|", "grep", "PONG"]` hands `|`, `grep` and `PONG` '
        'to redis-cli as arguments; `["curl -f localhost/health"]` looks for a program '
        "whose name contains spaces; `$(cat /tmp/port)` and backticks stay literal. Such a "
        "probe fails (or succeeds) regardless of the app: a liveness probe restarts the "
        "container in a loop, a readiness probe keeps it out of the Service.\n\n"
        "`$(VAR)` alone is fine: the kubelet expands it from the container's env."
    )
    how_to_fix = (
        "Run the line through a shell, or split it into a plain argv:\n\n"
        '```yaml\nexec:\n  command: ["sh", "-c", "redis-cli ping | grep PONG"]\n```'
    )
    references = (
        "https://kubernetes.io/docs/tasks/configure-pod-container/"
        "configure-liveness-readiness-startup-probes/#define-a-liveness-command",
    )
    examples = (
        Example(
            bad={"k8s/cache.yaml": BAD},
            good={"k8s/cache.yaml": GOOD},
            description="a pipe in an exec probe without `sh -c`",
        ),
    )

    def check(self, stack: Stack) -> Iterator[Finding]:
        for w in stack.k8s:
            if w.workload is None:
                continue
            for c in w.workload.pod.containers + w.workload.pod.init_containers:
                for probe in c.probes.values():
                    problem = shell_problem(probe.command or [])
                    if problem is None:
                        continue
                    yield self.finding(
                        probe.command_location or probe.location,
                        f"{w.kind} '{w.name}' container '{c.name}': the {probe.kind} probe's "
                        f"exec command runs without a shell and {problem}; the probe can "
                        f'never check the app (wrap it in ["sh", "-c", ...])',
                        subject=f"{w.ref}:{c.name}:{probe.kind}",
                        detail=ProbeSubject(*k8s_id(w), c.name, probe.kind),
                    )
