"""XF004 depends-on-service-without-healthcheck: its tests, gathered from the rule test modules by rule code."""

from __future__ import annotations

import pytest

from infradoctor.findings import Severity
from tests.rules.cross._topology_support import Tree as Tree_cross_topology
from tests.rules.cross._topology_support import run
from tests.rules.cross.test_cross_commands import (
    MIGRATE,
    REDPANDA,
    WAIT_FOR,
    Tree,
    findings,
)


@pytest.mark.parametrize(
    ("compose", "one_shot"),
    [
        (REDPANDA, False),
        (WAIT_FOR, False),
        (MIGRATE, True),
    ],
)
def test_xf004_recommends_completion_only_for_real_jobs(
    tree: Tree, compose: str, one_shot: bool
) -> None:
    found = findings(
        tree, {"docker-compose.yml": compose, "Dockerfile": "FROM python:3\n"}, "XF004"
    )
    assert len(found) == 1
    assert found[0].data["one_shot"] is one_shot
    assert ("service_completed_successfully" in found[0].message) is one_shot


def test_depends_on_healthy_without_healthcheck_is_an_error(tree: Tree_cross_topology) -> None:
    compose = """\
services:
  api:
    image: example/api:1
    depends_on:
      db:
        condition: service_healthy
  db:
    image: postgres:16
"""
    [f] = run(tree, {"docker-compose.yml": compose}, "XF004")
    assert f.severity == Severity.ERROR
    assert f.data == {
        "project": f.data["project"],
        "service": "api",
        "target_service": "db",
        "condition": "service_healthy",
        "one_shot": False,
    }


def test_depends_on_one_shot_job_suggests_completed_condition(tree: Tree_cross_topology) -> None:
    compose = """\
services:
  api:
    image: example/api:1
    depends_on: [migrate, data]
  migrate:
    image: example/api:1
    command: alembic upgrade head
  data:
    image: busybox:1.36
    volumes: [shared:/data]
volumes:
  shared:
"""
    [f] = run(tree, {"docker-compose.yml": compose}, "XF004")
    assert "service_completed_successfully" in f.message and f.data["one_shot"]
