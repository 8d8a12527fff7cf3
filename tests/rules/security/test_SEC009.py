"""SEC009 image-tag-latest: its tests, gathered from the rule test modules by rule code."""

from __future__ import annotations

from tests.rules.security.test_security_helpers import Tree, findings


def test_sec009_tags(tree: Tree) -> None:
    files = {
        "docker-compose.yml": (
            "services:\n"
            "  a:\n    image: redis\n"
            "  b:\n    image: registry.example.com:5000/team/app:latest\n"
            "  c:\n    image: redis@sha256:" + "a" * 64 + "\n"
            "  d:\n    image: acme/api:${TAG:-latest}\n"
            "  e:\n    image: acme/api\n    build: ./api\n"
            "  f:\n    image: localhost:5000/app:1.2\n"
        ),
        "api/Dockerfile": "FROM python:3.12-slim\n",
    }
    hits = findings(tree, files, "SEC009")
    assert sorted(f.data["service"] for f in hits) == ["a", "b"]
