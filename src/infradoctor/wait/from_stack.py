"""`wait --from PATH`: readiness targets for the services of a compose stack, reached
through their published ports on loopback.

A service becomes a target when it publishes a port and either has a healthcheck or speaks
a protocol we know (by container port or image name): Postgres (credentials from
POSTGRES_USER/POSTGRES_PASSWORD/POSTGRES_DB), Redis, Kafka, RabbitMQ, Schema Registry, or
HTTP when its healthcheck calls a URL; anything else with a healthcheck is a TCP target."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from infradoctor.model.stack import Port, Service, Stack
from infradoctor.wait.targets import Target, parse_target

PROTOCOL_PORTS = {
    5432: "postgres",
    6379: "redis",
    9092: "kafka",
    29092: "kafka",
    19092: "kafka",
    5672: "amqp",
    8081: "schema-registry+http",
}
IMAGE_HINTS = (
    ("schema-registry", "schema-registry+http"),
    ("postgis", "postgres"),
    ("postgres", "postgres"),
    ("timescale", "postgres"),
    ("citus", "postgres"),
    ("redis", "redis"),
    ("valkey", "redis"),
    ("keydb", "redis"),
    ("redpanda", "kafka"),
    ("kafka", "kafka"),
    ("rabbitmq", "amqp"),
)
HEALTH_URL = re.compile(
    r"https?://(?:localhost|127\.0\.0\.1|0\.0\.0\.0|\[::1\])(?::(\d+))?(/[^\s'\"]*)?"
)


@dataclass(slots=True)
class Skipped:
    service: str
    reason: str


def _published(svc: Service, container_port: int | None = None) -> Port | None:
    for p in svc.ports:
        if p.protocol != "tcp" or p.published is None:
            continue
        if container_port is None or p.target == container_port:
            return p
    return None


def _host_for(port: Port) -> str:
    ip = port.host_ip
    if ip in (None, "", "0.0.0.0", "::", "[::]"):
        return "127.0.0.1"
    return ip.strip("[]")


def _env(svc: Service, name: str) -> str | None:
    var = svc.environment.get(name)
    return var.value if var is not None and var.value else None


def _protocol(svc: Service, port: Port) -> str | None:
    image = svc.image_name
    for hint, scheme in IMAGE_HINTS:
        if hint in image:
            # a Kafka or Redpanda image publishes several ports: only the broker ones
            if scheme == "kafka" and port.target not in PROTOCOL_PORTS:
                continue
            if scheme == "amqp" and port.target != 5672:
                continue
            return scheme
    return PROTOCOL_PORTS.get(port.target or -1)


def targets_from_stack(stack: Stack) -> tuple[list[Target], list[Skipped]]:
    targets: list[Target] = []
    skipped: list[Skipped] = []
    for svc in stack.services:
        health = svc.effective_healthcheck
        chosen: tuple[str, Port] | None = None
        for port in svc.ports:
            if port.published is None or port.protocol != "tcp":
                continue
            scheme = _protocol(svc, port)
            if scheme:
                chosen = (scheme, port)
                break
        if chosen is None and health is not None:
            m = HEALTH_URL.search(health.command_text)
            if m:
                cport = int(m.group(1)) if m.group(1) else 80
                port_or_none = _published(svc, cport)
                if port_or_none is not None:
                    host = _host_for(port_or_none)
                    path = m.group(2) or "/"
                    t = parse_target(f"http://{host}:{port_or_none.published}{path}")
                    t.label = svc.name
                    targets.append(t)
                    continue
            any_port = _published(svc)
            if any_port is not None:
                chosen = ("tcp", any_port)
        if chosen is None:
            if health is not None or any(p.target in PROTOCOL_PORTS for p in svc.ports):
                skipped.append(Skipped(svc.name, "no published TCP port"))
            continue
        scheme, port = chosen
        host = _host_for(port)
        auth, path = "", ""
        if scheme == "postgres":
            user = _env(svc, "POSTGRES_USER") or "postgres"
            password = _env(svc, "POSTGRES_PASSWORD")
            auth = quote(user, safe="") + (":" + quote(password, safe="") if password else "")
            auth += "@"
            path = "/" + quote(_env(svc, "POSTGRES_DB") or user, safe="")
        elif scheme == "redis":
            password = _env(svc, "REDIS_PASSWORD")
            if password:
                auth = ":" + quote(password, safe="") + "@"
        elif scheme == "amqp":
            pass  # the protocol header handshake needs no credentials
        t = parse_target(f"{scheme}://{auth}{host}:{port.published}{path}")
        t.label = svc.name
        targets.append(t)
    return targets, skipped


def load_targets(path: Path) -> tuple[list[Target], list[Skipped], list[str]]:
    """(targets, skipped services, load errors) for the stack under `path`."""
    from infradoctor.loaders import load_stack

    stack = load_stack(path)
    errors = [f"{e.file}: {e.message}" for e in stack.errors]
    targets, skipped = targets_from_stack(stack)
    return targets, skipped, errors
