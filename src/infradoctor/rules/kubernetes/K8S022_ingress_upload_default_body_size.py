"""K8S022: an ingress-nginx upload route keeps the default 1m proxy-body-size."""

from __future__ import annotations

from collections.abc import Iterator

from infradoctor.facts.uploads import UPLOAD_HOST_RE, UPLOAD_PATH_RE
from infradoctor.findings import Finding, Severity
from infradoctor.model.stack import Stack
from infradoctor.rules.base import Example, Rule
from infradoctor.rules.kubernetes._ingress_nginx import (
    annotation,
    global_default_changed,
    is_ingress_nginx,
    sets_in_snippet,
)
from infradoctor.rules.kubernetes._k8s import k8s_id
from infradoctor.subjects import RouteSubject

BAD = """\
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
  annotations:
    nginx.ingress.kubernetes.io/proxy-read-timeout: "120"
spec:
  rules:
    - host: app.example.com
      http:
        paths:
          - path: /api/upload
            pathType: Prefix
            backend:
              service:
                name: api
                port:
                  number: 80
"""

GOOD = BAD.replace(
    '    nginx.ingress.kubernetes.io/proxy-read-timeout: "120"\n',
    '    nginx.ingress.kubernetes.io/proxy-read-timeout: "120"\n'
    "    nginx.ingress.kubernetes.io/proxy-body-size: 50m\n",
)


class IngressUploadDefaultBodySize(Rule):
    code = "K8S022"
    name = "ingress-upload-default-body-size"
    title = "ingress-nginx upload route keeps the default 1m proxy-body-size"
    severity = Severity.INFO
    category = "kubernetes"
    why = (
        "ingress-nginx writes `client_max_body_size` from the `proxy-body-size` annotation, "
        "1m by default: an upload over 1 MB gets `413 Request Entity Too Large` from the "
        "controller and never reaches the app, whose logs show nothing. The same check as "
        "NGX005 for nginx configs.\n\n"
        "Reported for Ingresses of ingress-nginx whose path or backend Service looks like "
        "uploads or object storage, when neither the annotation nor a snippet sets the "
        "limit and no ConfigMap of the stack changes the controller default."
    )
    how_to_fix = (
        "Set the limit the route needs on its Ingress:\n\n"
        "```yaml\nmetadata:\n  annotations:\n"
        "    nginx.ingress.kubernetes.io/proxy-body-size: 50m\n```"
    )
    references = (
        "https://kubernetes.github.io/ingress-nginx/user-guide/nginx-configuration/annotations/#custom-max-body-size",
    )
    examples = (
        Example(
            bad={"k8s/ingress.yaml": BAD},
            good={"k8s/ingress.yaml": GOOD},
            description="an upload path without proxy-body-size",
        ),
    )

    def check(self, stack: Stack) -> Iterator[Finding]:
        if global_default_changed(stack, "proxy-body-size"):
            return
        for obj in stack.k8s:
            if not is_ingress_nginx(obj) or obj.ingress_backends is None:
                continue
            if annotation(obj, "proxy-body-size") is not None or sets_in_snippet(
                obj, "client_max_body_size"
            ):
                continue
            for backend in obj.ingress_backends:
                path = backend.path or ""
                if not (UPLOAD_PATH_RE.search(path) or UPLOAD_HOST_RE.search(backend.service)):
                    continue
                what = f"path {path}" if path else "the default backend"
                yield self.finding(
                    backend.location,
                    f"Ingress '{obj.name}' sends {what} to '{backend.service}', which looks "
                    "like an upload route, with ingress-nginx's default 1m proxy-body-size: "
                    "larger uploads get 413 from the controller",
                    subject=f"{obj.ref}:{path}",
                    related=[obj.name_location or obj.location],
                    detail=RouteSubject(*k8s_id(obj), path, backend.service),
                )
                break  # one per Ingress: the annotation covers all its paths
