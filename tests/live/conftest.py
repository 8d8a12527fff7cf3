"""Fixtures for the live diagnose tests (real nginx, real dockerd).

Missing prerequisites FAIL the tests with a clear message. On a developer machine
`INFRADOCTOR_LIVE=skip` (or `pytest --live-skip`) turns that into a skip; with CI=true
nothing is ever skipped."""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.live import harness

LOCK_PATH = "/tmp/infradoctor-live.lock"
LOCK_WAIT = 600.0


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--live-skip",
        action="store_true",
        help="skip (instead of fail) live tests whose prerequisites are missing",
    )


def _skip_allowed(config: pytest.Config) -> bool:
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        return False
    return bool(config.getoption("--live-skip")) or os.environ.get("INFRADOCTOR_LIVE") == "skip"


def _unavailable(config: pytest.Config, why: str) -> None:
    msg = f"live diagnose tests need real components: {why}"
    if _skip_allowed(config):
        pytest.skip(msg)
    pytest.fail(
        msg + "\n(run `sudo bash scripts/ci-system-deps.sh` and the tests as root; "
        "INFRADOCTOR_LIVE=skip skips them outside CI)",
        pytrace=False,
    )


@pytest.fixture(scope="session")
def live_lock(pytestconfig: pytest.Config) -> Iterator[None]:
    """One live session per machine at a time: several would fight over bridges/subnets."""
    fh = open(LOCK_PATH, "w")  # noqa: SIM115
    deadline = time.monotonic() + LOCK_WAIT
    while True:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except BlockingIOError:
            if time.monotonic() > deadline:
                _unavailable(pytestconfig, f"another live test session holds {LOCK_PATH}")
            time.sleep(0.5)
    try:
        yield
    finally:
        fcntl.flock(fh, fcntl.LOCK_UN)
        fh.close()


@pytest.fixture(scope="session")
def docker(pytestconfig: pytest.Config, live_lock: None) -> Iterator[harness.Docker]:
    if os.geteuid() != 0:
        _unavailable(pytestconfig, "must run as root (nginx netns reads, dockerd, mounts)")
    try:
        engine = harness.start_engine()
    except harness.HarnessError as exc:
        _unavailable(pytestconfig, str(exc))
    try:
        harness.build_image(engine)
        harness.create_network(engine)
        yield engine
    finally:
        harness.stop_engine(engine)


@pytest.fixture
def nginx_factory(pytestconfig: pytest.Config, tmp_path: Path) -> Iterator[object]:
    """make(server_body, http_extra="") -> started harness.Nginx; all stopped at the end."""
    started: list[harness.Nginx] = []

    def make(server_body: str, http_extra: str = "", start: bool = True) -> harness.Nginx:
        try:
            ng = harness.make_nginx(tmp_path / f"nginx{len(started)}", server_body, http_extra)
            started.append(ng)
            if start:
                ng.start()
        except harness.HarnessError as exc:
            _unavailable(pytestconfig, str(exc))
        return ng

    yield make
    for ng in started:
        ng.stop()
