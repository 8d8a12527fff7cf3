"""DKR007 dockerfile-healthcheck-missing: its tests, gathered from the rule test modules by rule code."""

from __future__ import annotations

from infradoctor.findings import Severity
from tests.rules.dockerfile.test_dockerfile_helpers import Tree, findings


def test_dkr007_only_for_unhealthchecked_unproxied_services(tree: Tree) -> None:
    worker = 'FROM python:3.12-slim\nCMD ["python", "-m", "worker"]\n'
    files = {
        "docker-compose.yml": (
            "services:\n"
            "  worker:\n    build: ./worker\n"
            "  checked:\n    build: ./checked\n    healthcheck:\n"
            '      test: ["CMD", "python", "-c", "1"]\n'
            "  db:\n    build: ./db\n"
            "  api:\n    image: acme/api:1\n    depends_on: [db]\n"
            "  migrate:\n    build: ./migrate\n    command: alembic upgrade head\n"
        ),
        "worker/Dockerfile": worker,
        "checked/Dockerfile": worker,
        "db/Dockerfile": "FROM postgres:16\n",
        "migrate/Dockerfile": worker,
        "lonely/Dockerfile": worker,  # not run by compose: HEALTHCHECK would mean nothing
    }
    hits = findings(tree, files, "DKR007")
    assert [(f.location.file, f.data["services"]) for f in hits] == [
        ("worker/Dockerfile", ["worker"])
    ]
    assert hits[0].severity is Severity.INFO


def test_dkr007_proxied_service_is_left_to_xf011(tree: Tree) -> None:
    files = {
        "docker-compose.yml": (
            "services:\n"
            "  api:\n    build: ./api\n"
            '  nginx:\n    image: nginx:1.27\n    ports: ["80:80"]\n    volumes:\n'
            "      - ./nginx/default.conf:/etc/nginx/conf.d/default.conf:ro\n"
        ),
        "api/Dockerfile": "FROM python:3.12-slim\n"
        'CMD ["uvicorn", "main:app", "--host", "0.0.0.0"]\n',
        "nginx/default.conf": "server {\n  listen 80;\n  location / {\n"
        "    proxy_pass http://api:8000;\n  }\n}\n",
    }
    assert findings(tree, files, "DKR007") == []
