"""K8S003: an Ingress backend names a Service (or Service port) that doesn't exist."""

from __future__ import annotations

from collections.abc import Iterator

from infradoctor.findings import Finding, Severity
from infradoctor.model.k8s import IngressBackend, K8sObject, nearest
from infradoctor.model.stack import Stack
from infradoctor.records import record
from infradoctor.rules.base import Example, Rule
from infradoctor.rules.kubernetes._k8s import k8s_id
from infradoctor.subjects import BackendSubject

SERVICE = """\
apiVersion: v1
kind: Service
metadata:
  name: storefront
spec:
  selector:
    app: storefront
  ports:
    - name: http
      port: 80
      targetPort: 8080
"""

INGRESS = """\
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: shop
spec:
  rules:
    - host: shop.example.com
      http:
        paths:
          - path: /
            pathType: Prefix
            backend:
              service:
                name: {name}
                port:
                  {port}
"""

GOOD = {
    "k8s/service.yaml": SERVICE,
    "k8s/ingress.yaml": INGRESS.format(name="storefront", port="number: 80"),
}
BAD_NAME = {
    "k8s/service.yaml": SERVICE,
    "k8s/ingress.yaml": INGRESS.format(name="store-front", port="number: 80"),
}
BAD_PORT = {
    "k8s/service.yaml": SERVICE,
    "k8s/ingress.yaml": INGRESS.format(name="storefront", port="number: 8080"),
}
GOOD_NAMED = {
    "k8s/service.yaml": SERVICE,
    "k8s/ingress.yaml": INGRESS.format(name="storefront", port="name: http"),
}


def _route(obj: K8sObject, b: IngressBackend) -> str:
    if b.path:
        return b.path
    return "its default backend" if obj.kind == "Ingress" else "a rule"


def _ports_text(svc: K8sObject) -> str:
    assert svc.service is not None
    return (
        ", ".join(f"{p.port} ({p.name})" if p.name else str(p.port) for p in svc.service.ports)
        or "none"
    )


@record(frozen=True)
class BackendPort(BackendSubject):
    """The backend Service and the port (number or name) it does not have."""

    port: int | str | None


class IngressBackendUnknown(Rule):
    code = "K8S003"
    name = "ingress-backend-unknown"
    title = "Ingress backend names a Service or port that doesn't exist"
    severity = Severity.ERROR
    category = "kubernetes"
    why = (
        "The Ingress controller resolves each backend to a Service in the Ingress's "
        "namespace and to one of its ports: `port.number` must be the Service's `port` (not "
        "the container's targetPort), `port.name` the name of a Service port. A misspelt "
        "Service name or the container port in `port.number` leaves the route without "
        "endpoints: ingress-nginx answers 503 (or its default backend 404) for that path "
        "while everything else looks healthy. Gateway API routes (`HTTPRoute` "
        "`backendRefs`) are checked the same way.\n\n"
        "Services are looked up among the manifests loaded in a compatible namespace; a "
        "missing Service is only reported when the Ingress's directory defines Services "
        "(so a backend deployed from elsewhere is not flagged)."
    )
    how_to_fix = (
        "Use the Service's `metadata.name` and one of its `ports[].port` numbers (or "
        "`ports[].name`):\n\n"
        "```yaml\nbackend:\n  service:\n    name: storefront\n    port:\n      number: 80\n```"
    )
    references = ("https://kubernetes.io/docs/concepts/services-networking/ingress/",)
    examples = (
        Example(bad=BAD_NAME, good=GOOD, description="a misspelt Service name"),
        Example(
            bad=BAD_PORT,
            good=GOOD_NAMED,
            description="the container port instead of the Service port",
        ),
    )

    def _check_backend(
        self, stack: Stack, ing: K8sObject, b: IngressBackend, services: list[K8sObject]
    ) -> Finding | None:
        same_name = nearest(ing, [s for s in services if s.name == b.service])
        if not same_name:
            if not any(s.directory == ing.directory for s in services):
                return None
            known = sorted({s.name for s in services if s.directory == ing.directory})
            return self.finding(
                b.location,
                f"{ing.kind} '{ing.name}' routes {_route(ing, b)} to Service "
                f"'{b.service}', which is not defined (Services here: {', '.join(known)}): "
                "the controller answers 503 for this route",
                subject=f"{ing.ref}:{b.service}",
                detail=BackendSubject(*k8s_id(ing), b.service),
            )
        if b.port is None or any(s.partial for s in same_name):
            return None
        for svc in same_name:
            assert svc.service is not None
            if isinstance(b.port, int) and any(p.port == b.port for p in svc.service.ports):
                return None
            if isinstance(b.port, str) and any(p.name == b.port for p in svc.service.ports):
                return None
        svc = same_name[0]
        what = "port number" if isinstance(b.port, int) else "port name"
        return self.finding(
            b.port_location or b.location,
            f"{ing.kind} '{ing.name}' routes {_route(ing, b)} to Service "
            f"'{b.service}' {what} {b.port}, but the Service's ports are {_ports_text(svc)}: "
            "the controller finds no endpoints for this route (503)",
            subject=f"{ing.ref}:{b.service}:{b.port}",
            related=[svc.location],
            detail=BackendPort(*k8s_id(ing), b.service, b.port),
        )

    def check(self, stack: Stack) -> Iterator[Finding]:
        for ing in stack.k8s:
            if ing.ingress_backends is None or ing.partial:
                continue
            services = [s for s in stack.k8s if s.service is not None and ing.same_namespace(s)]
            for b in ing.ingress_backends:
                finding = self._check_backend(stack, ing, b, services)
                if finding is not None:
                    yield finding
