"""CMP005 memory-limit-missing: its tests, gathered from the rule test modules by rule code."""

from __future__ import annotations

import pytest

from tests.rules.compose.test_compose_helpers import Tree, compose, findings


def test_cmp005_deploy_limit_counts(tree: Tree) -> None:
    files = compose(
        "  api:\n    image: acme/api:1\n    deploy:\n      resources:\n"
        "        limits:\n          memory: 256M\n  worker:\n    image: acme/w:1\n"
    )
    assert [f.data["service"] for f in findings(tree, files, "CMP005")] == ["worker"]


@pytest.mark.parametrize(
    ("env", "limit"),
    [
        ('JAVA_OPTS: "-Xmx2g"', ""),  # no limit: CMP005's business
        ('JAVA_OPTS: "-Xmx3g"', "mem_limit: 4g"),
        ('JAVA_TOOL_OPTIONS: "-XX:MaxRAMPercentage=75"', "mem_limit: 1g"),
        ('JAVA_OPTS: "-Xmx6g"', "mem_limit: 8g"),
    ],
)
def test_cmp006_enough_headroom(tree: Tree, env: str, limit: str) -> None:
    files = compose(
        f"  orders:\n    image: acme/orders:1\n    environment:\n      {env}\n    {limit}\n"
    )
    assert findings(tree, files, "CMP006") == []
