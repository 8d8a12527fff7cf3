"""SEC001 reads the curated image table: a root fact is stated with its source, an
image the table does not list is "may run as root (unknown)", and images that drop
privileges (gosu/su-exec, USER) are not reported."""

from __future__ import annotations

from infradoctor.config import LintConfig
from infradoctor.engine import lint
from tests.rules.cross._topology_support import Tree


def _messages(tree: Tree, compose: str) -> dict[str, str]:
    result = lint(tree({"compose.yml": compose}), LintConfig(select=["SEC001"]), with_fixes=False)
    return {f.subject or "": f.message for f in result.findings if f.rule == "SEC001"}


COMPOSE = """\
services:
  proxy:
    image: nginx:1.27
  tiles:
    image: ghcr.io/acme/tile-service:0.9.1
  db:
    image: postgres:16
  cache:
    image: docker.io/bitnami/redis:7.2
  dash:
    image: grafana/grafana:11.0.0
"""


def test_root_facts_come_from_the_table(tree: Tree) -> None:
    found = _messages(tree, COMPOSE)
    assert sorted(found) == ["proxy", "tiles"]
    assert (
        "image 'nginx:1.27' runs as root (https://github.com/nginxinc/docker-nginx"
        in (found["proxy"])
    )
    assert "may run as root (unknown" in found["tiles"]
    assert "most likely" not in found["tiles"]


def test_old_haproxy_is_not_taken_for_the_official_image(tree: Tree) -> None:
    """`dockercloud/haproxy` is not the official haproxy (which sets USER haproxy)."""
    found = _messages(
        tree, "services:\n  a:\n    image: dockercloud/haproxy:1\n  b:\n    image: haproxy:3.0\n"
    )
    assert sorted(found) == ["a"]
