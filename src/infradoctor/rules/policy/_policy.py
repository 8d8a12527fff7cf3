"""Shared by the POL rules: the policy in effect (given by the engine from the config
file, or found at the scanned root), service classes, and the policy citation."""

from __future__ import annotations

import fnmatch
from pathlib import Path
from typing import TYPE_CHECKING, Any

from infradoctor.lazyre import lazy
from infradoctor.model.source import Location
from infradoctor.model.stack import Service, Stack
from infradoctor.rules.profiles._profiles import admin_ui, image_repo

if TYPE_CHECKING:  # imported when a policy is in effect: most lints have none
    from infradoctor.policy import Policy, PolicyRef

_JVM_IMAGE = lazy(
    r"^(openjdk|(eclipse-)?temurin|(amazon)?corretto|zulu[\w-]*|liberica[\w-]*|graalvm[\w-]*|"
    r"[\w-]*jdk[\w-]*|[\w-]*jre|java|tomcat|jetty|wildfly|jboss[\w-]*|keycloak|"
    r"spring[\w-]*|elasticsearch|opensearch|logstash|sonarqube|nexus3?|jenkins|cassandra|"
    r"neo4j|(cp-)?kafka|(cp-)?zookeeper|confluence|jira[\w-]*)$"
)
_JVM_ENV = (
    "JAVA_OPTS",
    "JAVA_TOOL_OPTIONS",
    "JDK_JAVA_OPTIONS",
    "CATALINA_OPTS",
    "JVM_OPTS",
    "ES_JAVA_OPTS",
    "KAFKA_HEAP_OPTS",
)
_OBS_IMAGE = lazy(
    r"^(promtail|node-exporter|otel|opentelemetry-collector|fluent-bit|fluentd|vector|"
    r"blackbox-exporter|pushgateway|victoria-metrics|vmagent|alloy|grafana-agent)"
)
_DB_IMAGE = lazy(
    r"^(postgres|postgis|timescaledb|mysql|mariadb|percona|mongo|redis|valkey|keydb|"
    r"clickhouse|cassandra|scylla|couchdb|cockroach|influxdb|neo4j|memcached)"
)


def service_classes(svc: Service) -> set[str]:
    out = {"any"}
    image = svc.image_name
    repo = image_repo(image).split(":", 1)[0]
    base = ""
    if svc.dockerfile is not None and svc.dockerfile.final is not None:
        base = image_repo(svc.dockerfile.final.base_image.lower()).split(":", 1)[0]
    if (
        _JVM_IMAGE.match(repo)
        or (base and _JVM_IMAGE.match(base))
        or any(name in svc.environment for name in _JVM_ENV)
    ):
        out.add("jvm")
    else:
        command = svc.command if isinstance(svc.command, str) else " ".join(svc.command or [])
        if "-Xmx" in command or command.strip().startswith("java "):
            out.add("jvm")
    if _DB_IMAGE.match(repo):
        out.add("database")
    elif admin_ui(svc) is not None or _OBS_IMAGE.match(repo):
        out.add("observability")
    return out


def policy_of(options: dict[str, Any], stack: Stack) -> Policy | None:
    """The policy the engine passed, else the one in the config at the scanned root."""
    policy = options.get("policy")
    if policy is not None:
        from infradoctor.policy import Policy

        if isinstance(policy, Policy):
            return None if policy.empty else policy
    from infradoctor.config import find_config

    found = find_config(stack.root)
    if found is None:
        return None
    path, table = found
    if not isinstance(table, dict) or "policy" not in table:
        return None
    from infradoctor.policy import PolicyError, parse_policy

    try:
        parsed = parse_policy(table["policy"], path)
    except PolicyError:
        return None  # the CLI reports it as a configuration error
    return None if parsed.empty else parsed


def citation(stack: Stack, ref: PolicyRef) -> Location:
    path = Path(ref.file)
    try:
        rel = path.resolve().relative_to(stack.root.resolve()).as_posix()
    except ValueError:
        rel = str(path)
    return Location(rel, ref.line)


def cite(stack: Stack, ref: PolicyRef) -> str:
    loc = citation(stack, ref)
    return f"{loc.file}:{loc.line}"


def matches(svc: Service, service_class: str | None, glob: str | None) -> bool:
    if service_class is not None and service_class not in service_classes(svc):
        return False
    return glob is None or fnmatch.fnmatchcase(svc.name, glob)


def limits(svc: Service) -> dict[str, str]:
    from infradoctor.inventory.build import compose_resources

    return compose_resources(svc)
