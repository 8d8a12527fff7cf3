"""XF007 looks at the location that really serves the websocket path: a backend that
looks like a websocket app, proxied at `/` while a more specific location with the
Upgrade headers serves its websocket path, is not reported at `/` (issue 10)."""

from __future__ import annotations

from tests.rules.cross._topology_support import NGINX, Tree, loc, run, site

COMPOSE = "services:\n" + NGINX + "  realtime:\n    image: example/rt:1\n"
UPGRADE = (
    "proxy_http_version 1.1;",
    "proxy_set_header Upgrade $http_upgrade;",
    'proxy_set_header Connection "upgrade";',
)


def _xf007(tree: Tree, conf: str) -> list[str]:
    files = {"docker-compose.yml": COMPOSE, "nginx/conf.d/site.conf": conf}
    return sorted(f.subject or "" for f in run(tree, files, "XF007"))


def test_root_route_not_reported_when_a_sibling_serves_the_websocket(tree: Tree) -> None:
    conf = site(loc("/", "http://realtime:8000"), loc("/socket/", "http://realtime:8000", *UPGRADE))
    assert _xf007(tree, conf) == []


def test_root_route_reported_when_no_sibling_upgrades(tree: Tree) -> None:
    conf = site(loc("/", "http://realtime:8000"), loc("/api/", "http://realtime:8000"))
    assert _xf007(tree, conf) == ["/", "/api/"]


def test_websocket_path_without_headers_is_still_reported(tree: Tree) -> None:
    """The `/ws/` location is the one serving the websocket: it is reported, `/` is not."""
    conf = site(loc("/", "http://realtime:8000"), loc("/ws/", "http://realtime:8000"))
    assert _xf007(tree, conf) == ["/ws/"]


def test_sibling_in_another_server_does_not_count(tree: Tree) -> None:
    conf = site(loc("/", "http://realtime:8000")) + site(
        loc("/socket/", "http://realtime:8000", *UPGRADE)
    )
    assert _xf007(tree, conf) == ["/"]
