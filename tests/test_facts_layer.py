"""The facts layer (infradoctor/facts): the merged versions of helpers that existed twice
and disagreed, per-service facts computed once, dotenv files read by the loader."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from infradoctor.facts.dockerfile import env_values, parse_env, stage_chain
from infradoctor.facts.images import effective_user, external_base
from infradoctor.facts.listen import (
    command_tokens,
    dockerfile_env,
    is_web_server_service,
    listen_env,
    service_env,
)
from infradoctor.loaders import load_stack
from infradoctor.model.source import Location
from infradoctor.model.stack import Dockerfile, EnvVar, Instruction, Service, Stage

LOC = Location("Dockerfile", 1)


def stage(base: str, name: str | None, *ins: tuple[str, str]) -> Stage:
    return Stage(base, name, LOC, [Instruction(k, v, LOC) for k, v in ins])


def names(chain: list[Stage]) -> list[str | None]:
    return [s.name or s.base_image for s in chain]


# ---------------------------------------------------------------- stage_chain (was twice)


def test_stage_chain_honours_build_target_and_numeric_index() -> None:
    # listen.py's copy honoured the build target, _images.py's numeric stage indices:
    # the merged version does both.
    df = Dockerfile(
        "Dockerfile",
        [
            stage("python:3.12", "base"),
            stage("0", "dev"),  # FROM 0: the first stage, by index
            stage("python:3.12-slim", "prod"),
        ],
    )
    assert names(stage_chain(df)) == ["prod"]
    assert names(stage_chain(df, "dev")) == ["dev", "base"]
    assert names(stage_chain(df, "DEV")) == ["dev", "base"]  # names are case-insensitive
    assert names(stage_chain(df, "missing")) == ["prod"]  # unknown target: the last stage
    assert names(stage_chain(df, stage=df.stages[1])) == ["dev", "base"]
    assert stage_chain(None) == []


def test_stage_chain_follows_only_earlier_stages() -> None:
    # `FROM app` before a stage named app pulls the registry image `app` (listen.py's
    # copy followed the later stage).
    df = Dockerfile("Dockerfile", [stage("app", "first"), stage("node:20", "app")])
    assert names(stage_chain(df, "first")) == ["first"]


def test_stage_chain_stops_on_a_self_reference() -> None:
    df = Dockerfile("Dockerfile", [stage("python:3.12", "a"), stage("b", "b")])
    assert names(stage_chain(df)) == ["b"]


def test_image_facts_follow_the_chain() -> None:
    df = Dockerfile(
        "Dockerfile",
        [stage("node:20-alpine", "build", ("USER", "node")), stage("build", None)],
    )
    assert external_base(df) == "node:20-alpine"
    user = effective_user(df)
    assert user is not None and user.value == "node"


def test_dockerfile_env_uses_the_target_chain() -> None:
    df = Dockerfile(
        "Dockerfile",
        [stage("python:3.12", "base", ("ENV", "PORT=8100")), stage("base", "dev"), stage("x", "p")],
    )
    assert dockerfile_env(df, "dev") == {"PORT": "8100"}
    assert dockerfile_env(df) == {}


# ---------------------------------------------------------------- ENV parsing (was twice)


@pytest.mark.parametrize(
    ("value", "pairs"),
    [
        ('PORT=8000 APP_ENV="production mode"', [("PORT", "8000"), ("APP_ENV", "production mode")]),
        ("LEGACY_STYLE some value here", [("LEGACY_STYLE", "some value here")]),
        # legacy form: the rest of the line, whitespace kept (listen.py's copy squeezed it)
        ("GREETING hello   world", [("GREETING", "hello   world")]),
        # legacy form with quotes: Docker removes them (loaders' copy kept them)
        ('PORT "8080"', [("PORT", "8080")]),
        ("EMPTY", [("EMPTY", "")]),
        # key=value form: a word without `=` sets nothing (loaders' copy set it to "")
        ("A=1 stray B=2", [("A", "1"), ("B", "2")]),
        ("", []),
    ],
)
def test_parse_env(value: str, pairs: list[tuple[str, str]]) -> None:
    assert parse_env(value) == pairs


def test_env_values_later_assignment_wins() -> None:
    assert env_values("A=1 A=2") == {"A": "2"}


# ---------------------------------------------------------------- computed once per service


def _service(**kw: object) -> Service:
    svc = Service("app", "proj", "docker-compose.yml", LOC, **kw)  # type: ignore[arg-type]
    svc.environment["PORT"] = EnvVar("PORT", "9000", LOC)
    return svc


def test_per_service_facts_are_computed_once_and_returned_as_copies() -> None:
    df = Dockerfile("Dockerfile", [stage("nginx:1.27", None, ("ENV", "MODE=x"))])
    svc = _service(command=["uvicorn", "app:app"], dockerfile=df)
    first = command_tokens(svc)
    assert [t.text for t in first] == ["uvicorn", "app:app"]
    first.clear()  # a caller changing its copy does not change the fact
    assert [t.text for t in command_tokens(svc)] == ["uvicorn", "app:app"]
    env = service_env(svc)
    assert env == {"MODE": "x", "PORT": "9000"}
    env["PORT"] = "1"
    assert service_env(svc)["PORT"] == "9000"
    assert listen_env(svc)["PORT"] == "9000"
    assert is_web_server_service(svc)
    assert set(svc.facts_memo) >= {"command_tokens", "service_env", "listen_env", "web_server"}


def test_per_service_facts_follow_replaced_inputs() -> None:
    svc = _service(command=["uvicorn", "app:app"])
    assert not is_web_server_service(svc)
    svc.command = ["nginx", "-g", "daemon off;"]
    assert is_web_server_service(svc)
    svc.dockerfile = Dockerfile("Dockerfile", [stage("python:3.12", None, ("ENV", "A=1"))])
    assert service_env(svc)["A"] == "1"


# ---------------------------------------------------------------- dotenv files in the model


COMPOSE = """\
services:
  app:
    image: example/app:1.0
    profiles: [prod]
    environment:
      TOKEN: ${TOKEN}
"""


def test_loader_reads_project_env_files(tmp_path: Path) -> None:
    (tmp_path / "docker-compose.yml").write_text(COMPOSE)
    (tmp_path / ".env").write_text("TOKEN=abc\n")
    (tmp_path / ".env.prod").write_text("# prod\nTOKEN=def\n")
    (tmp_path / ".env.example").write_text("TOKEN=\n")
    (tmp_path / ".env.stage").write_text("OTHER=1\n")
    (tmp_path / "unrelated.txt").write_text("x\n")
    stack = load_stack(tmp_path)
    (project,) = stack.projects
    assert sorted(project.env_files) == [".env", ".env.example", ".env.prod", ".env.stage"]
    prod = project.env_files[".env.prod"]
    assert prod.values == {"TOKEN": "def"} and prod.lines == {"TOKEN": 2}
    assert prod.location("TOKEN") == Location(".env.prod", 2)
    assert project.env_files[".env.stage"].path == ".env.stage"


def test_loader_never_reads_an_env_file_through_a_symlink_out_of_the_tree(
    tmp_path: Path,
) -> None:
    outside = tmp_path / "outside.env"
    outside.write_text("TOKEN=secret-from-outside\n")
    root = tmp_path / "proj"
    root.mkdir()
    (root / "docker-compose.yml").write_text(COMPOSE)
    os.symlink(outside, root / ".env")
    stack = load_stack(root)
    (project,) = stack.projects
    assert ".env" not in project.env_files


def test_env_files_of_a_subproject_carry_their_path(tmp_path: Path) -> None:
    sub = tmp_path / "svc"
    sub.mkdir()
    (sub / "docker-compose.yml").write_text(COMPOSE)
    (sub / ".env").write_text("TOKEN=1\n")
    stack = load_stack(tmp_path)
    (project,) = stack.projects
    assert project.env_files[".env"].path == "svc/.env"


# ---------------------------------------------------------------- hosts and sizes (were 2-3x)


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("10.0.0.1", True),
        ("[::1]", True),
        ("::", True),
        ("fe80::1", True),
        # the nginx rules' regex copy took these for IPs; nginx resolves them as names
        ("300.1.1.1", False),
        ("cafe:beef", False),
        ("app", False),
        ("", False),
        (None, False),
    ],
)
def test_is_ip(host: str | None, expected: bool) -> None:
    from infradoctor.facts.hosts import is_ip

    assert is_ip(host) is expected


def test_one_size_formatter_two_notations() -> None:
    from infradoctor.facts.sizes import human_size, k8s_size

    assert human_size(512 * 1024**2) == "512m"
    assert human_size(int(1.5 * 1024**3)) == "1.5g"
    assert human_size(100) == "100b"
    assert k8s_size(512 * 1024**2) == "512Mi"
    assert k8s_size(int(1.5 * 1024**3)) == "1.5Gi"
    assert k8s_size(100) == "100"
