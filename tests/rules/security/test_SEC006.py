"""SEC006 database-port-published: its tests, gathered from the rule test modules by rule code."""

from __future__ import annotations

from tests.rules.security.test_security_helpers import Tree, compose, findings


def test_sec006_bindings(tree: Tree) -> None:
    files = compose(
        "  db:\n    image: postgres:16\n    ports:\n"
        '      - "127.0.0.1:5432:5432"\n'
        '      - "[::1]:5433:5432"\n'
        '      - "5434:5432"\n'
        '  redis:\n    image: redis:7\n    ports:\n      - "6379"\n'
        '  web:\n    image: acme/web:1\n    ports:\n      - "8086:80"\n'
        '  mongo:\n    image: mongo:7\n    ports:\n      - "10.0.0.5:27017:27017"\n'
    )
    hits = findings(tree, files, "SEC006")
    assert sorted((f.data["service"], f.location.line) for f in hits) == [("db", 7), ("redis", 11)]
