"""XF001 proxy-target-unknown-host: its tests, gathered from the rule test modules by rule code."""

from __future__ import annotations

from tests.rules.cross._topology_support import NGINX, Tree, loc, run, site


def test_unknown_host_suggests_closest_name(tree: Tree) -> None:
    compose = "services:\n" + NGINX + "  backend:\n    image: example/api:1\n"
    [f] = run(
        tree,
        {
            "docker-compose.yml": compose,
            "nginx/conf.d/site.conf": site(loc("/", "http://backnd:8000")),
        },
        "XF001",
    )
    assert f.data["suggestion"] == "backend"
    assert "did you mean 'backend'" in f.message
    assert (f.location.file, f.location.line) == ("nginx/conf.d/site.conf", 4)


def test_alias_and_container_name_are_known_hosts(tree: Tree) -> None:
    compose = (
        "services:\n"
        + NGINX
        + """\
  api:
    image: example/api:1
    container_name: api-container
    command: uvicorn app:app --host 0.0.0.0 --port 8000
    networks:
      default:
        aliases: [api.internal]
"""
    )
    found = run(
        tree,
        {
            "docker-compose.yml": compose,
            "nginx/conf.d/site.conf": site(
                loc("/a", "http://api-container:8000"), loc("/b", "http://api.internal:8000")
            ),
        },
    )
    assert not [f for f in found if f.rule in ("XF001", "XF002", "XF003")]
