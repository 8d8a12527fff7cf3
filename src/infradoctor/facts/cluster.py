"""nginx running in the cluster (configs embedded in ConfigMaps) linked to the Services
its proxy targets name: `api`, `api.shop`, `api.shop.svc`, `api.shop.svc.cluster.local`.
Built once per stack; read by K8S020 and the inventory."""

from __future__ import annotations

from infradoctor.lazyre import lazy
from infradoctor.model.k8s import K8sObject, nearest_to_path
from infradoctor.model.nginx import NginxConfig, ProxyRoute, ProxyTarget
from infradoctor.model.stack import Stack
from infradoctor.records import record
from infradoctor.runmemo import per_run

CLUSTER_DOMAIN = "cluster.local"
_LABEL = lazy(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")


@record(frozen=True)
class ClusterTarget:
    """A proxy target of an in-cluster nginx resolved to a Service."""

    config: NginxConfig
    route: ProxyRoute
    target: ProxyTarget
    service: K8sObject


def split_service_host(host: str) -> tuple[str, str | None] | None:
    """(name, namespace or None) of a cluster DNS name for a Service; None for any other
    host (an IP, an external name, a pod's FQDN)."""
    parts = host.lower().rstrip(".").split(".")
    if parts[-2:] == CLUSTER_DOMAIN.split("."):
        parts = parts[:-2]
        if len(parts) != 3:
            return None
    if len(parts) == 3 and parts[2] != "svc":
        return None
    if len(parts) > 3 or not all(_LABEL.match(p) for p in parts):
        return None
    return parts[0], (parts[1] if len(parts) > 1 else None)


def _lookup(by_name: dict[str, list[K8sObject]], cfg: NginxConfig, host: str) -> K8sObject | None:
    assert cfg.embedded is not None
    parsed = split_service_host(host)
    if parsed is None:
        return None
    name, namespace = parsed
    own = cfg.embedded.namespace
    found = [
        o
        for o in by_name.get(name, ())
        if (
            (namespace is None and (own is None or o.namespace in (None, own)))
            or (namespace is not None and o.namespace in (None, namespace))
        )
    ]
    if not found:
        return None
    near = nearest_to_path(cfg.embedded.path, found)
    return near[0] if len(near) == 1 else None  # two candidates: not sure which one


_MEMO: dict[int, tuple[Stack, list[ClusterTarget]]] = per_run({})


def cluster_targets(stack: Stack) -> list[ClusterTarget]:
    """Every proxy target of in-cluster nginx that names a Service of the manifests."""
    hit = _MEMO.get(id(stack))
    if hit is not None and hit[0] is stack:
        return hit[1]
    out: list[ClusterTarget] = []
    by_name: dict[str, list[K8sObject]] = {}
    for o in stack.k8s:
        if o.service is not None:
            by_name.setdefault(o.name, []).append(o)
    if by_name:
        for cfg in stack.nginx:
            if cfg.embedded is None:
                continue
            for route in cfg.routes:
                for target in route.targets:
                    if target.host is None or target.has_variables:
                        continue
                    svc = _lookup(by_name, cfg, target.host)
                    if svc is not None:
                        out.append(ClusterTarget(cfg, route, target, svc))
    _MEMO.clear()
    _MEMO[id(stack)] = (stack, out)
    return out
