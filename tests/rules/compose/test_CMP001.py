"""CMP001 restart-policy-missing: its tests, gathered from the rule test modules by rule code."""

from __future__ import annotations

import pytest

from infradoctor.findings import Severity
from tests.rules.compose.test_compose_helpers import Tree, compose, findings


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
