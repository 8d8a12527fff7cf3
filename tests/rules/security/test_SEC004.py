"""SEC004 capabilities-not-dropped: its tests, gathered from the rule test modules by rule code."""

from __future__ import annotations

from tests.rules.security.test_security_helpers import Tree, compose, findings


def test_sec004_cap_prefix_and_case(tree: Tree) -> None:
    files = compose("  api:\n    image: acme/api:1\n    cap_drop: [all]\n")
    assert findings(tree, files, "SEC004") == []
