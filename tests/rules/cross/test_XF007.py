"""XF007 websocket-route-without-upgrade: its tests, gathered from the rule test modules by rule code."""

from __future__ import annotations

from tests.rules.cross._topology_support import NGINX, Tree, codes, loc, run, site


def test_websocket_headers_inherited_from_server_level(tree: Tree) -> None:
    compose = "services:\n" + NGINX + "  realtime:\n    image: example/rt:1\n"
    good = (
        "server {\n    listen 80;\n    proxy_http_version 1.1;\n"
        "    proxy_set_header Upgrade $http_upgrade;\n"
        '    proxy_set_header Connection "upgrade";\n'
        + loc("/ws/", "http://realtime:8000")
        + "\n}\n"
    )
    assert run(tree, {"docker-compose.yml": compose, "nginx/conf.d/site.conf": good}, "XF007") == []
    by_service = site(loc("/", "http://realtime:8000"))
    [f] = run(tree, {"docker-compose.yml": compose, "nginx/conf.d/site.conf": by_service}, "XF007")
    assert f.data["target_service"] == "realtime"


def test_unresolved_include_silences_directive_checks(tree: Tree) -> None:
    compose = "services:\n" + NGINX + "  realtime:\n    image: example/rt:1\n"
    missing = site(loc("/ws/", "http://realtime:8000", "include proxy_ws.conf;"))
    assert (
        run(tree, {"docker-compose.yml": compose, "nginx/conf.d/site.conf": missing}, "XF007") == []
    )
    spliced = {
        "docker-compose.yml": compose,
        "nginx/conf.d/site.conf": site(
            loc("/ws/", "http://realtime:8000", "include snippets/common.inc;")
        ),
        "nginx/conf.d/snippets/common.inc": "proxy_set_header Host $host;\n",
    }
    assert codes(run(tree, spliced, "XF007")) == ["XF007"]
