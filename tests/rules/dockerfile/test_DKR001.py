"""DKR001 dockerfile-runs-as-root: its tests, gathered from the rule test modules by rule code."""

from __future__ import annotations

from tests.rules.dockerfile.test_dockerfile_helpers import Tree, dockerfile, findings


def test_dkr001_user_root_at_end(tree: Tree) -> None:
    hits = findings(
        tree,
        dockerfile('FROM python:3.12-slim\nUSER app\nRUN echo hi\nUSER root\nCMD ["python"]\n'),
        "DKR001",
    )
    assert len(hits) == 1 and hits[0].location.line == 4
    assert hits[0].data == {"dockerfile": "app/Dockerfile"}


def test_dkr001_user_inherited_through_stage_chain(tree: Tree) -> None:
    text = (
        "FROM node:20-slim AS base\nRUN useradd -u 10001 app\nUSER app\n"
        'FROM base AS prod\nCOPY . /app\nCMD ["node", "/app/server.js"]\n'
    )
    assert findings(tree, dockerfile(text), "DKR001") == []


def test_dkr001_compose_user_covers_it(tree: Tree) -> None:
    files = {
        "docker-compose.yml": 'services:\n  api:\n    build: ./app\n    user: "10001"\n',
        "app/Dockerfile": 'FROM python:3.12-slim\nCMD ["python", "-m", "api"]\n',
    }
    assert findings(tree, files, "DKR001") == []
    files["docker-compose.yml"] += "  worker:\n    build: ./app\n"
    assert len(findings(tree, files, "DKR001")) == 1


def test_dkr001_scratch_runs_as_root(tree: Tree) -> None:
    text = "FROM golang:1.22 AS b\nRUN go build -o /x .\nFROM scratch\nCOPY --from=b /x /x\n"
    hits = findings(tree, dockerfile(text), "DKR001")
    assert len(hits) == 1 and hits[0].location.line == 3
