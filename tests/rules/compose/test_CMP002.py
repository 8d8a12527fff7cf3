"""CMP002 json-log-unbounded: its tests, gathered from the rule test modules by rule code."""

from __future__ import annotations

import pytest

from tests.rules.compose.test_compose_helpers import Tree, compose, findings


@pytest.mark.parametrize(
    "logging",
    [
        "    logging:\n      driver: json-file\n      options:\n        max-size: 10m\n",
        "    logging:\n      driver: local\n",
        "    logging:\n      driver: syslog\n",
        '    logging:\n      options:\n        max-size: "50m"\n        max-file: "3"\n',
    ],
)
def test_cmp002_bounded_or_shipped_logs(tree: Tree, logging: str) -> None:
    assert findings(tree, compose("  api:\n    image: acme/api:1\n" + logging), "CMP002") == []


@pytest.mark.parametrize(
    "logging",
    [
        "",
        "    logging:\n      driver: json-file\n",
        '    logging:\n      driver: json-file\n      options:\n        max-file: "3"\n',
        '    logging:\n      driver: json-file\n      options:\n        max-size: "-1"\n',
        '    logging:\n      driver: local\n      options:\n        max-size: "-1"\n',
    ],
)
def test_cmp002_unbounded_logs(tree: Tree, logging: str) -> None:
    hits = findings(tree, compose("  api:\n    image: acme/api:1\n" + logging), "CMP002")
    assert len(hits) == 1
    assert hits[0].data["service"] == "api"


def test_cmp002_shared_anchor_with_merge_key(tree: Tree) -> None:
    files = {
        "docker-compose.yml": (
            "x-common: &common\n  restart: always\n  logging:\n    driver: json-file\n"
            "    options:\n      max-size: 20m\n"
            "services:\n  api:\n    <<: *common\n    image: acme/api:1\n"
            "  worker:\n    <<: *common\n    image: acme/worker:1\n"
        )
    }
    assert findings(tree, files, "CMP002") == []
