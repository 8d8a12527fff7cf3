"""DKR005 healthcheck-tool-missing: its tests, gathered from the rule test modules by rule code."""

from __future__ import annotations

import pytest

from tests.rules.dockerfile.test_dockerfile_helpers import Tree, dockerfile, findings


@pytest.mark.parametrize(
    ("text", "hit"),
    [
        ("FROM node:20-alpine\nHEALTHCHECK CMD curl -f http://localhost:3000/ || exit 1\n", True),
        (
            "FROM node:20-alpine\nHEALTHCHECK CMD wget -qO- http://localhost:3000/ || exit 1\n",
            False,
        ),
        (
            "FROM node:20-alpine\nRUN apk add --no-cache curl\n"
            "HEALTHCHECK CMD curl -f http://localhost:3000/\n",
            False,
        ),
        (
            "FROM python:3.12-slim AS base\nRUN apt-get update && apt-get install -y curl\n"
            'FROM base\nHEALTHCHECK CMD ["curl", "-f", "http://localhost/"]\n',
            False,
        ),
        ("FROM gcr.io/distroless/python3-debian12\nHEALTHCHECK CMD python -c 'print(1)'\n", True),
        (
            "FROM gcr.io/distroless/python3-debian12\n"
            'HEALTHCHECK CMD ["/usr/bin/python3", "/health.py"]\n',
            False,
        ),
        ("FROM nginx:1.27\nHEALTHCHECK CMD curl -f http://localhost/\n", False),
        (
            "FROM ubuntu:24.04\nRUN ./scripts/setup/install --all\n"
            "HEALTHCHECK CMD curl -f http://localhost/\n",
            False,
        ),
    ],
)
def test_dkr005_dockerfile(tree: Tree, text: str, hit: bool) -> None:
    assert bool(findings(tree, dockerfile(text), "DKR005")) is hit


def test_dkr005_compose_check_on_built_slim_image(tree: Tree) -> None:
    files = {
        "docker-compose.yml": (
            "services:\n  api:\n    build: ./app\n    healthcheck:\n"
            '      test: ["CMD", "wget", "-qO-", "http://localhost:8000/health"]\n'
        ),
        "app/Dockerfile": "FROM rust:1.80 AS build\nRUN cargo build\n"
        "FROM debian:bookworm-slim\nCOPY --from=build /app /app\n",
    }
    hits = findings(tree, files, "DKR005")
    assert len(hits) == 1
    assert hits[0].location.file == "docker-compose.yml" and hits[0].data["missing"] == ["wget"]
