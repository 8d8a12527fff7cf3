"""Port facts: which port a route reaches and which ports nginx listens on."""

from __future__ import annotations

import re
from collections.abc import Mapping

from infradoctor.facts.args import normalise_host, parse_host_port
from infradoctor.facts.env import UNSET_MARK
from infradoctor.model.nginx import NginxConfig, ProxyRoute, ProxyTarget
from infradoctor.model.stack import ListenAddress, Port, ResolvedTarget, Service
from infradoctor.syntax.numbers import digits_value

ENV_VAR_RE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Z_][A-Z0-9_]*)\b")


def _envsubst(text: str, env: Mapping[str, str]) -> str:
    """`${VAR}` / `$VAR` filled from the container environment, as the nginx image's
    envsubst does for templates; unknown ones stay as written."""
    return ENV_VAR_RE.sub(lambda m: env.get(m.group(1) or m.group(2), m.group(0)), text)


def nginx_listens(cfg: NginxConfig, env: Mapping[str, str] | None = None) -> list[ListenAddress]:
    """Ports an nginx config listens on (`listen` directives; 80 for a server without).
    `env` is the nginx container's environment for templated `listen ${PORT}`. A listen we
    can't read (an unknown variable) makes the whole set unknown: []."""
    return nginx_listens_or_unknown(cfg, env) or []


def nginx_listens_or_unknown(
    cfg: NginxConfig, env: Mapping[str, str] | None = None
) -> list[ListenAddress] | None:
    """`nginx_listens`, but None when a `listen` can't be read, so callers asking "could
    nginx itself listen on X?" can tell unknown from "no"."""
    out: list[ListenAddress] = []
    for server in cfg.servers:
        listens = server.children("listen")
        if not listens:
            if server.enclosing("stream") is None:
                out.append(
                    ListenAddress(80, None, "nginx:server without listen (80)", server.location)
                )
            continue
        for d in listens:
            if not d.args:
                continue
            arg = _envsubst(d.args[0], env or {}) if "$" in d.args[0] else d.args[0]
            if "$" in arg or "{" in arg or UNSET_MARK in arg:
                return None
            hp = parse_host_port(arg)
            if hp is None:
                continue
            host, port = hp
            if port is None and host is not None and digits_value(host) is not None:
                port = digits_value(host)
                host = None
            if port is None:
                port = 80
            out.append(
                ListenAddress(
                    port,
                    normalise_host(host) if host else None,
                    f"nginx:listen {' '.join(d.args)}",
                    d.location,
                )
            )
    return out


def default_port(route: ProxyRoute) -> int | None:
    if route.kind in ("proxy", "grpc"):
        return 443 if (route.scheme or "").endswith("s") else 80
    return None


def effective_port(route: ProxyRoute, target: ProxyTarget) -> int | None:
    """The port nginx connects to (scheme default when none is written)."""
    return target.port if target.port is not None else default_port(route)


def published_match(svc: Service, port: int) -> Port | None:
    for p in svc.ports:
        if p.published == port:
            return p
        if p.published_range and p.published_range[0] <= port <= p.published_range[1]:
            return p
    return None


def container_port(rt: ResolvedTarget) -> int | None:
    """The port inside the target container that the route reaches."""
    port = effective_port(rt.route, rt.target)
    if rt.service is None or port is None:
        return port
    if rt.via == "published-port":
        p = published_match(rt.service, port)
        if p is None or p.target is None:
            return None
        if p.published_range and p.published is not None:
            return p.target + (port - p.published)
        return p.target
    return port
