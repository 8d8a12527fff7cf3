"""SEC005 writable-root-filesystem: its tests, gathered from the rule test modules by rule code."""

from __future__ import annotations

from tests.rules.security.test_security_helpers import Tree, compose, findings


def test_sec005_and_sec010(tree: Tree) -> None:
    files = compose(
        "  ro:\n    image: acme/api:1\n    read_only: true\n"
        "  rw:\n    image: acme/api:1\n    network_mode: host\n"
    )
    assert [f.data["service"] for f in findings(tree, files, "SEC005")] == ["rw"]
    assert [f.location.line for f in findings(tree, files, "SEC010")] == [7]
