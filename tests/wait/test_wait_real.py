"""`infradoctor wait` against real servers on loopback (PostgreSQL, Redis, RabbitMQ,
HTTP) and a replayed Kafka broker answer; failures (closed port, missing database, wrong
password) end cleanly within the timeout."""

from __future__ import annotations

import json
import socket
import time

import pytest

from infradoctor.cli.main import main
from infradoctor.wait.targets import parse_target
from tests.wait import servers
from tests.wait.conftest import Rabbit, Redis

TIMINGS: dict[str, float] = {}


def run_wait(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict, str, float]:
    start = time.monotonic()
    code = main(["wait", "--format", "json", *args])
    elapsed = time.monotonic() - start
    out = capsys.readouterr()
    return code, json.loads(out.out), out.err, elapsed


# ---------------------------------------------------------------- PostgreSQL


def test_postgres_scram_ready(postgres: servers.Postgres, capsys) -> None:
    code, report, err, elapsed = run_wait(capsys, postgres.url(), "--timeout", "10")
    assert code == 0, err
    (t,) = report["targets"]
    assert t["ready"] and "SELECT 1 -> 1" in t["message"] and "PostgreSQL" in t["message"]
    assert postgres.password not in json.dumps(report)
    TIMINGS["postgres"] = elapsed


def test_postgres_md5_and_cleartext(postgres: servers.Postgres) -> None:
    for user, password in (
        (postgres.md5_user, postgres.md5_password),
        (postgres.clear_user, postgres.clear_password),
    ):
        t = parse_target(postgres.url(user, password, "postgres"))
        res = t.probe(5)
        assert res.ok, (user, res.message)


def test_postgres_missing_database_fails_cleanly(postgres: servers.Postgres, capsys) -> None:
    code, report, err, elapsed = run_wait(
        capsys, postgres.url(db="nosuchdb"), "--timeout", "2", "--interval", "0.2"
    )
    assert code == 1
    (t,) = report["targets"]
    assert t["state"] == "timed out" and t["attempts"] >= 2
    assert 'database "nosuchdb" does not exist' in t["message"] and "3D000" in t["message"]
    assert "nosuchdb" in err and "not ready" in err
    assert elapsed < 4


def test_postgres_wrong_password(postgres: servers.Postgres) -> None:
    res = parse_target(postgres.url(password="wrong")).probe(5)
    assert not res.ok and "password authentication failed" in res.message
    assert "wrong" not in res.message


# ---------------------------------------------------------------- Redis


def test_redis_auth_ping(redis: Redis, capsys) -> None:
    url = f"redis://:{redis.password}@127.0.0.1:{redis.port}/0"
    code, report, err, elapsed = run_wait(capsys, url, "--timeout", "10")
    assert code == 0, err
    assert report["targets"][0]["message"] == "PONG"
    assert redis.password not in json.dumps(report)
    TIMINGS["redis"] = elapsed


def test_redis_without_or_wrong_password_not_ready(redis: Redis) -> None:
    res = parse_target(f"redis://127.0.0.1:{redis.port}").probe(3)
    assert not res.ok and res.message.startswith("NOAUTH")
    res = parse_target(f"redis://:nope@127.0.0.1:{redis.port}").probe(3)
    assert not res.ok and "AUTH" in res.message


# ---------------------------------------------------------------- RabbitMQ


def test_rabbitmq_becomes_ready(rabbitmq: Rabbit, capsys) -> None:
    """Started by the fixture moments ago: `wait` blocks through its start-up."""
    code, report, err, elapsed = run_wait(
        capsys, f"amqp://127.0.0.1:{rabbitmq.port}", "--timeout", "90", "--max-interval", "1"
    )
    if code != 0:
        log = rabbitmq.log.read_text(errors="replace")[-2000:] if rabbitmq.log.exists() else ""
        pytest.fail(f"RabbitMQ not ready: {report}\n{err}\n{log}")
    msg = report["targets"][0]["message"]
    assert "Connection.Start (AMQP 0-9" in msg and "RabbitMQ" in msg
    TIMINGS["amqp (incl. broker start-up)"] = time.monotonic() - rabbitmq.launched
    start = time.monotonic()
    assert main(["wait", "-q", f"amqp://127.0.0.1:{rabbitmq.port}"]) == 0
    TIMINGS["amqp (running)"] = time.monotonic() - start


# ---------------------------------------------------------------- HTTP


def test_http_turns_healthy_after_delay(capsys) -> None:
    srv = servers.start_http(healthy_after=1.5)
    try:
        port = srv.server_address[1]
        code, report, err, elapsed = run_wait(
            capsys,
            f"http://127.0.0.1:{port}/healthz",
            "--timeout",
            "15",
            "--interval",
            "0.2",
            "--expect-body",
            "ok",
        )
        assert code == 0, err
        t = report["targets"][0]
        assert t["attempts"] >= 2 and t["message"] == "HTTP 200"
        assert 1.4 <= elapsed < 8
        TIMINGS["http (healthy after 1.5s)"] = elapsed
    finally:
        srv.shutdown()


def test_http_expect_body_mismatch_and_5xx(capsys) -> None:
    srv = servers.start_http(routes={"/bad": (502, b"bad gateway"), "/r": (302, b"")})
    try:
        port = srv.server_address[1]
        res = parse_target(f"http://127.0.0.1:{port}/health", expect_body="READY").probe(2)
        assert not res.ok and "lacks 'READY'" in res.message
        res = parse_target(f"http://127.0.0.1:{port}/bad").probe(2)
        assert not res.ok and res.message.startswith("HTTP 502")
        assert parse_target(f"http://127.0.0.1:{port}/r").probe(2).ok  # 3xx counts
    finally:
        srv.shutdown()


def test_schema_registry_subjects(capsys) -> None:
    srv = servers.start_http(routes={"/subjects": (200, b'["V1_BETS-value"]')})
    try:
        port = srv.server_address[1]
        code, report, err, _ = run_wait(capsys, f"schema-registry+http://127.0.0.1:{port}")
        assert code == 0, err
        assert report["targets"][0]["message"] == "1 subject"
    finally:
        srv.shutdown()


# ---------------------------------------------------------------- Kafka (replayed answer)


def test_kafka_api_versions_against_recorded_answer(capsys) -> None:
    port, srv = servers.start_fake_kafka()
    try:
        code, report, err, elapsed = run_wait(capsys, f"kafka://127.0.0.1:{port}")
        assert code == 0, err
        assert report["targets"][0]["message"] == "ApiVersions: 5 APIs, Produce up to v9"
        TIMINGS["kafka (recorded answer)"] = elapsed
    finally:
        srv.shutdown()


def test_kafka_probe_on_non_kafka_port(capsys) -> None:
    srv = servers.start_http()
    try:
        res = parse_target(f"kafka://127.0.0.1:{srv.server_address[1]}").probe(2)
        assert not res.ok
    finally:
        srv.shutdown()


# ---------------------------------------------------------------- failures


def test_closed_port_times_out_cleanly(capsys) -> None:
    port = servers.free_port()  # nothing listens there
    code, report, err, elapsed = run_wait(
        capsys, f"tcp://127.0.0.1:{port}", f"postgres://u:p@127.0.0.1:{port}/db", "--timeout", "1.5"
    )
    assert code == 1
    assert all(t["message"] == "connection refused" for t in report["targets"])
    assert elapsed < 3
    assert err.count("not ready after") == 2


def test_blackhole_attempt_is_bounded_by_timeout(capsys) -> None:
    """A server that accepts but never answers: the attempt ends at the deadline."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(5)
        port = s.getsockname()[1]
        code, report, err, elapsed = run_wait(capsys, f"redis://127.0.0.1:{port}", "--timeout", "1")
    assert code == 1 and elapsed < 2.5
    assert "timed out" in report["targets"][0]["message"]


def test_usage_errors(capsys) -> None:
    assert main(["wait"]) == 2
    assert main(["wait", "ftp://x"]) == 2
    assert main(["wait", "localhost:80"]) == 2
    assert main(["wait", "tcp://localhost"]) == 2
    assert main(["wait", "--timeout", "0", "tcp://localhost:1"]) == 2
    assert main(["wait", "kube://pod/x"]) == 2


def test_zz_report_timings() -> None:
    """Prints the measured timings (pytest -s) for the docs/report."""
    for name, secs in TIMINGS.items():
        print(f"wait timing: {name}: {secs:.3f}s")
