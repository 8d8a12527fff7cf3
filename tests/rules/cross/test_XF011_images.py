"""XF011 with image facts: an image whose HEALTHCHECK the table (or a Dockerfile in the
repository) knows is fine; an unknown image is reported as "may define" one."""

from __future__ import annotations

from tests.rules.cross._topology_support import NGINX, Tree, loc, run, site


def _files(image: str) -> dict[str, str]:
    compose = f"services:\n{NGINX}  app:\n    image: {image}\n    expose: ['8000']\n"
    return {
        "compose.yml": compose,
        "nginx/conf.d/default.conf": site(loc("/", "http://app:8000")),
    }


def test_unknown_image_says_it_may_define_a_healthcheck(tree: Tree) -> None:
    [f] = run(tree, _files("ghcr.io/acme/app:1"), "XF011")
    assert "image 'ghcr.io/acme/app:1' may define a HEALTHCHECK" in f.message


def test_known_image_without_healthcheck_is_asserted(tree: Tree) -> None:
    [f] = run(tree, _files("grafana/grafana:11.0.0"), "XF011")
    assert "has no healthcheck (compose or Dockerfile HEALTHCHECK)" in f.message


def test_image_with_a_healthcheck_is_not_reported(tree: Tree) -> None:
    assert run(tree, _files("louislam/uptime-kuma:1.23.13"), "XF011") == []
