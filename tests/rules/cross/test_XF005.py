"""XF005 depends-on-without-healthy-condition: its tests, gathered from the rule test modules by rule code."""

from __future__ import annotations

from tests.rules.cross._topology_support import Tree, codes, run


def test_dockerfile_healthcheck_counts(tree: Tree) -> None:
    compose = """\
services:
  api:
    image: example/api:1
    depends_on: [worker]
  worker:
    build: ./worker
"""
    files = {
        "docker-compose.yml": compose,
        "worker/Dockerfile": "FROM python:3.12-slim\nHEALTHCHECK CMD python -c 'print(1)'\n",
    }
    assert codes(run(tree, files, "XF00")) == ["XF005"]
