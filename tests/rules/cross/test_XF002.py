"""XF002 proxy-target-port-not-listening: its tests, gathered from the rule test modules by rule code."""

from __future__ import annotations

import pytest

from tests.rules.cross._topology_support import NGINX as NGINX_cross_topology
from tests.rules.cross._topology_support import Tree as Tree_cross_topology
from tests.rules.cross._topology_support import codes, loc, site
from tests.rules.cross._topology_support import run as run_cross_topology
from tests.rules.cross.test_cross_listen import (
    NGINX,
    NODE_COMPOSE,
    NODE_DOCKERFILE,
    Tree,
    _no_port,  # noqa: F401 - a fixture
    conf,
    run,
)


def test_known_port_still_reported(tree: Tree) -> None:
    compose = (
        "services:\n"
        + NGINX
        + """\
  api:
    image: example/api:1.4
    command: ["gunicorn", "-b", "0.0.0.0:${APP_PORT:-8000}", "app:app"]
"""
    )
    [f] = run(tree, {"docker-compose.yml": compose, "nginx/default.conf": conf("http://api:7000")})
    assert f.rule == "XF002" and "listens on 8000" in f.message


def test_node_port_env_is_used(tree: Tree) -> None:
    [f] = run(
        tree,
        {
            "docker-compose.yml": NODE_COMPOSE,
            "web/Dockerfile": NODE_DOCKERFILE,
            "nginx/default.conf": conf("http://web:3000/"),
        },
    )
    assert f.rule == "XF002"
    assert "web:3000" in f.message and "listens on 4000" in f.message
    assert "node server.js with PORT=4000" in f.message
    assert f.data["suggested_port"] == 4000


def test_templated_nginx_listen_without_its_variable_is_unknown(
    tree: Tree, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`listen ${NGINX_PORT}` used to read as port 80: a false XF002 on front:8080."""
    monkeypatch.delenv("NGINX_PORT", raising=False)
    compose = (
        "services:\n"
        + NGINX
        + """\
  front:
    image: nginx:1.27-alpine
    volumes:
      - ./front/templates:/etc/nginx/templates:ro
"""
    )
    front = "server {\n    listen ${NGINX_PORT};\n    location / { root /srv; }\n}\n"
    assert (
        run(
            tree,
            {
                "docker-compose.yml": compose,
                "nginx/default.conf": conf("http://front:8080"),
                "front/templates/default.conf.template": front,
            },
        )
        == []
    )


def test_port_mismatch_names_the_listened_port_and_its_source(tree: Tree_cross_topology) -> None:
    compose = (
        "services:\n"
        + NGINX_cross_topology
        + """\
  api:
    image: example/api:1
    command: ["gunicorn", "--bind", "0.0.0.0:8000", "app:app"]
"""
    )
    [f] = run_cross_topology(
        tree,
        {
            "docker-compose.yml": compose,
            "nginx/conf.d/site.conf": site(loc("/", "http://api:5000")),
        },
        "XF002",
    )
    assert f.data["suggested_port"] == 8000
    assert "gunicorn --bind 0.0.0.0:8000" in f.message
    assert "docker-compose.yml:" in f.message


def test_no_listen_facts_no_port_finding(tree: Tree_cross_topology) -> None:
    compose = "services:\n" + NGINX_cross_topology + "  api:\n    image: example/api:1\n"
    assert (
        run_cross_topology(
            tree,
            {
                "docker-compose.yml": compose,
                "nginx/conf.d/site.conf": site(loc("/", "http://api:5000")),
            },
            "XF002",
        )
        == []
    )


def test_host_nginx_through_published_port(tree: Tree_cross_topology) -> None:
    compose = """\
services:
  api:
    image: example/api:1
    command: uvicorn app:app --port 8000
    ports: ["127.0.0.1:8081:8000"]
"""
    conf = site(loc("/", "http://127.0.0.1:8081"))
    found = run_cross_topology(tree, {"docker-compose.yml": compose, "deploy/site.conf": conf})
    # The published port maps to 8000, which uvicorn listens on -- but only on loopback.
    assert "XF002" not in codes(found)
    [f] = [f for f in found if f.rule == "XF003"]
    assert "published port" in f.message
    wrong = run_cross_topology(
        tree,
        {"docker-compose.yml": compose.replace("8081:8000", "8081:9000"), "deploy/site.conf": conf},
        "XF002",
    )
    # The fix is the mapping (8081:8000), not proxy_pass: no suggested_port for the fixer.
    assert [(f.data["suggested_port"], f.data["suggested_container_port"]) for f in wrong] == [
        (None, 8000)
    ]


def test_host_nginx_using_the_container_port(tree: Tree_cross_topology) -> None:
    compose = """\
services:
  app:
    image: example/app:1
    ports: ["8000:8816"]
"""
    [f] = run_cross_topology(
        tree,
        {
            "docker-compose.yml": compose,
            "etc/nginx/site.conf": site(loc("/", "http://127.0.0.1:8816")),
        },
        "XF002",
    )
    assert (f.data["service"], f.data["suggested_port"]) == ("app", 8000)
    assert (
        run_cross_topology(
            tree,
            {
                "docker-compose.yml": compose,
                "etc/nginx/site.conf": site(loc("/", "http://127.0.0.1:9999")),
            },
            "XF002",
        )
        == []
    )


def test_loopback_bind_is_fine_when_sharing_network_namespace(tree: Tree_cross_topology) -> None:
    compose = """\
services:
  nginx:
    image: nginx:1.27
    network_mode: "service:api"
    volumes:
      - ./nginx/conf.d:/etc/nginx/conf.d:ro
  api:
    image: example/api:1
    command: uvicorn app:app --port 8000
    ports: ["80:80"]
"""
    found = run_cross_topology(
        tree,
        {
            "docker-compose.yml": compose,
            "nginx/conf.d/site.conf": site(loc("/", "http://127.0.0.1:8000")),
        },
    )
    assert not [f for f in found if f.rule in ("XF002", "XF003", "XF006")]
