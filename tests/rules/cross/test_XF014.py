"""XF014 upstream-hostname-resolved-once: its tests, gathered from the rule test modules by rule code."""

from __future__ import annotations

from tests.rules.cross._topology_support import NGINX, Tree, loc, run


def test_stale_ip_info_not_for_runtime_resolution(tree: Tree) -> None:
    compose = "services:\n" + NGINX + "  api:\n    image: example/api:1\n"
    conf = (
        "server {\n    listen 80;\n    resolver 127.0.0.11 valid=10s;\n"
        "    set $u http://api:8000;\n" + loc("/", "$u") + "\n}\n"
    )
    assert run(tree, {"docker-compose.yml": compose, "nginx/conf.d/site.conf": conf}, "XF014") == []
