"""Judgement of the container security rules (SEC001-SEC010): which images count as root,
which bindings are exposed, what is a literal secret (and that it is never printed)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

from infradoctor.config import LintConfig
from infradoctor.engine import lint
from infradoctor.findings import Finding, Severity
from infradoctor.rules.security._secrets import (
    is_literal_secret_value,
    is_secret_name,
    url_with_password,
)

Tree = Callable[..., Path]


def findings(tree: Tree, files: Mapping[str, str], code: str) -> list[Finding]:
    result = lint(
        tree(files), LintConfig(select=[code], report_unused_suppressions=False), with_fixes=False
    )
    assert not [e for e in result.errors if e.kind == "internal"], result.errors
    return [f for f in result.findings if f.rule == code]


def compose(body: str) -> dict[str, str]:
    return {"docker-compose.yml": "services:\n" + body}


# ---------------------------------------------------------------- SEC001


def test_sec001_image_judgement(tree: Tree) -> None:
    files = compose(
        "  db:\n    image: postgres:16\n"
        "  cache:\n    image: bitnami/redis:7.2\n"
        "  grafana:\n    image: grafana/grafana:11.1.0\n"
        "  web:\n    image: nginxinc/nginx-unprivileged:1.27\n"
        "  api:\n    image: ghcr.io/acme/api:1.0\n"
        '  worker:\n    image: ghcr.io/acme/api:1.0\n    user: "1000:1000"\n'
        '  tool:\n    image: postgres:16\n    user: "0:0"\n'
    )
    hits = findings(tree, files, "SEC001")
    assert sorted(f.data["service"] for f in hits) == ["api", "tool"]
    tool = next(f for f in hits if f.data["service"] == "tool")
    assert tool.location.line == 17  # the `user:` line
    assert all(f.severity is Severity.INFO for f in hits)


def test_sec001_built_services_are_left_to_dkr001(tree: Tree) -> None:
    files = {
        "docker-compose.yml": "services:\n  api:\n    build: ./api\n",
        "api/Dockerfile": 'FROM python:3.12-slim\nCMD ["python", "-m", "api"]\n',
    }
    assert findings(tree, files, "SEC001") == []


# ---------------------------------------------------------------- SEC002-SEC005, SEC010


def test_sec002_sec003_privileged_is_reported_once(tree: Tree) -> None:
    files = compose("  dind:\n    image: docker:27-dind\n    privileged: true\n")
    assert [f.location.line for f in findings(tree, files, "SEC002")] == [4]
    assert findings(tree, files, "SEC003") == []
    assert findings(tree, files, "SEC004") == []


@pytest.mark.parametrize(
    "opt", ["no-new-privileges:true", "no-new-privileges", "no-new-privileges=true"]
)
def test_sec003_spellings(tree: Tree, opt: str) -> None:
    files = compose(f"  api:\n    image: acme/api:1\n    security_opt:\n      - {opt}\n")
    assert findings(tree, files, "SEC003") == []


def test_sec003_other_security_opts_point_at_the_key(tree: Tree) -> None:
    files = compose(
        "  api:\n    image: acme/api:1\n    security_opt:\n      - seccomp:unconfined\n"
    )
    hits = findings(tree, files, "SEC003")
    assert len(hits) == 1 and hits[0].location.line == 4


def test_sec004_cap_prefix_and_case(tree: Tree) -> None:
    files = compose("  api:\n    image: acme/api:1\n    cap_drop: [all]\n")
    assert findings(tree, files, "SEC004") == []


def test_sec005_and_sec010(tree: Tree) -> None:
    files = compose(
        "  ro:\n    image: acme/api:1\n    read_only: true\n"
        "  rw:\n    image: acme/api:1\n    network_mode: host\n"
    )
    assert [f.data["service"] for f in findings(tree, files, "SEC005")] == ["rw"]
    assert [f.location.line for f in findings(tree, files, "SEC010")] == [7]


# ---------------------------------------------------------------- SEC006


def test_sec006_bindings(tree: Tree) -> None:
    files = compose(
        "  db:\n    image: postgres:16\n    ports:\n"
        '      - "127.0.0.1:5432:5432"\n'
        '      - "[::1]:5433:5432"\n'
        '      - "5434:5432"\n'
        '  redis:\n    image: redis:7\n    ports:\n      - "6379"\n'
        '  web:\n    image: acme/web:1\n    ports:\n      - "8086:80"\n'
        '  mongo:\n    image: mongo:7\n    ports:\n      - "10.0.0.5:27017:27017"\n'
    )
    hits = findings(tree, files, "SEC006")
    assert sorted((f.data["service"], f.location.line) for f in hits) == [("db", 7), ("redis", 11)]


# ---------------------------------------------------------------- SEC007


SECRET = "Tr0ub4dor-and-3"


def test_sec007_literal_values_are_flagged_and_redacted(tree: Tree) -> None:
    files = compose(
        "  db:\n    image: postgres:16\n    environment:\n"
        f"      POSTGRES_PASSWORD: {SECRET}\n"
        "      POSTGRES_USER: app\n"
        "  api:\n    image: acme/api:1\n    environment:\n"
        f"      - DATABASE_URL=postgres://app:{SECRET}@db/app\n"
        "      - ADMIN_PASSWORD=changeme\n"
    )
    hits = findings(tree, files, "SEC007")
    assert sorted(f.data["variable"] for f in hits) == [
        "ADMIN_PASSWORD",
        "DATABASE_URL",
        "POSTGRES_PASSWORD",
    ]
    for f in hits:
        assert SECRET not in f.message and SECRET not in repr(f.data)
        assert "changeme" not in f.message


def test_sec007_references_placeholders_and_files_are_fine(tree: Tree) -> None:
    files = {
        "docker-compose.yml": (
            "services:\n  db:\n    image: postgres:16\n    environment:\n"
            "      POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:?set it}\n"
            "      POSTGRES_PASSWORD_FILE: /run/secrets/db_password\n"
            '      API_TOKEN: "<your-token>"\n'
            '      SECRET_KEY: ""\n'
            '      TOKEN_TTL: "3600"\n'
            "      DATABASE_URL: postgres://app:${DB_PASSWORD}@db/app\n"
        ),
        ".env": "POSTGRES_PASSWORD=from-dotenv-not-committed\nDB_PASSWORD=x1\n",
    }
    assert findings(tree, files, "SEC007") == []


def test_sec007_env_file_reported_once_and_example_files_skipped(tree: Tree) -> None:
    files = {
        "docker-compose.yml": (
            "services:\n"
            "  api:\n    image: acme/api:1\n    env_file: [.env.prod]\n"
            "  worker:\n    image: acme/api:1\n    env_file: [.env.prod]\n"
            "  demo:\n    image: acme/api:1\n    env_file: [.env.example]\n"
        ),
        ".env.prod": f"# production\nSTRIPE_API_KEY={SECRET}\nDEBUG=0\n",
        ".env.example": "STRIPE_API_KEY=sk_test_replace_me\n",
    }
    hits = findings(tree, files, "SEC007")
    assert len(hits) == 1
    assert (hits[0].location.file, hits[0].location.line) == (".env.prod", 2)
    assert SECRET not in hits[0].message


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("POSTGRES_PASSWORD", True),
        ("REDIS_PASS", True),
        ("SECRET_KEY", True),
        ("SECRET_KEY_BASE", True),
        ("AWS_SECRET_ACCESS_KEY", True),
        ("STRIPE_API_KEY", True),
        ("TELEGRAM_BOT_TOKEN", True),
        ("dbPassword", True),
        ("NEXTAUTH_SECRET", True),
        ("PASSWORD_FILE", False),
        ("TOKEN_TTL", False),
        ("AWS_ACCESS_KEY_ID", False),
        ("PUBLIC_KEY", False),
        ("PWD", False),
        ("PASSWORD_MIN_LENGTH", False),
        ("POSTGRES_USER", False),
        ("BYPASS_CACHE", False),
    ],
)
def test_secret_names(name: str, expected: bool) -> None:
    assert is_secret_name(name) is expected


def test_secret_values() -> None:
    assert is_literal_secret_value("changeme")
    assert is_literal_secret_value("hunter2")
    for v in (
        "",
        "  ",
        "true",
        "<your-token>",
        "xxxx",
        "****",
        "{{ vault_pw }}",
        "/run/secrets/pw",
        "/config/key.json",
    ):
        assert not is_literal_secret_value(v), v
    assert url_with_password("redis://:s3cret@cache:6379/0") is False  # no user part
    assert url_with_password("amqp://guest:guest@rabbit:5672/")
    assert not url_with_password("postgres://app@db/app")


# ---------------------------------------------------------------- SEC008 / SEC009


def test_sec008_read_only_socket_still_flagged_proxy_skipped(tree: Tree) -> None:
    files = compose(
        "  traefik:\n    image: traefik:v3.1\n    volumes:\n"
        "      - /var/run/docker.sock:/var/run/docker.sock:ro\n"
        "  watchtower:\n    image: containrrr/watchtower:1.7.1\n    volumes:\n"
        "      - type: bind\n        source: /run/docker.sock\n        target: /var/run/docker.sock\n"
        "  proxy:\n    image: tecnativa/docker-socket-proxy:0.2\n    volumes:\n"
        "      - /var/run/docker.sock:/var/run/docker.sock:ro\n"
    )
    hits = findings(tree, files, "SEC008")
    assert sorted(f.data["service"] for f in hits) == ["traefik", "watchtower"]
    traefik = next(f for f in hits if f.data["service"] == "traefik")
    assert "read-only does not help" in traefik.message
    assert traefik.severity is Severity.ERROR and traefik.location.line == 5


def test_sec009_tags(tree: Tree) -> None:
    files = {
        "docker-compose.yml": (
            "services:\n"
            "  a:\n    image: redis\n"
            "  b:\n    image: registry.example.com:5000/team/app:latest\n"
            "  c:\n    image: redis@sha256:" + "a" * 64 + "\n"
            "  d:\n    image: acme/api:${TAG:-latest}\n"
            "  e:\n    image: acme/api\n    build: ./api\n"
            "  f:\n    image: localhost:5000/app:1.2\n"
        ),
        "api/Dockerfile": "FROM python:3.12-slim\n",
    }
    hits = findings(tree, files, "SEC009")
    assert sorted(f.data["service"] for f in hits) == ["a", "b"]


def test_all_single_file_rules_survive_odd_models() -> None:
    """Hand-built model objects with empty and unusual values never crash a rule."""
    from infradoctor.model.source import Location
    from infradoctor.model.stack import (
        DependsOn,
        Dockerfile,
        EnvVar,
        Healthcheck,
        Instruction,
        Logging,
        Mount,
        Port,
        Project,
        Service,
        Stack,
        Stage,
    )
    from infradoctor.rules.registry import all_rules

    loc = Location("docker-compose.yml", 1)
    empty_df = Dockerfile("empty/Dockerfile", [])
    odd_df = Dockerfile(
        "odd/Dockerfile",
        [
            Stage(
                "",
                None,
                loc,
                [
                    Instruction("USER", "", loc),
                    Instruction("HEALTHCHECK", "", loc),
                    Instruction("EXPOSE", "", loc),
                    Instruction("ENV", "", loc),
                    Instruction("ARG", "", loc),
                    Instruction("CMD", "", loc),
                ],
            ),
            Stage("odd", "odd", loc, [Instruction("CMD", "[]", loc, exec_form=[])]),
        ],
    )
    svc = Service(
        "weird",
        "p",
        "docker-compose.yml",
        loc,
        image=":",
        user="",
        ports=[
            Port(None, None, None, None, "", loc, ""),
            Port(5432, None, (1, 65535), "", "tcp", loc, "1-65535:5432"),
        ],
        healthcheck=Healthcheck(None, False, "compose", loc, interval="x", retries=None),
        logging=Logging("json-file", {"max-size": ""}, None),
        environment={"PASSWORD": EnvVar("PASSWORD", None, loc)},
        volumes=[Mount("bind", None, "/x", False, loc), Mount("volume", "", "/y", True, loc)],
        depends_on=[DependsOn("", "service_healthy", loc)],
        dockerfile=odd_df,
        mem_limit="0",
        command=[],
        entrypoint="",
        networks={"": []},
        replicas=0,
        cap_drop=[],
        security_opt=[""],
    )
    stack = Stack(
        Path("."),
        projects=[Project("p", ".", services={"weird": svc})],
        dockerfiles={"empty/Dockerfile": empty_df, "odd/Dockerfile": odd_df},
    )
    for rule in all_rules():
        if rule.code[:3] in ("CMP", "SEC", "DKR"):
            list(rule().check(stack))
