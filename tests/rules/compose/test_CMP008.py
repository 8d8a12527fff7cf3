"""CMP008 healthcheck-timing-invalid: its tests, gathered from the rule test modules by rule code."""

from __future__ import annotations

from pathlib import Path

from infradoctor.config import LintConfig
from infradoctor.engine import lint
from infradoctor.findings import Severity
from tests.conftest import write_tree
from tests.rules.compose.test_compose_helpers import Tree, compose, findings


def test_cmp008_dockerfile_healthcheck_flags(tree: Tree) -> None:
    files = {
        "api/Dockerfile": "FROM python:3.12\n"
        "HEALTHCHECK --interval=30 --timeout=5s CMD curl -f localhost\n"
    }
    hits = findings(tree, files, "CMP008")
    assert len(hits) == 1
    assert "interval '30'" in hits[0].message
    assert hits[0].data == {"dockerfile": "api/Dockerfile"}


def test_cmp008_long_timeout_is_info(tree: Tree) -> None:
    files = compose(
        "  db:\n    image: postgres:16\n    healthcheck:\n"
        '      test: ["CMD", "pg_isready"]\n      interval: 5s\n'
        "      timeout: 30s\n"
    )
    hits = findings(tree, files, "CMP008")
    assert [f.severity for f in hits] == [Severity.INFO]


def test_cmp008_slow_interval_without_dependents_is_fine(tree: Tree) -> None:
    files = compose(
        "  db:\n    image: postgres:16\n    healthcheck:\n"
        '      test: ["CMD", "pg_isready"]\n      interval: 5m\n'
        "      timeout: 10s\n"
    )
    assert findings(tree, files, "CMP008") == []


def test_huge_retries_count_is_clamped(tmp_path: Path) -> None:
    """Fuzz round 6 (seed 2036, input #104704): `retries:` with 300 digits overflowed the
    float estimate of how long a wedged service stays "healthy" and crashed CMP008;
    counts are clamped like every number read."""
    write_tree(
        tmp_path,
        {
            "docker-compose.yml": (
                "services:\n b:\n  image: a:1\n  healthcheck:\n      interval: 2s\n"
                f"      timeout: 5s\n      retries: {'9' * 300}\n"
            )
        },
    )
    result = lint(tmp_path, LintConfig(select=["CMP008"]))
    assert [e for e in result.errors if e.kind == "internal"] == []
    assert [f.rule for f in result.findings] == ["CMP008"]
