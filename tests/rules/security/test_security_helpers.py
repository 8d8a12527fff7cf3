"""Judgement of the container security rules (SEC001-SEC010): which images count as root,
which bindings are exposed, what is a literal secret (and that it is never printed)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

from infradoctor.config import LintConfig
from infradoctor.engine import lint
from infradoctor.findings import Finding
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


# ---------------------------------------------------------------- SEC002-SEC005, SEC010


# ---------------------------------------------------------------- SEC006


# ---------------------------------------------------------------- SEC007


SECRET = "Tr0ub4dor-and-3"


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
    assert is_literal_secret_value("admin123")
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
