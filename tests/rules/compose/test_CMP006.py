"""CMP006 jvm-heap-exceeds-memory-limit: its tests, gathered from the rule test modules by rule code."""

from __future__ import annotations

import pytest

from infradoctor.findings import Severity
from tests.rules.compose.test_compose_helpers import Tree, compose, findings


@pytest.mark.parametrize(
    ("env", "limit", "severity"),
    [
        ('JAVA_OPTS: "-Xmx2g"', "mem_limit: 2g", Severity.ERROR),
        ('JAVA_TOOL_OPTIONS: "-XX:MaxRAMPercentage=100.0"', "mem_limit: 1g", Severity.ERROR),
        ('JAVA_OPTS: "-Xms256m -Xmx900m"', "mem_limit: 1g", Severity.WARNING),
        ('_JAVA_OPTIONS: "-XX:MaxRAMPercentage=90"', "mem_limit: 1g", Severity.WARNING),
    ],
)
def test_cmp006_heap_vs_limit(tree: Tree, env: str, limit: str, severity: Severity) -> None:
    files = compose(
        f"  orders:\n    image: acme/orders:1\n    environment:\n      {env}\n    {limit}\n"
    )
    hits = findings(tree, files, "CMP006")
    assert len(hits) == 1
    assert hits[0].severity is severity
    assert hits[0].location.line == 5  # the JAVA_* variable
    assert hits[0].related and hits[0].related[0].line == 6  # the limit


def test_cmp006_heap_in_dockerfile_cmd(tree: Tree) -> None:
    files = {
        "docker-compose.yml": "services:\n  billing:\n    build: ./billing\n"
        "    deploy:\n      resources:\n        limits:\n"
        "          memory: 512M\n",
        "billing/Dockerfile": "FROM eclipse-temurin:21-jre\nCOPY app.jar /app.jar\n"
        'ENTRYPOINT ["java", "-Xmx512m", "-jar", "/app.jar"]\n',
    }
    hits = findings(tree, files, "CMP006")
    assert len(hits) == 1
    assert hits[0].location.file == "billing/Dockerfile"
    assert hits[0].data["heap_bytes"] == 512 * 1024**2
