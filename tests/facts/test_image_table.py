"""The curated image table (data/images.toml): size, sources, and that SEC001/DKR001
root facts and the listen ports read it (one source of truth)."""

from __future__ import annotations

import re

import pytest

from infradoctor.facts import image_table as table_mod
from infradoctor.facts.image_table import (
    DROPS,
    NON_ROOT,
    ROOT,
    ImageTableError,
    _row,
    image_table,
    lookup_path,
)
from infradoctor.facts.images import image_drops_root, image_facts
from infradoctor.facts.listen import image_ports
from infradoctor.model.source import Location
from infradoctor.model.stack import Service

SOURCE_RE = re.compile(r"^(https://\S+|docker inspect of tag \S+)")


def test_table_has_at_least_sixty_images() -> None:
    assert len(image_table()) >= 60
    names = [row.name for row in image_table()]
    assert len(names) == len(set(names))


def test_every_stated_fact_has_a_source() -> None:
    for row in image_table():
        for fact, source in row.sources:
            assert SOURCE_RE.match(source), (row.name, fact, source)
        if row.user is not None:
            assert row.source("user"), row.name
        if row.healthcheck is not None:
            assert row.source("healthcheck"), row.name
        if row.ports:
            assert row.source("ports"), row.name


def test_the_requested_images_are_in_the_table() -> None:
    for image in (
        "postgres:16",
        "mysql:8",
        "mariadb:11",
        "redis:7",
        "mongo:7",
        "nginx:1.27",
        "traefik:v3.1",
        "caddy:2",
        "rabbitmq:3-management",
        "docker.elastic.co/elasticsearch/elasticsearch:8.14.0",
        "opensearchproject/opensearch:2",
        "minio/minio:latest",
        "grafana/grafana:11.0.0",
        "prom/prometheus:v2.53.0",
        "grafana/loki:3.0.0",
        "quay.io/keycloak/keycloak:25.0",
        "mattermost/mattermost-team-edition:9.9",
        "gitea/gitea:1.22",
        "nextcloud:29-apache",
        "wordpress:6",
        "node:20",
        "python:3.12-slim",
        "golang:1.22",
        "eclipse-temurin:21",
        "php:8.3-fpm",
        "httpd:2.4",
        "memcached:1.6",
        "zookeeper:3.9",
        "bitnami/kafka:3.7",
        "confluentinc/cp-kafka:7.6.0",
        "clickhouse/clickhouse-server:24.3",
        "hashicorp/vault:1.17",
        "consul:1.15",
        "jenkins/jenkins:lts",
        "sonarqube:community",
        "n8nio/n8n:1.50.0",
        "portainer/portainer-ce:2.20.3",
        "adminer:4",
        "dpage/pgadmin4:8",
        "mailhog/mailhog:v1.0.1",
    ):
        assert image_facts(image) is not None, image


def test_lookup_ignores_registry_library_and_mirror_prefix() -> None:
    assert image_facts("docker.io/library/postgres:16@sha256:" + "a" * 64).name == "postgres"
    row = image_facts("mcr.microsoft.com/oss/bitnami/redis:7")
    assert row is not None and row.name == "bitnami"
    assert lookup_path("timescale/timescaledb-ha").name == "timescaledb"
    assert lookup_path("acme/api") is None
    assert image_facts("${REGISTRY}/api:1") is None


@pytest.mark.parametrize(
    ("image", "user"),
    [
        ("postgres:16", DROPS),
        ("redis:7-alpine", DROPS),
        ("grafana/grafana:11.0.0", NON_ROOT),
        ("bitnami/postgresql:16", NON_ROOT),
        ("nginx:1.27", ROOT),
        ("node:20", ROOT),
        ("minio/minio:latest", ROOT),
    ],
)
def test_user_facts(image: str, user: str) -> None:
    row = image_facts(image)
    assert row is not None and row.user == user
    assert image_drops_root(image) is (user != ROOT)


def test_unknown_facts_stay_unknown() -> None:
    # the table does not claim what it cannot source
    assert image_facts("phpmyadmin:5").user is None
    assert image_facts("mattermost/mattermost-team-edition:9").healthcheck is None
    assert not image_drops_root("ghcr.io/acme/unknown:1")


def test_healthcheck_facts() -> None:
    assert image_facts("ghcr.io/goauthentik/server:2024.6").healthcheck is True
    assert image_facts("gitlab/gitlab-ce:17.0.0-ce.0").healthcheck is True
    assert image_facts("jc21/nginx-proxy-manager:2").healthcheck is True
    assert image_facts("postgres:16").healthcheck is False
    assert image_facts("mariadb:11").healthcheck is False  # healthcheck.sh, no HEALTHCHECK


def _svc(image: str) -> Service:
    return Service("s", "p", "compose.yml", Location("compose.yml", 1, 1), image=image)


@pytest.mark.parametrize(
    ("image", "expected"),
    [
        ("postgres:16", ((5432,), False)),
        ("postgis/postgis:16-3.4", ((5432,), False)),
        ("bitnami/redis:7", ((6379,), False)),
        ("mongo-express:1", ((8081,), False)),
        ("grafana/grafana:11.0.0", ((3000,), False)),
        ("nginx:1.27", ((80,), True)),
        ("nginxinc/nginx-unprivileged:1.27", ((8080,), True)),
        ("minio/minio:latest", ((9000, 9001), False)),
        ("ghcr.io/acme/api:1", None),
    ],
)
def test_listen_ports_come_from_the_table(image: str, expected: object) -> None:
    assert image_ports(_svc(image)) == expected


def test_a_fact_without_a_source_is_rejected() -> None:
    with pytest.raises(ImageTableError, match="healthcheck"):
        _row({"name": "x", "match": ["x"], "healthcheck": True}, 0)
    with pytest.raises(ImageTableError, match="user"):
        _row({"name": "x", "match": ["x"], "user": "maybe", "source_user": "https://x"}, 0)
    with pytest.raises(ImageTableError, match="match"):
        _row({"name": "x"}, 0)


def test_table_is_package_data() -> None:
    from importlib.resources import files

    assert files(table_mod.__package__.rsplit(".", 1)[0]).joinpath("data/images.toml").is_file()


def test_a_derived_image_is_not_the_upstream_for_health() -> None:
    # mirrors keep the upstream's root facts, but `acme/postgres` may add a HEALTHCHECK
    assert image_facts("acme/postgres:16").name == "postgres"
    assert image_facts("acme/postgres:16", mirrors=False) is None
