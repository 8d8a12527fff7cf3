"""Typed values on the model, read once at load: health check timings in seconds
(`Healthcheck.interval_s` ...), the memory limit compose applies
(`Service.memory_limit_bytes`) and the variables of Dockerfile ENV/ARG (`Instruction.env`).
Rules and fixers read these instead of parsing the texts again."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from infradoctor.loaders import load_stack
from infradoctor.model.source import Location
from infradoctor.model.stack import Healthcheck, Instruction, Service, Stack
from infradoctor.syntax.numbers import GO_MAX_NS
from tests.rules.compose.test_compose_helpers import compose, findings

Tree = Callable[..., Path]
LOC = Location("Dockerfile", 1)


def _stack(tree: Tree, files: dict[str, str]) -> Stack:
    stack = load_stack(tree(files))
    assert not [e for e in stack.errors if e.kind == "internal"], stack.errors
    return stack


def _service(tree: Tree, body: str, name: str = "app") -> Service:
    return next(s for s in _stack(tree, compose(body)).services if s.name == name)


# ---------------------------------------------------------------- durations


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("1m30s", 90.0),
        ("1.5s", 1.5),
        ("500ms", 0.5),
        ("0", 0.0),
        ("1h", 3600.0),
        ("90", None),  # a bare number: Docker wants a unit
        ("1.5", None),
        ("-1s", None),  # no sign in a Docker duration
        ("10sec", None),
        ("1m 30s", None),
        ("", None),
        (None, None),
        (f"{GO_MAX_NS // 3_600_000_000_000 + 1}h", None),  # beyond Go's int64 nanoseconds
    ],
)
def test_healthcheck_seconds(text: str | None, seconds: float | None) -> None:
    hc = Healthcheck(
        None,
        False,
        "compose",
        LOC,
        interval=text,
        timeout=text,
        start_period=text,
        start_interval=text,
    )
    assert (hc.interval_s, hc.timeout_s, hc.start_period_s, hc.start_interval_s) == (
        seconds,
        seconds,
        seconds,
        seconds,
    )


def test_compose_healthcheck_typed_at_load(tree: Tree) -> None:
    svc = _service(
        tree,
        "  app:\n    image: acme/app:1\n    healthcheck:\n"
        '      test: ["CMD", "true"]\n      interval: 1m30s\n      timeout: 90\n'
        '      start_period: "1.5s"\n      start_interval: 2s\n      retries: many\n',
    )
    hc = svc.healthcheck
    assert hc is not None
    assert hc.interval_s == 90.0
    assert hc.timeout == "90" and hc.timeout_s is None  # present but not a duration
    assert hc.start_period_s == 1.5 and hc.start_interval_s == 2.0
    assert hc.retries is None  # not an integer


def test_absent_timings_are_none(tree: Tree) -> None:
    svc = _service(
        tree, '  app:\n    image: acme/app:1\n    healthcheck:\n      test: ["CMD", "true"]\n'
    )
    hc = svc.healthcheck
    assert hc is not None
    assert (hc.interval_s, hc.timeout_s, hc.start_period_s, hc.start_interval_s) == (None,) * 4
    assert hc.retries is None


def test_dockerfile_healthcheck_flags_typed() -> None:
    ins = Instruction(
        "HEALTHCHECK",
        "--interval=1m30s --timeout=5 --start-period=1.5s --retries=3 CMD curl -f http://x/",
        LOC,
        flags={"interval": "1m30s", "timeout": "5", "start-period": "1.5s", "retries": "3"},
    )
    hc = Healthcheck.of_instruction(ins)
    assert hc.source == "dockerfile" and not hc.disabled
    assert hc.interval_s == 90.0 and hc.timeout_s is None and hc.start_period_s == 1.5
    assert hc.retries == 3
    none = Healthcheck.of_instruction(Instruction("HEALTHCHECK", "NONE", LOC))
    assert none.disabled and none.interval_s is None


# ---------------------------------------------------------------- memory limit


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1g", 1024**3),
        ("512M", 512 * 1024**2),
        ("512m", 512 * 1024**2),
        ("1.5GiB", int(1.5 * 1024**3)),
        ("1.5g", int(1.5 * 1024**3)),
        ("268435456", 268435456),
        ("100k", 100 * 1024),
        ("0", None),  # 0: no limit
        ("-1", None),
        ("lots", None),
        ('""', None),
    ],
)
def test_mem_limit_bytes(tree: Tree, value: str, expected: int | None) -> None:
    svc = _service(tree, f"  app:\n    image: acme/app:1\n    mem_limit: {value}\n")
    assert svc.memory_limit_bytes == expected
    if expected is not None:
        assert svc.memory_limit is not None and svc.memory_limit.key == "mem_limit"


def test_deploy_memory_bytes(tree: Tree) -> None:
    svc = _service(
        tree,
        "  app:\n    image: acme/app:1\n    deploy:\n      resources:\n        limits:\n"
        "          memory: 1.5G\n",
    )
    assert svc.memory_limit_bytes == int(1.5 * 1024**3)
    assert svc.memory_limit is not None
    assert svc.memory_limit.key == "deploy" and svc.memory_limit.text == "1.5G"


def test_deploy_limit_wins_over_mem_limit(tree: Tree) -> None:
    """`docker compose` applies deploy.resources.limits.memory over mem_limit when both
    are set (a zero deploy limit leaves mem_limit in force)."""
    both = (
        "  app:\n    image: acme/app:1\n    mem_limit: 512m\n    deploy:\n      resources:\n"
        "        limits:\n          memory: {deploy}\n"
    )
    svc = _service(tree, both.format(deploy="2g"))
    assert svc.memory_limit_bytes == 2 * 1024**3
    svc = _service(tree, both.format(deploy="0"))
    assert svc.memory_limit_bytes == 512 * 1024**2
    assert svc.memory_limit is not None and svc.memory_limit.key == "mem_limit"


def test_no_limit_is_none(tree: Tree) -> None:
    assert _service(tree, "  app:\n    image: acme/app:1\n").memory_limit_bytes is None


def test_cmp006_uses_the_limit_compose_applies(tree: Tree) -> None:
    """Merged duplicate: the rules took the smaller of mem_limit and the deploy limit;
    compose applies the deploy limit, so a 1g heap under deploy 2g is no finding."""
    body = (
        '  app:\n    image: acme/app:1\n    environment:\n      JAVA_OPTS: "-Xmx1g"\n'
        "    mem_limit: 512m\n    deploy:\n      resources:\n        limits:\n"
        "          memory: {deploy}\n"
    )
    assert findings(tree, compose(body.format(deploy="2g")), "CMP006") == []
    hits = findings(tree, compose(body.format(deploy="768m")), "CMP006")
    assert len(hits) == 1 and "768m" in hits[0].message


def test_cmp006_points_at_the_deploy_limit(tree: Tree) -> None:
    """Merged duplicate: with only a deploy limit, the related location is the `deploy`
    key (it was the service key, from the loader's copy of the text)."""
    body = (
        '  app:\n    image: acme/app:1\n    environment:\n      JAVA_OPTS: "-Xmx1g"\n'
        "    deploy:\n      resources:\n        limits:\n          memory: 512m\n"
    )
    hits = findings(tree, compose(body), "CMP006")
    assert len(hits) == 1
    assert hits[0].related and hits[0].related[0].line == 6  # deploy:


# ---------------------------------------------------------------- Dockerfile ENV / ARG


@pytest.mark.parametrize(
    ("keyword", "value", "env"),
    [
        ("ENV", 'A=1 B="two words"', (("A", "1"), ("B", "two words"))),
        ("ENV", "A some value", (("A", "some value"),)),
        ("ENV", "A=1 A=2", (("A", "1"), ("A", "2"))),
        ("ENV", "", ()),
        ("ARG", 'A B=1 C="x"', (("A", None), ("B", "1"), ("C", "x"))),
        ("ARG", "VERSION=", (("VERSION", ""),)),
        ("RUN", "A=1 make", ()),
    ],
)
def test_instruction_env(keyword: str, value: str, env: tuple[tuple[str, str | None], ...]) -> None:
    assert Instruction(keyword, value, LOC).env == env


def test_dockerfile_env_at_load(tree: Tree) -> None:
    stack = _stack(
        tree,
        {
            "Dockerfile": "ARG BASE=python:3.12\nFROM $BASE\nARG TOKEN\n"
            'ENV PORT=8000 NAME="my app"\nCMD ["python", "app.py"]\n'
        },
    )
    df = stack.dockerfiles["Dockerfile"]
    assert df.args == {"BASE": "python:3.12"}
    stage = df.stages[0]
    assert stage.all("ARG")[0].env == (("TOKEN", None),)
    assert stage.all("ENV")[0].env == (("PORT", "8000"), ("NAME", "my app"))
