"""SEC002 privileged-container: its tests, gathered from the rule test modules by rule code."""

from __future__ import annotations

from tests.rules.security.test_security_helpers import Tree, compose, findings


def test_sec002_sec003_privileged_is_reported_once(tree: Tree) -> None:
    files = compose("  dind:\n    image: docker:27-dind\n    privileged: true\n")
    assert [f.location.line for f in findings(tree, files, "SEC002")] == [4]
    assert findings(tree, files, "SEC003") == []
    assert findings(tree, files, "SEC004") == []
