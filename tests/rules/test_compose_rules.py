"""Judgement of the single-file Compose rules (CMP001-CMP009) on small stacks: what is a
one-shot job, which log settings are bounded, how JVM heaps compare to limits, ..."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

from infradoctor.config import LintConfig
from infradoctor.engine import lint
from infradoctor.findings import Finding, Severity
from infradoctor.rules.compose._util import parse_size
from infradoctor.rules.compose.CMP008_healthcheck_timing_invalid import parse_duration

Tree = Callable[..., Path]


def findings(tree: Tree, files: Mapping[str, str], code: str) -> list[Finding]:
    result = lint(
        tree(files), LintConfig(select=[code], report_unused_suppressions=False), with_fixes=False
    )
    assert not [e for e in result.errors if e.kind == "internal"], result.errors
    return [f for f in result.findings if f.rule == code]


def compose(body: str) -> dict[str, str]:
    return {"docker-compose.yml": "services:\n" + body}


# ---------------------------------------------------------------- CMP001


@pytest.mark.parametrize(
    "body",
    [
        '  api:\n    image: acme/api:1\n    restart: "no"\n',
        "  api:\n    image: acme/api:1\n    deploy:\n      restart_policy:\n        condition: any\n",
        "  migrate:\n    image: acme/api:1\n    command: python manage.py migrate --noinput\n",
        '  x:\n    image: acme/api:1\n    command: ["alembic", "upgrade", "head"]\n',
        "  assets:\n    image: node:20\n    command: npm run build\n",
        "  shell:\n    image: acme/api:1\n    profiles: [tools]\n",
        "  db-init:\n    image: postgres:16\n",
        "  createbuckets:\n    image: minio/mc:RELEASE.2024-01-01T00-00-00Z\n",
        "  seed:\n    image: acme/api:1\n",
    ],
)
def test_cmp001_one_shot_jobs_are_not_flagged(tree: Tree, body: str) -> None:
    assert findings(tree, compose(body), "CMP001") == []


def test_cmp001_waited_for_completion_is_one_shot(tree: Tree) -> None:
    files = compose(
        "  api:\n    image: acme/api:1\n    restart: always\n    depends_on:\n"
        "      prepare-data:\n        condition: service_completed_successfully\n"
        "  exporter:\n    image: acme/tools:1\n"
        "  prepare-data:\n    image: acme/tools:1\n"
    )
    hits = findings(tree, files, "CMP001")
    assert [f.data["service"] for f in hits] == ["exporter"]


def test_cmp001_migrate_then_serve_is_long_running(tree: Tree) -> None:
    files = compose(
        "  web:\n    image: acme/api:1\n"
        '    command: sh -c "python manage.py migrate && gunicorn app.wsgi -b 0.0.0.0:8000"\n'
    )
    hits = findings(tree, files, "CMP001")
    assert len(hits) == 1
    f = hits[0]
    assert f.severity is Severity.WARNING
    assert f.data == {"service": "web", "project": f.data["project"]}
    assert (f.location.file, f.location.line) == ("docker-compose.yml", 2)


def test_cmp001_override_fragment_is_not_judged(tree: Tree) -> None:
    files = {
        "overrides/compose.https.yaml": "services:\n  frontend:\n    labels:\n"
        "      - traefik.enable=true\n"
    }
    assert findings(tree, files, "CMP001") == []


# ---------------------------------------------------------------- CMP002


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


# ---------------------------------------------------------------- CMP003 / CMP004


def test_cmp003_suggests_close_name_and_respects_required_false(tree: Tree) -> None:
    files = compose(
        "  api:\n    image: acme/api:1\n    depends_on:\n      postgress:\n"
        "        condition: service_started\n      cache:\n        condition: service_started\n"
        "        required: false\n  postgres:\n    image: postgres:16\n"
    )
    hits = findings(tree, files, "CMP003")
    assert len(hits) == 1
    assert "did you mean 'postgres'" in hits[0].message
    assert hits[0].location.line == 5


def test_cmp004_scale_key_counts(tree: Tree) -> None:
    files = compose("  api:\n    image: acme/api:1\n    container_name: api\n    scale: 2\n")
    hits = findings(tree, files, "CMP004")
    assert len(hits) == 1 and hits[0].location.line == 4


# ---------------------------------------------------------------- CMP005 / CMP006


def test_cmp005_deploy_limit_counts(tree: Tree) -> None:
    files = compose(
        "  api:\n    image: acme/api:1\n    deploy:\n      resources:\n"
        "        limits:\n          memory: 256M\n  worker:\n    image: acme/w:1\n"
    )
    assert [f.data["service"] for f in findings(tree, files, "CMP005")] == ["worker"]


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


def test_size_parsing() -> None:
    assert parse_size("512m") == 512 * 1024**2
    assert parse_size("1.5GB") == int(1.5 * 1024**3)
    assert parse_size("1g") == 1024**3
    assert parse_size(268435456) == 268435456
    assert parse_size("lots") is None


# ---------------------------------------------------------------- CMP007


def test_cmp007_conflicts_and_non_conflicts(tree: Tree) -> None:
    files = compose(
        '  a:\n    image: acme/a:1\n    ports:\n      - "8080:80"\n      - "53:53/udp"\n'
        '      - "10.0.0.1:9000:9000"\n      - "3000-3005:3000-3005"\n'
        '  b:\n    image: acme/b:1\n    ports:\n      - "53:53/tcp"\n'
        '      - "10.0.0.2:9000:9000"\n      - "3003:3000"\n'
        '  dev:\n    image: acme/a:1\n    profiles: [dev]\n    ports:\n      - "8080:80"\n'
        '  prod:\n    image: acme/a:1\n    profiles: [prod]\n    ports:\n      - "8081:80"\n'
    )
    hits = findings(tree, files, "CMP007")
    assert sorted((f.data["service"], f.data["port"]) for f in hits) == [("b", 3003), ("dev", 8080)]


def test_cmp007_disjoint_profiles_do_not_conflict(tree: Tree) -> None:
    files = compose(
        '  dev:\n    image: acme/a:1\n    profiles: [dev]\n    ports: ["80:80"]\n'
        '  prod:\n    image: acme/a:1\n    profiles: [prod]\n    ports: ["80:80"]\n'
    )
    assert findings(tree, files, "CMP007") == []


# ---------------------------------------------------------------- CMP008


def test_duration_parsing() -> None:
    assert parse_duration("1m30s") == 90
    assert parse_duration("500ms") == 0.5
    assert parse_duration("0") == 0
    assert parse_duration("30") is None
    assert parse_duration("10sec") is None
    assert parse_duration("") is None


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


# ---------------------------------------------------------------- CMP009


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


def test_cmp007_included_catalogue_components_are_alternatives(tree: Tree) -> None:
    files = {
        "docker-compose.yml": "include:\n  - nginx/compose.yml\n  - apache2/compose.yml\n"
        'services:\n  php:\n    image: php:8.3-fpm\n    ports: ["9000:9000"]\n',
        "nginx/compose.yml": 'services:\n  nginx:\n    image: nginx:1.27\n    ports: ["80:80"]\n',
        "apache2/compose.yml": "services:\n  apache2:\n    image: httpd:2.4\n"
        '    ports: ["80:80", "9000:9000"]\n',
    }
    hits = findings(tree, files, "CMP007")
    assert [({f.data["service"], f.data["other_service"]}, f.data["port"]) for f in hits] == [
        ({"php", "apache2"}, 9000)
    ]
