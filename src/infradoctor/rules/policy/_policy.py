"""Shared by the POL rules: the policy in effect (given by the engine from the config
file, or found at the scanned root), service classes, and the policy citation."""

from __future__ import annotations

import fnmatch
from pathlib import PurePath
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
    """The policy the engine passed (the config's, or the one governing the scanned
    root when no config was read: engine._with_root_policy)."""
    policy = options.get("policy")
    if policy is None:
        return None
    from infradoctor.policy import Policy

    if isinstance(policy, Policy):
        return None if policy.empty else policy
    return None


def citation(stack: Stack, ref: PolicyRef) -> Location:
    """Where a policy entry is: relative to the scanned root when the config is in it
    (config paths are absolute: find_config and --config resolve them)."""
    path = PurePath(ref.file)
    rel = path.relative_to(stack.root).as_posix() if path.is_relative_to(stack.root) else None
    return Location(rel if rel is not None else str(path), ref.line)


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
