"""Listen facts from unknown values stay unknown; platform conventions count as strong.

Regressions from the acceptance audit: an unset `${PORT:?}` in a gunicorn bind became
"listens on 8000" (gunicorn's default), and `node server.js` with PORT set was only a hint.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

from infradoctor.facts.listen import detect_listens, evidence
from infradoctor.loaders import load_stack
from infradoctor.loaders.disk_facts import package_scripts
from infradoctor.loaders.interpolate import UNSET_MARK
from infradoctor.model.source import Location
from infradoctor.model.stack import Dockerfile, EnvVar, Instruction, Service, Stage

Tree = Callable[[Mapping[str, str]], Path]
LOC = Location("docker-compose.yml", 5)
DF_LOC = Location("web/Dockerfile", 3)


def service(
    command: Any = None,
    env: Mapping[str, str] | None = None,
    unset: Mapping[str, str] | None = None,
    **kw: Any,
) -> Service:
    svc = Service("app", "proj", "docker-compose.yml", LOC, command=command, **kw)
    for k, v in (env or {}).items():
        svc.environment[k] = EnvVar(k, v, LOC)
    svc.unset_values = dict(unset or {})
    return svc


def facts(svc: Service, root: Path | None = None) -> set[tuple[int, str | None, str]]:
    if root is not None and svc.build_context is not None:  # as load_stack reads it
        svc.package_scripts = package_scripts(root / svc.build_context, root.resolve())
    return {(la.port, la.host, la.source.split(":", 1)[0]) for la in detect_listens(svc)}


def node_dockerfile(cmd: list[str] | None, base: str = "node:20-alpine") -> Dockerfile:
    ins = [Instruction("WORKDIR", "/app", DF_LOC)]
    if cmd is not None:
        ins.append(Instruction("CMD", json.dumps(cmd), DF_LOC, exec_form=cmd))
    return Dockerfile("web/Dockerfile", [Stage(base, None, Location("web/Dockerfile", 1), ins)])


# ------------------------------------------------------------------ unknown values


M = UNSET_MARK


@pytest.mark.parametrize(
    ("command", "env", "unset"),
    [
        pytest.param(
            ["gunicorn", "-b", "0.0.0.0:", "app:app"],
            {},
            {"0.0.0.0:": f"0.0.0.0:{M}"},
            id="gunicorn bind with unset port (exec form)",
        ),
        pytest.param("gunicorn -b 0.0.0.0: app:app", {}, {}, id="gunicorn bind with empty port"),
        pytest.param("gunicorn --bind=:$PORT app:app", {}, {}, id="gunicorn unknown $PORT"),
        pytest.param(
            "uvicorn app:app --host 0.0.0.0 --port ",
            {},
            {
                "uvicorn app:app --host 0.0.0.0 --port ": f"uvicorn app:app --host 0.0.0.0 --port {M}"
            },
            id="uvicorn trailing unset --port (shell form)",
        ),
        pytest.param(
            ["uvicorn", "app:app", "--host", "0.0.0.0", "--port", ""],
            {},
            {},
            id="uvicorn empty --port",
        ),
        pytest.param(["uvicorn", "app:app", "--host", ""], {}, {"": M}, id="uvicorn unset --host"),
        pytest.param(
            "java -Dserver.port=$SERVER_PORT -jar app.jar",
            {"SPRING_PROFILES_ACTIVE": "prod"},
            {},
            id="java unknown -Dserver.port",
        ),
        pytest.param("python manage.py runserver $ADDR", {}, {}, id="runserver unknown address"),
        pytest.param("gunicorn app:app", {"PORT": ""}, {"": M}, id="gunicorn PORT env unset"),
        pytest.param(
            "gunicorn app:app",
            {"GUNICORN_CMD_ARGS": "--bind 0.0.0.0:"},
            {"--bind 0.0.0.0:": f"--bind 0.0.0.0:{M}"},
            id="GUNICORN_CMD_ARGS unset port",
        ),
        pytest.param(
            "flask run --host 0.0.0.0", {"FLASK_RUN_PORT": ""}, {"": M}, id="flask port env unset"
        ),
        pytest.param("PORT=$APP_PORT gunicorn app:app", {}, {}, id="assignment from unknown var"),
    ],
)
def test_unknown_listen_value_means_unknown_port(
    command: Any, env: dict[str, str], unset: dict[str, str]
) -> None:
    """No fact, and no fallback to the server's default port either."""
    assert facts(service(command, env, unset)) == set()


def test_unknown_value_of_other_flags_keeps_the_listen_fact() -> None:
    svc = service(["gunicorn", "-b", "0.0.0.0:8000", "-w", "", "app:app"], unset={"": M})
    assert facts(svc) == {(8000, "0.0.0.0", "command")}


def test_list_syntax_environment_unset_value() -> None:
    svc = service("gunicorn app:app", {"PORT": ""}, {"PORT=": f"PORT={M}"})
    assert facts(svc) == set()


def test_compose_loader_records_unset_values(tree: Tree, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("IDX_TEST_PORT", raising=False)
    monkeypatch.setenv("IDX_TEST_SET", "1")
    root = tree(
        {
            "docker-compose.yml": """\
services:
  api:
    image: example/api:1
    command: ["gunicorn", "-b", "0.0.0.0:${IDX_TEST_PORT:?set it}", "app:app"]
    environment:
      - WORKERS=${IDX_TEST_PORT}
      - OTHER=${IDX_TEST_SET}
      - DEFAULTED=${IDX_TEST_PORT:-5}
"""
        }
    )
    [svc] = load_stack(root).services
    assert svc.command == ["gunicorn", "-b", "0.0.0.0:", "app:app"]
    assert svc.unset_values["0.0.0.0:"] == f"0.0.0.0:{M}"
    assert svc.unset_values["WORKERS="] == f"WORKERS={M}"
    assert not any(k.startswith(("OTHER", "DEFAULTED")) for k in svc.unset_values)
    assert svc.listens == []


# ------------------------------------------------------------------ conventions


def test_node_server_with_port_is_strong() -> None:
    svc = service(None, {"PORT": "4000"}, dockerfile=node_dockerfile(["node", "server.js"]))
    assert facts(svc) == {(4000, None, "convention")}
    svc.listens = detect_listens(svc)
    assert evidence(svc) == "strong"
    assert "node server.js with PORT=4000" in svc.listens[0].source


def test_node_image_with_unknown_command_and_port() -> None:
    svc = service(None, {"PORT": "4000"}, dockerfile=node_dockerfile(["./start.sh"]))
    assert facts(svc) == {(4000, None, "convention")}
    svc = service("./start.sh", {"PORT": "4000"}, image="node:20")
    assert facts(svc) == {(4000, None, "convention")}
    # Not a node image: PORT stays a hint.
    svc = service("./start.sh", {"PORT": "4000"}, image="example/app:1")
    assert facts(svc) == {(4000, None, "env")}


@pytest.mark.parametrize(
    ("command", "scripts", "kind"),
    [
        ("npm start", None, "convention"),
        ("yarn run start:prod", None, "convention"),
        ("pnpm start", {"start": "node dist/main.js"}, "convention"),
        ("npm run dev", None, "env"),  # could be Vite, which ignores PORT
        ("npm run dev", {"dev": "next dev"}, "convention"),
        ("npm run dev", {"dev": "vite --host"}, "env"),
        ("npm start", {"start": "serve -s build -l 5000"}, "env"),
        ("npm start", {"start": "next start -p 3001"}, "env"),
        ("npm run lint", None, "env"),
    ],
)
def test_npm_scripts(
    tmp_path: Path, command: str, scripts: dict[str, str] | None, kind: str
) -> None:
    if scripts is not None:
        (tmp_path / "web").mkdir()
        (tmp_path / "web" / "package.json").write_text(json.dumps({"scripts": scripts}))
    svc = service(command, {"PORT": "4000"}, build_context="web")
    assert facts(svc, tmp_path) == {(4000, None, kind)}


def test_nuxt_and_spring_conventions() -> None:
    assert facts(service("nuxt start", {"NUXT_PORT": "3100"})) == {(3100, None, "command")}
    assert facts(
        service("java -jar app.jar", {"SERVER_PORT": "8081", "SPRING_PROFILES_ACTIVE": "prod"})
    ) == {(8081, None, "convention")}


def test_declarations_with_unset_variables(tree: Tree, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("IDX_CPORT", raising=False)
    root = tree(
        {
            "docker-compose.yml": """\
services:
  a:
    image: example/a:1
    ports:
      - "8080:${IDX_CPORT}"
      - "127.0.0.1:${IDX_CPORT}:9000"
    expose:
      - "${IDX_CPORT}1"
    healthcheck:
      test: ["CMD", "curl", "-f", "http://localhost:80${IDX_CPORT}/health"]
"""
        }
    )
    [svc] = load_stack(root).services
    # Only the container port written literally is known.
    assert {(la.port, la.source.split(":", 1)[0]) for la in svc.listens} == {(9000, "ports")}
