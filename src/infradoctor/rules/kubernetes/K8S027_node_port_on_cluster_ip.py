"""K8S027: a `nodePort` on a ClusterIP Service, which the API server rejects."""

from __future__ import annotations

from collections.abc import Iterator

from infradoctor.findings import Finding, Severity
from infradoctor.model.stack import Stack
from infradoctor.records import record
from infradoctor.rules.base import Example, Rule
from infradoctor.rules.kubernetes._k8s import k8s_id
from infradoctor.subjects import K8sSubject

SERVICE = """\
apiVersion: v1
kind: Service
metadata:
  name: grafana
spec:
{type}  selector:
    app: grafana
  ports:
    - port: 3000
      targetPort: 3000
      nodePort: 30300
"""


@record(frozen=True)
class IgnoredNodePort(K8sSubject):
    """The Service port and the nodePort a ClusterIP Service ignores."""

    port: int | None
    node_port: int | None


class NodePortOnClusterIp(Rule):
    code = "K8S027"
    name = "node-port-on-cluster-ip"
    title = "nodePort set on a ClusterIP Service"
    severity = Severity.ERROR
    category = "kubernetes"
    why = (
        "`nodePort` only exists for `type: NodePort` and `LoadBalancer`. On a ClusterIP "
        "Service (also the default when `type` is omitted) the API server rejects the "
        "object (`spec.ports[0].nodePort: Forbidden: may not be used when type is "
        "'ClusterIP'`): the apply fails, and a Service that existed before keeps its old "
        "spec. Usually `type: NodePort` was dropped in an edit or a values file."
    )
    how_to_fix = "Set `type: NodePort` (or LoadBalancer), or delete the `nodePort` line."
    references = ("https://kubernetes.io/docs/concepts/services-networking/service/#type-nodeport",)
    examples = (
        Example(
            bad={"k8s/grafana.yaml": SERVICE.format(type="")},
            good={"k8s/grafana.yaml": SERVICE.format(type="  type: NodePort\n")},
            description="a nodePort without `type: NodePort`",
        ),
    )

    def check(self, stack: Stack) -> Iterator[Finding]:
        for svc in stack.k8s:
            if svc.service is None or svc.service.type != "ClusterIP":
                continue
            for p in svc.service.ports:
                if not p.node_port:
                    continue
                yield self.finding(
                    p.node_port_location or p.location,
                    f"Service '{svc.name}' is type ClusterIP but port {p.port} sets "
                    f"nodePort {p.node_port}: the API server rejects the Service; set "
                    f"type: NodePort or remove nodePort",
                    subject=f"{svc.ref}:{p.port}",
                    detail=IgnoredNodePort(*k8s_id(svc), p.port, p.node_port),
                )
