"""Websocket facts: whether a proxied route carries websockets (XF007, NGX002, fixes)."""

from __future__ import annotations

import re

from infradoctor.model.nginx import Directive, NginxConfig, ProxyRoute
from infradoctor.model.stack import Stack

WORD_TOKENS = frozenset(
    {
        "ws",
        "wss",
        "socket",
        "sockets",
        "cable",
        "hub",
        "hubs",
        "websocket",
        "websockets",
        "realtime",
        "signalr",
        "sockjs",
    }
)
SUBSTRINGS = ("websocket", "socket.io", "realtime", "real-time", "signalr", "sockjs", "actioncable")


def ws_looking(text: str) -> bool:
    t = text.lower()
    if any(s in t for s in SUBSTRINGS):
        return True
    return any(w in WORD_TOKENS for w in re.split(r"[^a-z0-9]+", t))


def location_path(route: ProxyRoute) -> str:
    if route.location_block is None:
        return ""
    args = [a for a in route.location_block.args if a not in ("=", "~", "~*", "^~", "@")]
    return " ".join(args)


def effective_headers(cfg: NginxConfig, block: Directive, prefix: str = "proxy") -> dict[str, str]:
    """Header name (lower-case) -> value of the `<prefix>_set_header`s in effect."""
    out: dict[str, str] = {}
    for d in cfg.effective(block, f"{prefix}_set_header"):
        if len(d.args) >= 2:
            out[d.args[0].lower()] = " ".join(d.args[1:])
    return out


WEBSOCKET_TIMEOUT = "3600s"


def is_websocket_route(stack: Stack, route: ProxyRoute) -> bool:
    """XF007's websocket detection: Upgrade header in effect, or a ws-looking location path,
    upstream, target host or compose service behind the route."""
    if route.kind != "proxy":
        return False
    if "upgrade" in effective_headers(route.config, route.context):
        return True
    path = location_path(route)
    if path and ws_looking(path):
        return True
    if route.upstream is not None and ws_looking(route.upstream.name):
        return True
    if any(
        t.host and not t.has_variables and ws_looking(t.host.split(".")[0]) for t in route.targets
    ):
        return True
    return any(
        rt.service is not None and ws_looking(rt.service.name)
        for rt in stack.index.targets_by_route.get(id(route), ())
    )
