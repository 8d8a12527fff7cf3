"""K8S021: an ingress-nginx websocket route keeps the default 60 s read timeout."""

from __future__ import annotations

from collections.abc import Iterator

from infradoctor.facts.websocket import ws_looking
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
  name: chat
  annotations:
    nginx.ingress.kubernetes.io/proxy-body-size: 10m
spec:
  rules:
    - host: chat.example.com
      http:
        paths:
          - path: /socket.io
            pathType: Prefix
            backend:
              service:
                name: chat
                port:
                  number: 80
"""

GOOD = BAD.replace(
    "    nginx.ingress.kubernetes.io/proxy-body-size: 10m\n",
    "    nginx.ingress.kubernetes.io/proxy-body-size: 10m\n"
    '    nginx.ingress.kubernetes.io/proxy-read-timeout: "3600"\n'
    '    nginx.ingress.kubernetes.io/proxy-send-timeout: "3600"\n',
)


class IngressWebsocketDefaultReadTimeout(Rule):
    code = "K8S021"
    name = "ingress-websocket-default-read-timeout"
    title = "ingress-nginx websocket route keeps the default 60 s read timeout"
    severity = Severity.INFO
    category = "kubernetes"
    why = (
        "ingress-nginx proxies websockets out of the box, but with its default "
        "`proxy-read-timeout` and `proxy-send-timeout` of 60 s: a socket that carries no "
        "frame for a minute is closed by nginx, so clients reconnect every minute (lost "
        "messages, reconnect storms after a deploy) unless the app pings more often. It "
        "is the same setting as `proxy_read_timeout` on a websocket location in an nginx "
        "config.\n\n"
        "Reported for Ingresses of ingress-nginx (class annotation or "
        "`nginx.ingress.kubernetes.io/*` annotations) with a path or backend that looks "
        "like a websocket endpoint, or a backend listed in `websocket-services`, when "
        "neither the annotation nor a snippet sets the timeout and no ConfigMap of the "
        "stack changes the controller default. Info: many websocket libraries ping within "
        "60 s."
    )
    how_to_fix = (
        "Raise both timeouts on the Ingress that serves the websocket:\n\n"
        "```yaml\nmetadata:\n  annotations:\n"
        '    nginx.ingress.kubernetes.io/proxy-read-timeout: "3600"\n'
        '    nginx.ingress.kubernetes.io/proxy-send-timeout: "3600"\n```'
    )
    references = (
        "https://kubernetes.github.io/ingress-nginx/user-guide/miscellaneous/#websockets",
        "https://kubernetes.github.io/ingress-nginx/user-guide/nginx-configuration/annotations/#custom-timeouts",
    )
    examples = (
        Example(
            bad={"k8s/ingress.yaml": BAD},
            good={"k8s/ingress.yaml": GOOD},
            description="a socket.io path without proxy-read-timeout",
        ),
    )

    def check(self, stack: Stack) -> Iterator[Finding]:
        if global_default_changed(stack, "proxy-read-timeout"):
            return
        for obj in stack.k8s:
            if not is_ingress_nginx(obj) or obj.ingress_backends is None:
                continue
            if annotation(obj, "proxy-read-timeout") is not None or sets_in_snippet(
                obj, "proxy_read_timeout"
            ):
                continue
            listed = {s.strip() for s in (annotation(obj, "websocket-services") or "").split(",")}
            for backend in obj.ingress_backends:
                path = backend.path or ""
                if not (
                    ws_looking(path) or ws_looking(backend.service) or backend.service in listed
                ):
                    continue
                what = f"path {path}" if path else "the default backend"
                yield self.finding(
                    backend.location,
                    f"Ingress '{obj.name}' sends {what} to '{backend.service}', which looks "
                    "like a websocket endpoint, with ingress-nginx's default 60 s "
                    "proxy-read-timeout: sockets idle for a minute are closed",
                    subject=f"{obj.ref}:{path}",
                    related=[obj.name_location or obj.location],
                    detail=RouteSubject(*k8s_id(obj), path, backend.service),
                )
                break  # one per Ingress: the annotation covers all its paths
