"""XF006 proxy-to-localhost-from-container: its tests, gathered from the rule test modules by rule code."""

from __future__ import annotations

import pytest

from infradoctor.config import LintConfig
from infradoctor.engine import lint
from tests.rules.cross._topology_support import NGINX, loc, run, site
from tests.rules.cross._topology_support import Tree as Tree_cross_topology
from tests.rules.cross.test_cross_listen import (
    Tree,
    _no_port,  # noqa: F401 - a fixture
)


def test_localhost_to_templated_listen_of_the_same_nginx_is_not_xf006(
    tree: Tree, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("INNER_PORT", raising=False)
    compose = """\
services:
  nginx:
    image: nginx:1.27
    ports: ["80:80"]
    volumes:
      - ./templates:/etc/nginx/templates:ro
"""
    site = (
        "server {\n    listen 80;\n    location / { proxy_pass http://127.0.0.1:8081; }\n}\n"
        "server {\n    listen ${INNER_PORT};\n    location / { root /srv; }\n}\n"
    )
    result = lint(
        tree({"docker-compose.yml": compose, "templates/default.conf.template": site}),
        LintConfig(select=["XF006"], report_unused_suppressions=False),
        with_fixes=False,
    )
    assert result.findings == []


def test_localhost_to_own_server_block_is_not_flagged(tree: Tree_cross_topology) -> None:
    compose = "services:\n" + NGINX
    conf = site(loc("/", "http://127.0.0.1:8080")) + "server {\n    listen 8080;\n}\n"
    assert run(tree, {"docker-compose.yml": compose, "nginx/conf.d/site.conf": conf}, "XF006") == []


def test_localhost_from_container_suggests_publisher(tree: Tree_cross_topology) -> None:
    compose = (
        "services:\n"
        + NGINX
        + """\
  api:
    image: example/api:1
    ports: ["8000:8000"]
"""
    )
    [f] = run(
        tree,
        {
            "docker-compose.yml": compose,
            "nginx/conf.d/site.conf": site(loc("/", "http://localhost:8000")),
        },
        "XF006",
    )
    assert f.data["suggestion"] == "api:8000"
