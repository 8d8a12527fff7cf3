"""XF007: a websocket-looking route without the Upgrade/Connection headers."""

from __future__ import annotations

import posixpath
from collections.abc import Iterator
from typing import Any

from infradoctor.facts.listen import mentions
from infradoctor.facts.websocket import effective_headers, location_path, ws_looking
from infradoctor.findings import Applicability, Edit, Finding, Fix, Severity, subject_dict
from infradoctor.fixes import nginx_blocks as nb
from infradoctor.fixes.context import FixContext, make_fix
from infradoctor.model.nginx import NginxConfig, ProxyRoute
from infradoctor.model.stack import Service, Stack
from infradoctor.records import record
from infradoctor.rules.base import Example, Rule
from infradoctor.rules.cross._common import (
    unknown_include_in_scope,
    unresolved_includes,
)

COMPOSE = """\
services:
  nginx:
    image: nginx:1.27
    ports: ["80:80"]
    volumes:
      - ./nginx/default.conf:/etc/nginx/conf.d/default.conf:ro
  realtime:
    image: example/realtime:1.0
    expose: ["8000"]
"""

BAD_CONF = """\
server {
    listen 80;
    location /ws/ {
        proxy_pass http://realtime:8000;
        proxy_set_header Host $host;
    }
}
"""

GOOD_CONF = """\
map $http_upgrade $connection_upgrade {
    default upgrade;
    ''      close;
}

server {
    listen 80;
    location /ws/ {
        proxy_pass http://realtime:8000;
        proxy_http_version 1.1;
        proxy_set_header Host $host;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection $connection_upgrade;
    }
}
"""

# Inheritance trap: the location's own proxy_set_header replaces the server-level ones.
BAD_INHERIT = """\
server {
    listen 80;
    proxy_http_version 1.1;
    proxy_set_header Upgrade $http_upgrade;
    proxy_set_header Connection "upgrade";
    location /socket.io/ {
        proxy_pass http://realtime:8000;
        proxy_set_header X-Real-IP $remote_addr;
    }
}
"""

# Apps known to need websockets on their main route.
WS_APPS = (
    "daphne",
    "socket.io",
    "centrifugo",
    "soketi",
    "code-server",
    "jupyter",
    "mattermost",
    "rocket.chat",
    "uptime-kuma",
    "gotify",
    "home-assistant",
    "homeassistant",
    "actioncable",
    "channels_redis",
    "mercure",
    "livekit",
)


# ---------------------------------------------------------------- fix

SAFE = Applicability.SAFE


def _upgrade_var(ctx: FixContext, cfg: NginxConfig) -> str | None:
    """The `$connection_upgrade`-like variable an existing `map $http_upgrade` defines in
    `cfg` or, for a conf.d snippet, in any snippet of its directory (they share http{})."""
    if not cfg.is_snippet:
        return ctx.upgrade_map([cfg])
    directory = posixpath.dirname(cfg.root_file)
    return ctx.memo(
        ("upgrade-map-dir", directory), lambda: ctx.upgrade_map(ctx.configs_in_dir(directory))
    )


def fix_websocket(ctx: FixContext, finding: Finding) -> Fix | None:
    subject = ctx.subject(finding, WebsocketRoute)
    routes = nb.routes(ctx, finding, subject.config, subject.upstream)
    edits = nb.BlockEdits(ctx)
    map_edits: list[Edit] = []
    for cfg, block in nb.proxy_blocks(routes):
        var = _upgrade_var(ctx, cfg)
        if var is None:
            var = "connection_upgrade"
            map_edits.append(nb.upgrade_map_edit(ctx, cfg))
        nb.ensure(edits, cfg, block, "proxy_http_version", "1.1")
        edits.set_headers(
            cfg, block, [("Upgrade", "$http_upgrade"), ("Connection", f"${var}")], override=True
        )
    unique = {(e.file, e.start): e for e in map_edits}
    return make_fix(
        "Pass websocket upgrades (Upgrade/Connection headers, HTTP/1.1)",
        SAFE,
        [*unique.values(), *edits.edits()],
    )


@record(frozen=True, kw_only=True)
class WebsocketRoute:
    """The websocket route: config, location, backend and the headers missing."""

    config: str | None = None
    project: str | None = None
    location: str | None = None
    missing: list[str] | None = None
    upstream: str | None = None
    service: str | None = None
    target_service: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return subject_dict(self)


class WebsocketRouteWithoutUpgrade(Rule):
    code = "XF007"
    name = "websocket-route-without-upgrade"
    title = "websocket route proxied without Upgrade/Connection headers"
    severity = Severity.ERROR
    category = "cross-file"
    why = (
        "`Upgrade` and `Connection` are hop-by-hop headers: nginx does not pass them to the "
        "upstream unless told to, and by default it talks HTTP/1.0 to upstreams, which has "
        "no upgrade mechanism. The websocket handshake reaches the app as a plain GET, the "
        "app answers 400/426 or a normal page, and the client keeps reconnecting (or falls "
        "back to long polling). Remember that a location with any proxy_set_header of its "
        "own drops every proxy_set_header inherited from the server or http level."
    )
    how_to_fix = (
        "In the location (or a level it inherits from, with no proxy_set_header below it): "
        "`proxy_http_version 1.1; proxy_set_header Upgrade $http_upgrade; "
        "proxy_set_header Connection $connection_upgrade;` with "
        "`map $http_upgrade $connection_upgrade { default upgrade; '' close; }` in http{}. "
        "Raise proxy_read_timeout for idle sockets."
    )
    fixer = staticmethod(fix_websocket)
    fix_applicability = Applicability.SAFE
    references = ("https://nginx.org/en/docs/http/websocket.html",)
    examples = (
        Example(
            bad={"docker-compose.yml": COMPOSE, "nginx/default.conf": BAD_CONF},
            good={"docker-compose.yml": COMPOSE, "nginx/default.conf": GOOD_CONF},
            description="/ws/ without any upgrade headers",
        ),
        Example(
            bad={"docker-compose.yml": COMPOSE, "nginx/default.conf": BAD_INHERIT},
            good={"docker-compose.yml": COMPOSE, "nginx/default.conf": GOOD_CONF},
            description="location-level proxy_set_header hides the server-level Upgrade",
        ),
    )

    def check(self, stack: Stack) -> Iterator[Finding]:
        services: dict[int, list[Service]] = {}
        for project in stack.projects:
            for rt in project.targets:
                if rt.service is not None:
                    services.setdefault(id(rt.route), []).append(rt.service)
        unresolved = unresolved_includes(stack)
        for cfg in stack.nginx:
            proxies = [r for r in cfg.routes if r.kind == "proxy"]
            for route in proxies:
                reason = self._why_ws(route, services.get(id(route), []))
                if reason is None:
                    continue
                missing = self._missing(route)
                if not missing or unknown_include_in_scope(route.context, unresolved):
                    continue
                if not ws_looking(location_path(route)) and self._served_elsewhere(route, proxies):
                    continue
                owner = stack.index.nginx_owner.get(id(cfg))
                svc_names = sorted({s.name for s in services.get(id(route), [])})
                yield self.finding(
                    route.directive.location,
                    f"{reason} but the route lacks {', '.join(missing)}: the websocket "
                    f"handshake reaches the app as plain HTTP",
                    subject=location_path(route) or route.raw,
                    detail=WebsocketRoute(
                        config=cfg.root_file,
                        project=owner.name if owner else None,
                        location=location_path(route),
                        missing=missing,
                        upstream=route.upstream.name if route.upstream else None,
                        service=svc_names[0] if svc_names else None,
                        target_service=svc_names[0] if svc_names else None,
                    ),
                )

    def _served_elsewhere(self, route: ProxyRoute, proxies: list[ProxyRoute]) -> bool:
        """Another location of the same server proxies to the same backend with a
        websocket-looking path or the Upgrade headers: that one serves the websocket."""
        backend = _backend(route)
        for other in proxies:
            if other is route or other.server is not route.server or _backend(other) != backend:
                continue
            if ws_looking(location_path(other)) or not self._missing(other):
                return True
        return False

    def _why_ws(self, route: ProxyRoute, services: list[Service]) -> str | None:
        path = location_path(route)
        if path and ws_looking(path):
            return f"location {path} looks like a websocket endpoint"
        if route.upstream is not None and ws_looking(route.upstream.name):
            return f"upstream '{route.upstream.name}' looks like a websocket backend"
        for t in route.targets:
            if t.host and not t.has_variables and ws_looking(t.host.split(".")[0]):
                return f"target '{t.host}' looks like a websocket backend"
        for svc in services:
            if ws_looking(svc.name):
                return f"service '{svc.name}' looks like a websocket backend"
            if mentions(svc, WS_APPS):
                return f"service '{svc.name}' runs an app that uses websockets"
        return None

    def _missing(self, route: ProxyRoute) -> list[str]:
        cfg = route.config
        ctx = route.context
        headers = effective_headers(cfg, ctx)
        missing: list[str] = []
        version = cfg.effective_value(ctx, "proxy_http_version")
        if version is None or not version.args or version.args[0] != "1.1":
            missing.append("proxy_http_version 1.1")
        upgrade = headers.get("upgrade", "").lower()
        if "upgrade" not in upgrade and "websocket" not in upgrade:
            missing.append("proxy_set_header Upgrade $http_upgrade")
        connection = headers.get("connection", "").lower()
        if "upgrade" not in connection and "$http_connection" not in connection:
            missing.append("proxy_set_header Connection $connection_upgrade")
        return missing


def _backend(route: ProxyRoute) -> tuple[str, ...]:
    """What a route proxies to: its upstream's name, else its target hosts."""
    if route.upstream is not None:
        return (route.upstream.name,)
    return tuple(sorted(t.host for t in route.targets if t.host))
