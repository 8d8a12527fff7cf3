"""K8S020: in-cluster nginx proxies to a Service on a port the Service does not serve
(usually the container port instead of the Service `port`)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from infradoctor.facts.cluster import cluster_targets
from infradoctor.findings import Finding, Severity, subject_dict
from infradoctor.model.k8s import K8sObject
from infradoctor.model.stack import Stack
from infradoctor.records import record
from infradoctor.rules.base import Example, Rule
from infradoctor.rules.kubernetes._k8s import k8s_id, selected_workloads
from infradoctor.subjects import K8sSubject

MANIFESTS = """\
apiVersion: v1
kind: Service
metadata:
  name: api
spec:
  selector:
    app: api
  ports:
    - port: 80
      targetPort: 8000
---
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
            - containerPort: 8000
"""

BAD = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: nginx-conf
data:
  default.conf: |
    server {
        listen 80;
        location /api/ {
            proxy_pass http://api:8000;
        }
    }
"""

GOOD = BAD.replace("http://api:8000", "http://api")

BAD_FQDN = BAD.replace("http://api:8000", "http://api.default.svc.cluster.local:8080")
GOOD_FQDN = BAD.replace("http://api:8000", "http://api.default.svc.cluster.local:80")


def _container_ports(stack: Stack, svc: K8sObject) -> set[int]:
    ports: set[int] = set()
    for w in selected_workloads(stack, svc):
        for c in w.containers:
            ports.update(p.number for p in c.ports if p.number is not None)
    return ports


@record(frozen=True)
class UnservedPort(K8sSubject):
    """The port nginx proxies to, its config and the ports the Service serves."""

    port: int
    config: str
    served: tuple[int, ...]

    def to_dict(self) -> dict[str, Any]:
        return {**subject_dict(self), "served": list(self.served)}


class ProxyToContainerPort(Rule):
    code = "K8S020"
    name = "proxy-to-service-wrong-port"
    title = "nginx proxies to a Service on a port the Service does not serve"
    severity = Severity.ERROR
    category = "kubernetes"
    why = (
        "Inside the cluster a Service name resolves to the Service's ClusterIP, which "
        "accepts only the Service's `ports[].port` values and forwards each to its "
        "`targetPort` on the pods. `proxy_pass http://api:8000` where the Service says "
        "`port: 80, targetPort: 8000` uses the container port: nothing answers on "
        "ClusterIP:8000, so every request hangs until proxy_connect_timeout and ends in a "
        "502/504. This is the most common mistake when an nginx config written for Docker "
        "Compose (where `api:8000` reaches the container directly) moves to Kubernetes.\n\n"
        "Checked for nginx configs held in ConfigMaps: hosts are resolved to the Services of "
        "the manifests by short name, `name.namespace`, `name.namespace.svc` and "
        "`name.namespace.svc.cluster.local` (the nearest copy; two equally near candidates "
        "are not guessed). Headless Services (`clusterIP: None`) resolve to pod IPs, where "
        "the container port is right, so they are not checked, nor are ExternalName "
        "Services or targets with variables."
    )
    how_to_fix = (
        "Use the Service's `port` (or give the Service a port equal to the container "
        "port):\n\n"
        "```nginx\n# Service api: port 80 -> targetPort 8000\nproxy_pass http://api:80;\n```"
    )
    references = (
        "https://kubernetes.io/docs/concepts/services-networking/service/#defining-a-service",
        "https://kubernetes.io/docs/concepts/services-networking/dns-pod-service/",
    )
    examples = (
        Example(
            bad={"k8s/nginx.yaml": BAD, "k8s/api.yaml": MANIFESTS},
            good={"k8s/nginx.yaml": GOOD, "k8s/api.yaml": MANIFESTS},
            description="proxy_pass uses the container port instead of the Service port",
        ),
        Example(
            bad={"k8s/nginx.yaml": BAD_FQDN, "k8s/api.yaml": MANIFESTS},
            good={"k8s/nginx.yaml": GOOD_FQDN, "k8s/api.yaml": MANIFESTS},
            description="a fully qualified Service name with a port the Service lacks",
        ),
    )

    def check(self, stack: Stack) -> Iterator[Finding]:
        seen: set[tuple[str, int, int]] = set()
        for ct in cluster_targets(stack):
            svc, target = ct.service, ct.target
            spec = svc.service
            if spec is None or spec.headless or spec.type == "ExternalName" or svc.partial:
                continue
            served = {p.port for p in spec.ports if p.port is not None}
            if not served or target.port is None or target.port in served:
                continue
            loc = target.location or ct.route.directive.location
            key = (loc.file, loc.line, loc.column)
            if key in seen:
                continue
            seen.add(key)
            by_target = {
                p.effective_target: p.port for p in spec.ports if p.effective_target is not None
            }
            ports_text = ", ".join(
                f"{p.port} -> {p.effective_target}" if p.effective_target != p.port else f"{p.port}"
                for p in spec.ports
                if p.port is not None
            )
            if target.port in by_target or target.port in _container_ports(stack, svc):
                right = by_target.get(target.port)
                hint = f"{target.port} is the pods' container port; use the Service port " + (
                    f"{right}" if right is not None else f"({ports_text})"
                )
            else:
                hint = f"the Service serves only {ports_text}"
            yield self.finding(
                loc,
                f"{ct.route.directive.name} to {target.host}:{target.port} reaches Service "
                f"'{svc.name}', which has no port {target.port} (ports: {ports_text}): "
                f"connections hang until the connect timeout (502/504); {hint}",
                subject=f"{svc.ref}:{target.port}",
                related=[svc.name_location or svc.location],
                detail=UnservedPort(
                    *k8s_id(svc), target.port, ct.config.root_file, tuple(sorted(served))
                ),
            )
