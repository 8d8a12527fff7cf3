"""SEC001 container-runs-as-root: its tests, gathered from the rule test modules by rule code."""

from __future__ import annotations

from infradoctor.findings import Severity
from tests.rules.security.test_security_helpers import Tree, compose, findings


def test_sec001_image_judgement(tree: Tree) -> None:
    files = compose(
        "  db:\n    image: postgres:16\n"
        "  cache:\n    image: bitnami/redis:7.2\n"
        "  grafana:\n    image: grafana/grafana:11.1.0\n"
        "  web:\n    image: nginxinc/nginx-unprivileged:1.27\n"
        "  api:\n    image: ghcr.io/acme/api:1.0\n"
        '  worker:\n    image: ghcr.io/acme/api:1.0\n    user: "1000:1000"\n'
        '  tool:\n    image: postgres:16\n    user: "0:0"\n'
    )
    hits = findings(tree, files, "SEC001")
    assert sorted(f.data["service"] for f in hits) == ["api", "tool"]
    tool = next(f for f in hits if f.data["service"] == "tool")
    assert tool.location.line == 17  # the `user:` line
    assert all(f.severity is Severity.INFO for f in hits)


def test_sec001_built_services_are_left_to_dkr001(tree: Tree) -> None:
    files = {
        "docker-compose.yml": "services:\n  api:\n    build: ./api\n",
        "api/Dockerfile": 'FROM python:3.12-slim\nCMD ["python", "-m", "api"]\n',
    }
    assert findings(tree, files, "SEC001") == []
