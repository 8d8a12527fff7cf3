"""Judgement of the Dockerfile rules (DKR001-DKR007): stage chains, ARG-driven bases,
build-context names, image tool inventories, and what compose does with the image."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

from infradoctor.config import LintConfig
from infradoctor.engine import lint
from infradoctor.facts.images import (
    command_ports,
    image_drops_root,
    image_tools,
    parse_image,
)
from infradoctor.findings import Finding, Severity

Tree = Callable[..., Path]


def findings(tree: Tree, files: Mapping[str, str], code: str) -> list[Finding]:
    result = lint(
        tree(files), LintConfig(select=[code], report_unused_suppressions=False), with_fixes=False
    )
    assert not [e for e in result.errors if e.kind == "internal"], result.errors
    return [f for f in result.findings if f.rule == code]


def dockerfile(text: str) -> dict[str, str]:
    return {"app/Dockerfile": text}


# ---------------------------------------------------------------- helpers


def test_parse_image() -> None:
    ref = parse_image("registry.example.com:5000/team/app:1.2@sha256:abc")
    assert (ref.registry, ref.path, ref.tag, ref.digest) == (
        "registry.example.com:5000",
        "team/app",
        "1.2",
        "sha256:abc",
    )
    assert parse_image("library/node").path == "node" and parse_image("node").unpinned
    assert not parse_image("node@sha256:abc").unpinned
    assert parse_image("localhost/app").registry == "localhost"


def test_image_knowledge() -> None:
    assert image_tools("python:3.12-slim") == {"curl": False, "wget": False, "sh": True}
    assert image_tools("node:20-alpine") == {"curl": False, "wget": True, "sh": True}
    assert image_tools("gcr.io/distroless/python3-debian12")["sh"] is False  # type: ignore[index]
    assert image_tools("nginx:1.27-alpine") is None  # ships curl: unknown to us, not judged
    assert image_tools("python:3.12") == {"curl": True, "wget": True, "sh": True}
    assert image_drops_root("postgres:16") and image_drops_root("docker.io/bitnami/redis:7")
    assert image_drops_root("gcr.io/distroless/static:nonroot")
    assert not image_drops_root("nginx:1.27") and not image_drops_root("node:20")


def test_command_ports() -> None:
    assert command_ports("gunicorn app:app -b 0.0.0.0:8000 -w 4") == [8000]
    assert command_ports("uvicorn main:app --host 0.0.0.0 --port=8080") == [8080]
    assert command_ports("java -Dserver.port=9090 -jar app.jar") == [9090]
    assert command_ports("python manage.py runserver 0.0.0.0:8000") == [8000]
    assert command_ports("gunicorn --bind unix:/run/app.sock app:app") == []
    assert command_ports("node server.js --metrics-port 9100") == []


# ---------------------------------------------------------------- DKR001


def test_dkr001_user_root_at_end(tree: Tree) -> None:
    hits = findings(
        tree,
        dockerfile('FROM python:3.12-slim\nUSER app\nRUN echo hi\nUSER root\nCMD ["python"]\n'),
        "DKR001",
    )
    assert len(hits) == 1 and hits[0].location.line == 4
    assert hits[0].data == {"dockerfile": "app/Dockerfile"}


def test_dkr001_user_inherited_through_stage_chain(tree: Tree) -> None:
    text = (
        "FROM node:20-slim AS base\nRUN useradd -u 10001 app\nUSER app\n"
        'FROM base AS prod\nCOPY . /app\nCMD ["node", "/app/server.js"]\n'
    )
    assert findings(tree, dockerfile(text), "DKR001") == []


def test_dkr001_compose_user_covers_it(tree: Tree) -> None:
    files = {
        "docker-compose.yml": 'services:\n  api:\n    build: ./app\n    user: "10001"\n',
        "app/Dockerfile": 'FROM python:3.12-slim\nCMD ["python", "-m", "api"]\n',
    }
    assert findings(tree, files, "DKR001") == []
    files["docker-compose.yml"] += "  worker:\n    build: ./app\n"
    assert len(findings(tree, files, "DKR001")) == 1


def test_dkr001_scratch_runs_as_root(tree: Tree) -> None:
    text = "FROM golang:1.22 AS b\nRUN go build -o /x .\nFROM scratch\nCOPY --from=b /x /x\n"
    hits = findings(tree, dockerfile(text), "DKR001")
    assert len(hits) == 1 and hits[0].location.line == 3


# ---------------------------------------------------------------- DKR002


def test_dkr002_what_is_pinned(tree: Tree) -> None:
    text = (
        "ARG BASE=python:3.12-slim\nARG UNKNOWN\n"
        "FROM ${BASE} AS one\n"
        "FROM $UNKNOWN AS two\n"
        "FROM base AS three\n"  # a bake build context
        "FROM one AS four\n"
        "FROM node@sha256:" + "b" * 64 + " AS five\n"
        "FROM --platform=$BUILDPLATFORM ubuntu AS six\n"
        "FROM ghcr.io/acme/base:latest\n"
    )
    hits = findings(tree, dockerfile(text), "DKR002")
    assert [f.location.line for f in hits] == [8, 9]
    assert all(f.severity is Severity.WARNING for f in hits)


# ---------------------------------------------------------------- DKR003


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("FROM node:20\nCMD node server.js\n", [2]),
        ('FROM node:20\nCMD ["node", "server.js"]\n', []),
        ("FROM node:20\nCMD exec node server.js\n", []),
        ('FROM node:20\nENTRYPOINT ["/entry.sh"]\nCMD node server.js\n', []),
        ('FROM node:20\nENTRYPOINT /entry.sh\nCMD ["node"]\n', [2]),
        ("FROM node:20 AS base\nCMD node server.js\nFROM base\nRUN true\n", [2]),
    ],
)
def test_dkr003_pid1(tree: Tree, text: str, expected: list[int]) -> None:
    assert [f.location.line for f in findings(tree, dockerfile(text), "DKR003")] == expected


def test_dkr003_compose_command_overrides(tree: Tree) -> None:
    files = {
        "docker-compose.yml": "services:\n  api:\n    build: ./app\n"
        '    command: ["node", "server.js"]\n',
        "app/Dockerfile": "FROM node:20\nCMD node server.js\n",
    }
    assert findings(tree, files, "DKR003") == []


# ---------------------------------------------------------------- DKR004


@pytest.mark.parametrize(
    ("text", "hit"),
    [
        ("FROM python:3.12\nEXPOSE 5000\nCMD gunicorn -b :8000 app:app\n", True),
        ("FROM python:3.12\nEXPOSE 8000/tcp 9000\nCMD gunicorn -b :8000 app:app\n", False),
        ("FROM python:3.12\nEXPOSE ${PORT}\nCMD gunicorn -b :8000 app:app\n", False),
        ("FROM python:3.12\nCMD gunicorn -b :8000 app:app\n", False),
        ("FROM python:3.12\nEXPOSE 8000\nCMD python app.py\n", False),
    ],
)
def test_dkr004(tree: Tree, text: str, hit: bool) -> None:
    hits = findings(tree, dockerfile(text), "DKR004")
    assert bool(hits) is hit
    if hit:
        assert hits[0].location.line == 2 and hits[0].related[0].line == 3


def test_dkr004_port_ranges_stay_ranges(tree: Tree) -> None:
    """`EXPOSE 1-65535` is two numbers, not 65535 ports in a set and in the message."""
    assert not findings(
        tree, dockerfile("FROM python:3.12\nEXPOSE 1-65535\nCMD gunicorn -b :8000 a:b\n"), "DKR004"
    )
    (hit,) = findings(
        tree,
        dockerfile("FROM python:3.12\nEXPOSE 9000-9100 5000-5001/udp\nCMD gunicorn -b :8000 a:b\n"),
        "DKR004",
    )
    assert "EXPOSE 5000, 5001, 9000-9100 but" in hit.message
    assert hit.data["exposed"] == ["5000", "5001", "9000-9100"]
    for bad in ("EXPOSE 1-99999", "EXPOSE 9-1"):
        text = f"FROM python:3.12\n{bad}\nCMD gunicorn -b :8000 a:b\n"
        assert not findings(tree, dockerfile(text), "DKR004")


# ---------------------------------------------------------------- DKR005


@pytest.mark.parametrize(
    ("text", "hit"),
    [
        ("FROM node:20-alpine\nHEALTHCHECK CMD curl -f http://localhost:3000/ || exit 1\n", True),
        (
            "FROM node:20-alpine\nHEALTHCHECK CMD wget -qO- http://localhost:3000/ || exit 1\n",
            False,
        ),
        (
            "FROM node:20-alpine\nRUN apk add --no-cache curl\n"
            "HEALTHCHECK CMD curl -f http://localhost:3000/\n",
            False,
        ),
        (
            "FROM python:3.12-slim AS base\nRUN apt-get update && apt-get install -y curl\n"
            'FROM base\nHEALTHCHECK CMD ["curl", "-f", "http://localhost/"]\n',
            False,
        ),
        ("FROM gcr.io/distroless/python3-debian12\nHEALTHCHECK CMD python -c 'print(1)'\n", True),
        (
            "FROM gcr.io/distroless/python3-debian12\n"
            'HEALTHCHECK CMD ["/usr/bin/python3", "/health.py"]\n',
            False,
        ),
        ("FROM nginx:1.27\nHEALTHCHECK CMD curl -f http://localhost/\n", False),
        (
            "FROM ubuntu:24.04\nRUN ./scripts/setup/install --all\n"
            "HEALTHCHECK CMD curl -f http://localhost/\n",
            False,
        ),
    ],
)
def test_dkr005_dockerfile(tree: Tree, text: str, hit: bool) -> None:
    assert bool(findings(tree, dockerfile(text), "DKR005")) is hit


def test_dkr005_compose_check_on_built_slim_image(tree: Tree) -> None:
    files = {
        "docker-compose.yml": (
            "services:\n  api:\n    build: ./app\n    healthcheck:\n"
            '      test: ["CMD", "wget", "-qO-", "http://localhost:8000/health"]\n'
        ),
        "app/Dockerfile": "FROM rust:1.80 AS build\nRUN cargo build\n"
        "FROM debian:bookworm-slim\nCOPY --from=build /app /app\n",
    }
    hits = findings(tree, files, "DKR005")
    assert len(hits) == 1
    assert hits[0].location.file == "docker-compose.yml" and hits[0].data["missing"] == ["wget"]


# ---------------------------------------------------------------- DKR006


def test_dkr006_final_chain_and_builder_stages(tree: Tree) -> None:
    text = (
        "FROM node:20 AS build\n"
        "ARG NPM_TOKEN\n"
        'RUN echo "//r/:_authToken=${NPM_TOKEN}" > .npmrc && npm ci\n'  # builder: discarded
        "FROM node:20-slim\n"
        "ARG SENTRY_AUTH_TOKEN\n"
        'RUN sentry-cli releases new "$SENTRY_AUTH_TOKEN"\n'
        "ENV API_KEY=$API_KEY\n"
        "ENV JWT_SECRET=hunter2-literal NODE_ENV=production\n"
        "ARG UNUSED_TOKEN\n"
        "ENV PASSWORD_FILE=/run/secrets/pw\n"
    )
    hits = findings(tree, dockerfile(text), "DKR006")
    assert sorted((f.location.line, f.data["variable"]) for f in hits) == [
        (5, "SENTRY_AUTH_TOKEN"),
        (7, "API_KEY"),
        (8, "JWT_SECRET"),
    ]
    assert all("hunter2" not in f.message for f in hits)


# ---------------------------------------------------------------- DKR007


def test_dkr007_only_for_unhealthchecked_unproxied_services(tree: Tree) -> None:
    worker = 'FROM python:3.12-slim\nCMD ["python", "-m", "worker"]\n'
    files = {
        "docker-compose.yml": (
            "services:\n"
            "  worker:\n    build: ./worker\n"
            "  checked:\n    build: ./checked\n    healthcheck:\n"
            '      test: ["CMD", "python", "-c", "1"]\n'
            "  db:\n    build: ./db\n"
            "  api:\n    image: acme/api:1\n    depends_on: [db]\n"
            "  migrate:\n    build: ./migrate\n    command: alembic upgrade head\n"
        ),
        "worker/Dockerfile": worker,
        "checked/Dockerfile": worker,
        "db/Dockerfile": "FROM postgres:16\n",
        "migrate/Dockerfile": worker,
        "lonely/Dockerfile": worker,  # not run by compose: HEALTHCHECK would mean nothing
    }
    hits = findings(tree, files, "DKR007")
    assert [(f.location.file, f.data["services"]) for f in hits] == [
        ("worker/Dockerfile", ["worker"])
    ]
    assert hits[0].severity is Severity.INFO


def test_dkr007_proxied_service_is_left_to_xf011(tree: Tree) -> None:
    files = {
        "docker-compose.yml": (
            "services:\n"
            "  api:\n    build: ./api\n"
            '  nginx:\n    image: nginx:1.27\n    ports: ["80:80"]\n    volumes:\n'
            "      - ./nginx/default.conf:/etc/nginx/conf.d/default.conf:ro\n"
        ),
        "api/Dockerfile": "FROM python:3.12-slim\n"
        'CMD ["uvicorn", "main:app", "--host", "0.0.0.0"]\n',
        "nginx/default.conf": "server {\n  listen 80;\n  location / {\n"
        "    proxy_pass http://api:8000;\n  }\n}\n",
    }
    assert findings(tree, files, "DKR007") == []


# --- opaque installs (DKR005's "image contents unknown"): same verdicts, linear time ---

OPAQUE_INSTALL_CASES = [
    ("./scripts/install.sh", True),
    ("bash /opt/setup/bootstrap.sh --x", True),
    ("curl -fsSL https://x | sh", True),
    ("curl x |bash -s", True),
    ("xargs  apt-get install -y < p", True),
    ("apt-get install -y $(cat pkgs.txt)", True),
    ("ansible-playbook site.yml", True),
    ("apt-get install -y curl; echo $(cat x)", False),
    ("pip install -r req.txt", False),
    ("cd /x/install && make", True),
    ("RUN /opt/install.sh;", False),
    ("npm install", False),
]


@pytest.mark.parametrize(("command", "opaque"), OPAQUE_INSTALL_CASES)
def test_runs_opaque_install(command: str, opaque: bool) -> None:
    from infradoctor.facts.images import runs_opaque_install

    assert runs_opaque_install(command) is opaque


def test_opaque_install_scan_is_linear_on_pathological_run_lines() -> None:
    """The old single regex backtracked quadratically: `a/` x 30,000 (60 KB) took about
    150 s. These finish at once now (a regression would make the suite hang, not pass)."""
    from infradoctor.facts.images import runs_opaque_install

    assert not runs_opaque_install("a/" * 30_000)
    assert not runs_opaque_install("install" * 8_000)
    assert not runs_opaque_install("/" + "a" * 60_000)
    assert runs_opaque_install("/install" * 20_000 + "$(cat")
