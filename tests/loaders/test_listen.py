"""Listen detection: what a service listens on, from hand-built model objects."""

from __future__ import annotations

from typing import Any

import pytest

from infradoctor.facts.listen import (
    describe,
    detect_listens,
    evidence,
    expand,
    is_loopback,
    loopback_only,
    parse_host_port,
)
from infradoctor.model.source import Location
from infradoctor.model.stack import (
    Dockerfile,
    EnvVar,
    Healthcheck,
    Instruction,
    Port,
    Service,
    Stage,
)

COMPOSE_LOC = Location("docker-compose.yml", 3)
CMD_LOC = Location("docker-compose.yml", 12)
DF_LOC = Location("app/Dockerfile", 5)


def dockerfile(
    *instructions: tuple[str, str, list[str] | None], base: str = "python:3.12-slim"
) -> Dockerfile:
    ins = [Instruction(k, v, DF_LOC, exec_form=e) for k, v, e in instructions]
    return Dockerfile("app/Dockerfile", [Stage(base, None, Location("app/Dockerfile", 1), ins)])


def service(command: Any = None, env: dict[str, str] | None = None, **kw: Any) -> Service:
    svc = Service("app", "proj", "docker-compose.yml", COMPOSE_LOC, command=command, **kw)
    svc.key_locations["command"] = CMD_LOC
    for k, v in (env or {}).items():
        svc.environment[k] = EnvVar(k, v, Location("docker-compose.yml", 20))
    return svc


def facts(svc: Service) -> set[tuple[int, str | None, str]]:
    return {(la.port, la.host, la.source.split(":", 1)[0]) for la in detect_listens(svc)}


CASES: list[tuple[str, Any, dict[str, str], set[tuple[int, str | None, str]]]] = [
    ("uvicorn default", "uvicorn app:app", {}, {(8000, "127.0.0.1", "default")}),
    (
        "uvicorn host+port",
        "uvicorn app:app --host 0.0.0.0 --port 8080",
        {},
        {(8080, "0.0.0.0", "command")},
    ),
    (
        "uvicorn port only keeps loopback",
        ["python", "-m", "uvicorn", "app:app", "--port", "9000"],
        {},
        {(9000, "127.0.0.1", "command")},
    ),
    (
        "uvicorn --port=",
        "uvicorn app:app --host=0.0.0.0 --port=8001",
        {},
        {(8001, "0.0.0.0", "command")},
    ),
    (
        "uvicorn env var port",
        "uvicorn app:app --host 0.0.0.0 --port $PORT",
        {"PORT": "8005"},
        {(8005, "0.0.0.0", "command")},
    ),
    (
        "uvicorn env default",
        "uvicorn app:app --host 0.0.0.0 --port ${PORT:-8010}",
        {},
        {(8010, "0.0.0.0", "command")},
    ),
    ("uvicorn unknown host var", "uvicorn app:app --host $HOST --port 8000", {}, set()),
    (
        "uvicorn UVICORN_ env",
        "uvicorn app:app",
        {"UVICORN_HOST": "0.0.0.0", "UVICORN_PORT": "8002"},
        {(8002, "0.0.0.0", "command")},
    ),
    ("uvicorn uds", "uvicorn app:app --uds /tmp/app.sock", {}, set()),
    ("gunicorn default", "gunicorn app:app", {}, {(8000, "127.0.0.1", "default")}),
    ("gunicorn -b", "gunicorn -b 0.0.0.0:5000 app:app", {}, {(5000, "0.0.0.0", "command")}),
    ("gunicorn --bind=:port", "gunicorn --bind=:8000 app:app", {}, {(8000, "0.0.0.0", "command")}),
    (
        "gunicorn two binds",
        "gunicorn -b 127.0.0.1:8000 -b 0.0.0.0:9000 app:app",
        {},
        {(8000, "127.0.0.1", "command"), (9000, "0.0.0.0", "command")},
    ),
    ("gunicorn config file", "gunicorn -c gunicorn.conf.py app:app", {}, set()),
    ("gunicorn unix socket", "gunicorn --bind unix:/run/app.sock app:app", {}, set()),
    (
        "gunicorn GUNICORN_CMD_ARGS",
        "gunicorn app:app",
        {"GUNICORN_CMD_ARGS": "--bind 0.0.0.0:7000"},
        {(7000, "0.0.0.0", "command")},
    ),
    ("gunicorn PORT env", "gunicorn app:app", {"PORT": "5005"}, {(5005, "0.0.0.0", "default")}),
    ("hypercorn default", "hypercorn app:app", {}, {(8000, "127.0.0.1", "default")}),
    ("hypercorn bind", "hypercorn -b 0.0.0.0:8001 app:app", {}, {(8001, "0.0.0.0", "command")}),
    (
        "daphne bind",
        "daphne -b 0.0.0.0 -p 8001 proj.asgi:application",
        {},
        {(8001, "0.0.0.0", "command")},
    ),
    ("daphne default", "daphne proj.asgi:application", {}, {(8000, "127.0.0.1", "default")}),
    ("flask run default", "flask run", {}, {(5000, "127.0.0.1", "default")}),
    (
        "flask run host/port",
        "flask run --host=0.0.0.0 --port=5001",
        {},
        {(5001, "0.0.0.0", "command")},
    ),
    (
        "flask env port",
        "flask run --host 0.0.0.0",
        {"FLASK_RUN_PORT": "6000"},
        {(6000, "0.0.0.0", "command")},
    ),
    ("runserver default", "python manage.py runserver", {}, {(8000, "127.0.0.1", "default")}),
    (
        "runserver addr:port",
        "python manage.py runserver 0.0.0.0:8000",
        {},
        {(8000, "0.0.0.0", "command")},
    ),
    (
        "runserver port only",
        "python manage.py runserver 8001",
        {},
        {(8001, "127.0.0.1", "command")},
    ),
    ("runserver 0:port", "python manage.py runserver 0:8000", {}, {(8000, "0.0.0.0", "command")}),
    (
        "sh -c chain",
        ["sh", "-c", "python manage.py migrate && python manage.py runserver 0.0.0.0:8000"],
        {},
        {(8000, "0.0.0.0", "command")},
    ),
    (
        "bash -c folded",
        'bash -c "alembic upgrade head && exec uvicorn app:app --host 0.0.0.0"',
        {},
        {(8000, "0.0.0.0", "command")},
    ),
    ("env assignment prefix", "PORT=8123 gunicorn app:app", {}, {(8123, "0.0.0.0", "default")}),
    ("node with PORT", "node server.js", {"PORT": "3000"}, {(3000, None, "convention")}),
    ("node without PORT", "node server.js", {}, set()),
    ("npm start with PORT", "npm start", {"PORT": "4000"}, {(4000, None, "convention")}),
    ("java -Dserver.port", "java -Dserver.port=9090 -jar app.jar", {}, {(9090, None, "command")}),
    (
        "java spring default",
        "java -jar app.jar",
        {"SPRING_PROFILES_ACTIVE": "prod"},
        {(8080, None, "default")},
    ),
    ("java unknown", "java -jar app.jar", {}, set()),
    ("java SERVER_PORT", "java -jar app.jar", {"SERVER_PORT": "8081"}, {(8081, None, "env")}),
    ("php-fpm", "php-fpm", {}, {(9000, None, "weak")}),
    ("php-fpm versioned", "php-fpm8.2 -F", {}, {(9000, None, "weak")}),
    ("http.server", "python -m http.server 8080", {}, {(8080, "0.0.0.0", "command")}),
    ("rails", "bundle exec rails server -b 0.0.0.0 -p 3001", {}, {(3001, "0.0.0.0", "command")}),
    ("next start", "next start -p 3005", {}, {(3005, None, "command")}),
    ("uwsgi http", "uwsgi --http 0.0.0.0:8000 --module app", {}, {(8000, "0.0.0.0", "command")}),
    ("uwsgi socket", "uwsgi --socket :3031 --module app", {}, {(3031, "0.0.0.0", "command")}),
    ("redis-server port", "redis-server --port 6380", {}, {(6380, None, "command")}),
    ("generic --port", "./myserver --port 7000", {}, {(7000, None, "command")}),
    ("generic -p ignores non-numbers", "mkdir -p /data", {}, set()),
    ("PORT env on unknown command", "./start.sh", {"PORT": "8088"}, {(8088, None, "env")}),
]


@pytest.mark.parametrize(
    ("command", "env", "expected"), [pytest.param(c, e, x, id=i) for i, c, e, x in CASES]
)
def test_command_detection(
    command: Any, env: dict[str, str], expected: set[tuple[int, str | None, str]]
) -> None:
    assert facts(service(command, env)) == expected


def test_listen_records_source_location_and_description() -> None:
    svc = service("uvicorn app:app --host 0.0.0.0 --port 8000")
    [la] = detect_listens(svc)
    assert la.location == CMD_LOC
    text = describe(la)
    assert text.startswith("8000 (uvicorn --host 0.0.0.0 --port 8000")
    assert "docker-compose.yml:12" in text


def test_dockerfile_cmd_exec_and_shell_form() -> None:
    exec_df = dockerfile(
        (
            "CMD",
            '["gunicorn", "--bind", "0.0.0.0:8000", "app:app"]',
            ["gunicorn", "--bind", "0.0.0.0:8000", "app:app"],
        )
    )
    svc = service(None, dockerfile=exec_df)
    [la] = detect_listens(svc)
    assert (la.port, la.host, la.location) == (8000, "0.0.0.0", DF_LOC)
    shell_df = dockerfile(("CMD", "uvicorn main:app --port 9000", None))
    assert facts(service(None, dockerfile=shell_df)) == {(9000, "127.0.0.1", "command")}


def test_compose_command_overrides_dockerfile_cmd() -> None:
    df = dockerfile(("CMD", "uvicorn main:app --port 9000", None))
    assert facts(service("uvicorn main:app --host 0.0.0.0 --port 8000", dockerfile=df)) == {
        (8000, "0.0.0.0", "command")
    }


def test_entrypoint_plus_cmd() -> None:
    df = dockerfile(
        ("ENTRYPOINT", '["gunicorn"]', ["gunicorn"]),
        ("CMD", '["--bind", "0.0.0.0:8000", "app:app"]', ["--bind", "0.0.0.0:8000", "app:app"]),
    )
    assert facts(service(None, dockerfile=df)) == {(8000, "0.0.0.0", "command")}


def test_compose_entrypoint_resets_dockerfile_cmd() -> None:
    df = dockerfile(("CMD", "uvicorn main:app --port 9000", None))
    svc = service(None, dockerfile=df, entrypoint=["./run.sh"])
    assert facts(svc) == set()


def test_dockerfile_env_feeds_variables() -> None:
    df = dockerfile(
        ("ENV", "APP_PORT=8200", None),
        ("CMD", "uvicorn main:app --host 0.0.0.0 --port ${APP_PORT}", None),
    )
    assert facts(service(None, dockerfile=df)) == {(8200, "0.0.0.0", "command")}


def test_declarations_and_expose() -> None:
    df = dockerfile(("EXPOSE", "8000/tcp 9000", None))
    svc = service(
        None,
        dockerfile=df,
        expose=[(7000, Location("docker-compose.yml", 8))],
        ports=[Port(80, 8080, None, None, "tcp", Location("docker-compose.yml", 9), "8080:80")],
    )
    assert facts(svc) == {
        (7000, None, "expose"),
        (80, None, "ports"),
        (8000, None, "EXPOSE"),
        (9000, None, "EXPOSE"),
    }


def test_well_known_images_only_when_nothing_else() -> None:
    assert facts(service(None, image="postgres:16")) == {(5432, None, "image")}
    assert facts(service(None, image="bitnami/redis:7.2")) == {(6379, None, "image")}
    assert facts(service(None, image="minio/minio:RELEASE.2024")) == {
        (9000, None, "image"),
        (9001, None, "image"),
    }
    assert facts(service(None, image="php:8.3-fpm")) == {(9000, None, "image")}
    assert facts(service(None, image="php:8.3-apache")) == set()
    assert facts(service("postgres -p 5433", image="postgres:16")) == {(5433, None, "command")}
    assert facts(service(None, image="example/unknown:1")) == set()


def test_healthcheck_probe_port() -> None:
    hc = Healthcheck(
        ["CMD", "curl", "-f", "http://localhost:8001/health"],
        False,
        "compose",
        Location("docker-compose.yml", 30),
    )
    assert facts(service(None, healthcheck=hc)) == {(8001, None, "healthcheck")}


def test_evidence_levels() -> None:
    assert evidence(_linked(service("uvicorn app:app"))) == "strong"
    assert evidence(_linked(service(None, expose=[(80, COMPOSE_LOC)]))) == "declared"
    assert evidence(_linked(service(None, image="postgres:16"))) == "strong"
    assert evidence(_linked(service(None, image="nginx:1.27"))) == "hint"
    assert evidence(_linked(service("node app.js", {"PORT": "3000"}))) == "strong"
    assert evidence(_linked(service("npm run dev", {"PORT": "3000"}))) == "hint"
    assert evidence(_linked(service(None))) is None


def test_loopback_only() -> None:
    svc = _linked(service("uvicorn app:app"))
    la = loopback_only(svc, 8000)
    assert la is not None and la.host == "127.0.0.1"
    assert loopback_only(_linked(service("uvicorn app:app --host 0.0.0.0")), 8000) is None
    assert loopback_only(_linked(service(None, expose=[(8000, COMPOSE_LOC)])), 8000) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0.0.0.0:8000", ("0.0.0.0", 8000)),
        (":8000", ("", 8000)),
        ("[::]:80", ("::", 80)),
        ("8000", (None, 8000)),
        ("tcp://0.0.0.0:3000", ("0.0.0.0", 3000)),
        ("unix:/run/x.sock", None),
        ("localhost", ("localhost", None)),
    ],
)
def test_parse_host_port(text: str, expected: tuple[str | None, int | None] | None) -> None:
    assert parse_host_port(text) == expected


def test_expand_and_loopback() -> None:
    assert expand("${A:-x}-$B", {"B": "2"}) == "x-2"
    assert expand("$MISSING", {}) is None
    assert expand("${A-}", {}) == ""
    assert all(is_loopback(h) for h in ("127.0.0.1", "localhost", "::1", "[::1]", "127.0.1.1"))
    assert not any(is_loopback(h) for h in ("0.0.0.0", "::", None, "api"))


def _linked(svc: Service) -> Service:
    svc.listens = detect_listens(svc)
    return svc


@pytest.mark.parametrize(
    ("image", "ports"),
    [
        ("postgres:16", {5432}),
        ("docker.io/library/postgres:16-alpine", {5432}),
        ("postgis/postgis:16-3.4", {5432}),
        ("bitnami/redis:7.2", {6379}),
        ("redis/redis-stack-server:7", {6379}),
        ("grafana/grafana-oss:11", {3000}),
        ("ghcr.io/example/postgres-exporter:1", set()),
        ("oliver006/redis_exporter", set()),
        ("mongo-express:1", {8081}),
        ("mongo:7", {27017}),
        ("redis-commander", set()),
        ("rabbitmq:3-management", {5672, 15672}),
        ("php:8.3-fpm-alpine", {9000}),
    ],
)
def test_image_ports(image: str, ports: set[int]) -> None:
    assert {p for p, _h, _k in facts(service(None, image=image))} == ports


def test_build_target_stage_and_inherited_instructions() -> None:
    loc = Location("app/Dockerfile", 1)
    base = Stage(
        "python:3.12",
        "base",
        loc,
        [
            Instruction("ENV", "PORT=8100", loc),
            Instruction("EXPOSE", "8100", loc),
            Instruction("CMD", "gunicorn app:app", loc),
        ],
    )
    dev = Stage("base", "dev", loc, [Instruction("CMD", "flask run", loc)])
    prod = Stage("python:3.12-slim", "prod", loc, [Instruction("CMD", "uvicorn app:app", loc)])
    df = Dockerfile("app/Dockerfile", [base, dev, prod])
    svc = service(None, dockerfile=df)
    assert facts(svc) == {(8000, "127.0.0.1", "default")}  # final stage: uvicorn
    svc = service(None, dockerfile=df, raw={"build": {"context": "app", "target": "dev"}})
    assert facts(svc) == {(5000, "127.0.0.1", "default"), (8100, None, "EXPOSE")}
    svc = service(None, dockerfile=df, raw={"build": {"context": "app", "target": "base"}})
    assert facts(svc) == {(8100, "0.0.0.0", "default"), (8100, None, "EXPOSE")}
