"""Session fixtures: real PostgreSQL, Redis and RabbitMQ on loopback.

A missing component FAILS the test (CI installs them with scripts/ci-system-deps.sh);
outside CI, INFRADOCTOR_REAL_SERVERS=skip turns that into a skip."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.wait import servers


def unavailable(why: str) -> None:
    msg = f"needs a real server: {why}"
    in_ci = os.environ.get("CI", "").lower() in ("1", "true", "yes")
    if not in_ci and os.environ.get("INFRADOCTOR_REAL_SERVERS") == "skip":
        pytest.skip(msg)
    pytest.fail(
        msg + "\n(run `sudo bash scripts/ci-system-deps.sh`; outside CI "
        "INFRADOCTOR_REAL_SERVERS=skip skips these tests)",
        pytrace=False,
    )


@pytest.fixture(scope="session")
def postgres() -> Iterator[servers.Postgres]:
    workdir = servers.make_tempdir("infradoctor-pg-")
    proc = None
    try:
        try:
            pg, proc, _user = servers.start_postgres(workdir)
        except servers.Unavailable as exc:
            unavailable(str(exc))
        yield pg
    finally:
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
        shutil.rmtree(workdir, ignore_errors=True)


@dataclass
class Redis:
    port: int
    password: str


@pytest.fixture(scope="session")
def redis() -> Iterator[Redis]:
    workdir = servers.make_tempdir("infradoctor-redis-")
    proc = None
    try:
        try:
            port, proc = servers.start_redis(workdir, "redis-secret")
        except servers.Unavailable as exc:
            unavailable(str(exc))
        yield Redis(port, "redis-secret")
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=20)
        shutil.rmtree(workdir, ignore_errors=True)


@dataclass
class Rabbit:
    port: int
    launched: float  # time.monotonic() at launch
    log: Path


@pytest.fixture(scope="session")
def rabbitmq() -> Iterator[Rabbit]:
    """Launched, not waited for: the first test measures `wait` against its start-up."""
    workdir = servers.make_tempdir("infradoctor-rabbit-")
    proc = None
    epmd = None
    try:
        try:
            launched = time.monotonic()
            port, epmd, proc = servers.start_rabbitmq(workdir)
        except servers.Unavailable as exc:
            unavailable(str(exc))
        yield Rabbit(port, launched, workdir / "rabbitmq.out")
    finally:
        if proc is not None:
            servers.stop_group(proc)
        if epmd is not None:
            servers.stop_epmd(epmd)
        shutil.rmtree(workdir, ignore_errors=True)
