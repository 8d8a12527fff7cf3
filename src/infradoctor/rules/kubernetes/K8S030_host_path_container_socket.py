"""K8S030: a pod mounts the node's container runtime socket through hostPath."""

from __future__ import annotations

import re
from collections.abc import Iterator

from infradoctor.findings import Finding, Severity
from infradoctor.model.stack import Stack
from infradoctor.records import record
from infradoctor.rules.base import Example, Rule
from infradoctor.rules.kubernetes._k8s import k8s_id
from infradoctor.subjects import K8sSubject

SOCKET_RE = re.compile(r"(^|/)(docker|containerd|crio|podman)\.sock/?$")

BAD = """\
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: log-agent
spec:
  selector:
    matchLabels:
      app: log-agent
  template:
    metadata:
      labels:
        app: log-agent
    spec:
      containers:
        - name: agent
          image: ghcr.io/acme/log-agent:1.3.0
          volumeMounts:
            - name: logs
              mountPath: /var/log
              readOnly: true
      volumes:
        - name: logs
          hostPath:
            path: /var/run/docker.sock
"""
GOOD = BAD.replace("path: /var/run/docker.sock", "path: /var/log")


@record(frozen=True)
class SocketMount(K8sSubject):
    """The container runtime socket's host path."""

    path: str


class HostPathContainerSocket(Rule):
    code = "K8S030"
    name = "host-path-container-socket"
    title = "Pod mounts the container runtime socket"
    severity = Severity.WARNING
    category = "security"
    why = (
        "A hostPath volume of /var/run/docker.sock (or containerd.sock, crio.sock) hands "
        "the pod the node's container runtime API: it can start a privileged container "
        "with the host's filesystem mounted, i.e. root on the node and every Secret of "
        "every pod there. Any RCE in the pod becomes a node (and usually cluster) "
        "takeover. On current clusters the Docker socket is also usually absent "
        "(containerd), so the mount silently points at nothing."
    )
    how_to_fix = (
        "Drop the mount. Log shippers read /var/log/pods; image builds use rootless "
        "tools (BuildKit rootless, kaniko); if the API is really needed, run the pod on "
        "dedicated nodes and restrict it with a PodSecurity admission exemption."
    )
    references = (
        "https://kubernetes.io/docs/concepts/storage/volumes/#hostpath",
        "https://kubernetes.io/docs/concepts/security/pod-security-standards/",
    )
    examples = (
        Example(
            bad={"k8s/log-agent.yaml": BAD},
            good={"k8s/log-agent.yaml": GOOD},
            description="a DaemonSet mounting the Docker socket",
        ),
    )

    def check(self, stack: Stack) -> Iterator[Finding]:
        for w in stack.k8s:
            if w.workload is None:
                continue
            for path, loc in w.workload.pod.host_paths:
                if not SOCKET_RE.search(path.strip()):
                    continue
                yield self.finding(
                    loc,
                    f"{w.kind} '{w.name}' mounts the node's container runtime socket "
                    f"{path} via hostPath: whoever controls the pod controls the node",
                    subject=f"{w.ref}:{path}",
                    detail=SocketMount(*k8s_id(w), path),
                )
