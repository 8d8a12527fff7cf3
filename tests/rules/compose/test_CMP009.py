"""CMP009 undefined-network-or-volume: its tests, gathered from the rule test modules by rule code."""

from __future__ import annotations

from tests.rules.compose.test_compose_helpers import Tree, compose, findings


def test_cmp009_declared_external_and_bind_mounts(tree: Tree) -> None:
    files = compose(
        "  api:\n    image: acme/api:1\n    networks: [proxy, default]\n    volumes:\n"
        "      - ./data:/data\n      - /srv/x:/x\n      - cache:/cache\n      - /tmp/anon\n"
        "networks:\n  proxy:\n    external: true\nvolumes:\n  cache:\n"
    )
    assert findings(tree, files, "CMP009") == []


def test_cmp009_partial_variant_file_is_not_judged(tree: Tree) -> None:
    files = {
        "docker/docker-compose.ci.postgres.yml": (
            "services:\n  db:\n    image: postgres:16\n    networks: [fulltest]\n"
        )
    }
    assert findings(tree, files, "CMP009") == []
