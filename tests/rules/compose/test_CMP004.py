"""CMP004 container-name-with-replicas: its tests, gathered from the rule test modules by rule code."""

from __future__ import annotations

from tests.rules.compose.test_compose_helpers import Tree, compose, findings


def test_cmp004_scale_key_counts(tree: Tree) -> None:
    files = compose("  api:\n    image: acme/api:1\n    container_name: api\n    scale: 2\n")
    hits = findings(tree, files, "CMP004")
    assert len(hits) == 1 and hits[0].location.line == 4
