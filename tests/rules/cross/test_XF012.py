"""XF012 replicated-upstream-without-next-upstream: its tests, gathered from the rule test modules by rule code."""

from __future__ import annotations

from tests.rules.cross._topology_support import NGINX, Tree, loc, run, site


def test_backup_servers_do_not_make_an_upstream_replicated(tree: Tree) -> None:
    compose = "services:\n" + NGINX + "  a:\n    image: x/a:1\n  b:\n    image: x/b:1\n"
    conf = "upstream app {\n    server a:8000;\n    server b:8000 backup;\n}\n" + site(
        loc("/", "http://app")
    )
    assert run(tree, {"docker-compose.yml": compose, "nginx/conf.d/site.conf": conf}, "XF012") == []
