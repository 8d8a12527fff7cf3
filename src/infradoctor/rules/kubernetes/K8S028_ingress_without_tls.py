"""K8S028: an Ingress that serves plain HTTP only."""

from __future__ import annotations

from collections.abc import Iterator

from infradoctor.findings import Finding, Severity
from infradoctor.model.stack import Stack
from infradoctor.rules.base import Example, Rule
from infradoctor.rules.kubernetes._k8s import k8s_id
from infradoctor.subjects import K8sSubject

INGRESS = """\
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: shop
spec:
{tls}  rules:
    - host: shop.example.com
      http:
        paths:
          - path: /
            pathType: Prefix
            backend:
              service:
                name: shop
                port:
                  number: 80
"""
TLS = "  tls:\n    - hosts: [shop.example.com]\n      secretName: shop-tls\n"


class IngressWithoutTls(Rule):
    code = "K8S028"
    name = "ingress-without-tls"
    title = "Ingress has no TLS section"
    severity = Severity.INFO
    category = "kubernetes"
    why = (
        "Without `spec.tls` the Ingress serves its hosts over plain HTTP (unless a "
        "controller default certificate or a load balancer in front terminates TLS, which "
        "the manifests cannot show; hence info). Passwords and session cookies then cross "
        "the network in clear text, and browsers mark the site not secure."
    )
    how_to_fix = (
        "Add a `tls` entry with the hosts and a certificate Secret (cert-manager can issue "
        "it from an annotation):\n\n"
        "```yaml\ntls:\n  - hosts: [shop.example.com]\n    secretName: shop-tls\n```"
    )
    references = ("https://kubernetes.io/docs/concepts/services-networking/ingress/#tls",)
    examples = (
        Example(
            bad={"k8s/ingress.yaml": INGRESS.format(tls="")},
            good={"k8s/ingress.yaml": INGRESS.format(tls=TLS)},
            description="a public host served without TLS",
        ),
    )

    def check(self, stack: Stack) -> Iterator[Finding]:
        for ing in stack.k8s:
            if ing.kind != "Ingress" or ing.tls or ing.partial or not ing.ingress_backends:
                continue
            yield self.finding(
                ing.name_location or ing.location,
                f"Ingress '{ing.name}' has no tls section: its hosts are served over "
                f"plain HTTP unless something in front terminates TLS",
                subject=ing.ref,
                detail=K8sSubject(*k8s_id(ing)),
            )
