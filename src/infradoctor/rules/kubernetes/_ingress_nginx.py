"""ingress-nginx annotations read as the nginx settings they generate (package-private):
`nginx.ingress.kubernetes.io/proxy-read-timeout` is the location's proxy_read_timeout,
`proxy-body-size` its client_max_body_size."""

from __future__ import annotations

from infradoctor.model.k8s import K8sObject
from infradoctor.model.stack import Stack

PREFIX = "nginx.ingress.kubernetes.io/"
# Controller ConfigMap keys that change the defaults for every Ingress.
GLOBAL_KEYS = frozenset(
    {"proxy-read-timeout", "proxy-send-timeout", "proxy-body-size", "proxy-next-upstream"}
)


def is_ingress_nginx(obj: K8sObject) -> bool:
    """An Ingress served by ingress-nginx: its class annotation says nginx, or it carries
    ingress-nginx annotations (spec.ingressClassName is not modelled: such an Ingress
    without annotations is left alone)."""
    if obj.kind != "Ingress" or obj.ingress_backends is None:
        return False
    cls = obj.annotations.get("kubernetes.io/ingress.class", "")
    return "nginx" in cls.lower() or any(k.startswith(PREFIX) for k in obj.annotations)


def annotation(obj: K8sObject, name: str) -> str | None:
    return obj.annotations.get(PREFIX + name)


def sets_in_snippet(obj: K8sObject, directive: str) -> bool:
    """A configuration/server snippet that writes the nginx directive itself."""
    return any(
        directive in obj.annotations.get(PREFIX + key, "")
        for key in ("configuration-snippet", "server-snippet")
    )


def global_default_changed(stack: Stack, key: str) -> bool:
    """Some ConfigMap of the stack sets the controller-wide `key` (ingress-nginx reads
    its own ConfigMap; which one is the controller's is not known, so any counts)."""
    return any(o.config_data and key in o.config_data for o in stack.k8s)
