"""XF004 severity follows certainty (issue 10, labelled precision set): service_healthy on a
dependency known to have no healthcheck is an error, on an unknown image a warning; a plain
depends_on is info, except when the dependent logs through the fluentd driver to the
dependency's published port (Docker will not start it until fluentd accepts)."""

from __future__ import annotations

import pytest

from infradoctor.findings import Severity
from infradoctor.model.source import Location
from infradoctor.model.stack import Logging, Port, Service
from infradoctor.rules.cross.XF004_depends_on_service_without_healthcheck import (
    fluentd_address_on,
)
from tests.rules.cross._topology_support import Tree, run

LOG_SERVER = "  log-server:\n    image: acme/log-server:1\n    ports:\n      - '24224:24224'\n"


def _app(logging: str, condition: str | None = None) -> str:
    dep = (
        f"    depends_on:\n      log-server:\n        condition: {condition}\n"
        if condition
        else "    depends_on:\n      - log-server\n"
    )
    return "services:\n  user:\n    image: acme/user:1\n" + logging + dep + LOG_SERVER


FLUENTD = "    logging:\n      driver: fluentd\n"


def test_plain_depends_on_is_info(tree: Tree) -> None:
    [f] = run(tree, {"compose.yml": _app("")}, "XF004")
    assert f.severity == Severity.INFO
    assert "fluentd" not in f.message


def test_fluentd_driver_to_the_published_port_is_a_warning(tree: Tree) -> None:
    [f] = run(tree, {"compose.yml": _app(FLUENTD)}, "XF004")
    assert f.severity == Severity.WARNING
    assert "fluentd driver to localhost:24224" in f.message
    assert "published by 'log-server'" in f.message


def test_fluentd_async_is_info(tree: Tree) -> None:
    logging = FLUENTD + "      options:\n        fluentd-async: 'true'\n"
    [f] = run(tree, {"compose.yml": _app(logging)}, "XF004")
    assert f.severity == Severity.INFO


def test_fluentd_to_another_address_is_info(tree: Tree) -> None:
    logging = FLUENTD + "      options:\n        fluentd-address: logs.example.com:24224\n"
    [f] = run(tree, {"compose.yml": _app(logging)}, "XF004")
    assert f.severity == Severity.INFO


def test_service_healthy_on_a_known_image_is_an_error(tree: Tree) -> None:
    body = (
        "services:\n  api:\n    image: acme/api:1\n    depends_on:\n      db:\n"
        "        condition: service_healthy\n  db:\n    image: postgres:16\n"
    )
    [f] = run(tree, {"compose.yml": body}, "XF004")
    assert f.severity == Severity.ERROR


def test_service_healthy_on_an_unknown_image_is_a_warning(tree: Tree) -> None:
    [f] = run(tree, {"compose.yml": _app("", "service_healthy")}, "XF004")
    assert f.severity == Severity.WARNING
    assert "unknown" in f.message


def test_one_shot_is_info(tree: Tree) -> None:
    body = (
        "services:\n  api:\n    image: acme/api:1\n    depends_on:\n      - migrate\n"
        "  migrate:\n    image: acme/api:1\n    command: ['python', 'manage.py', 'migrate']\n"
    )
    [f] = run(tree, {"compose.yml": body}, "XF004")
    assert f.severity == Severity.INFO
    assert "one-shot" in f.message


def _service(name: str, **kw: object) -> Service:
    loc = Location("compose.yml", 1)
    return Service(name=name, project="p", file="compose.yml", location=loc, **kw)  # type: ignore[arg-type]


def _port(published: int | None, rng: tuple[int, int] | None = None) -> Port:
    return Port(24224, published, rng, None, "tcp", Location("compose.yml", 1), "")


@pytest.mark.parametrize(
    ("address", "ports", "expected"),
    [
        (None, [_port(24224)], "localhost:24224"),
        ("tcp://127.0.0.1:24224", [_port(24224)], "tcp://127.0.0.1:24224"),
        (":24225", [_port(24225)], ":24225"),
        ("localhost:24224", [_port(None, (24220, 24230))], "localhost:24224"),
        ("localhost:24224", [_port(24225)], None),  # not the port the driver uses
        ("localhost:24224", [_port(None)], None),  # random host port
        ("unix:///var/run/fluent.sock", [_port(24224)], None),
        ("fluentd:24224", [_port(24224)], None),  # the daemon cannot resolve a service name
    ],
)
def test_fluentd_address_on(address: str | None, ports: list[Port], expected: str | None) -> None:
    options = {} if address is None else {"fluentd-address": address}
    svc = _service("user", logging=Logging("fluentd", options, None))
    assert fluentd_address_on(svc, _service("log-server", ports=ports)) == expected


def test_other_drivers_are_not_fluentd() -> None:
    target = _service("log-server", ports=[_port(24224)])
    assert fluentd_address_on(_service("user"), target) is None
    svc = _service("user", logging=Logging("json-file", {}, None))
    assert fluentd_address_on(svc, target) is None
