"""CMP003 depends-on-unknown-service: its tests, gathered from the rule test modules by rule code."""

from __future__ import annotations

from tests.rules.compose.test_compose_helpers import Tree, compose, findings


def test_cmp003_suggests_close_name_and_respects_required_false(tree: Tree) -> None:
    files = compose(
        "  api:\n    image: acme/api:1\n    depends_on:\n      postgress:\n"
        "        condition: service_started\n      cache:\n        condition: service_started\n"
        "        required: false\n  postgres:\n    image: postgres:16\n"
    )
    hits = findings(tree, files, "CMP003")
    assert len(hits) == 1
    assert "did you mean 'postgres'" in hits[0].message
    assert hits[0].location.line == 5
