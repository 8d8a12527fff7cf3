"""XF002/XF003 on the stacks of the acceptance audit (listen facts from unknown values and
from the Node PORT convention)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

from infradoctor.config import LintConfig
from infradoctor.engine import lint
from infradoctor.findings import Finding

Tree = Callable[[Mapping[str, str]], Path]

NGINX = """\
  nginx:
    image: nginx:1.27
    ports: ["80:80"]
    volumes:
      - ./nginx/default.conf:/etc/nginx/conf.d/default.conf:ro
"""


def conf(target: str) -> str:
    return (
        f"server {{\n    listen 80;\n    location / {{\n        proxy_pass {target};\n    }}\n}}\n"
    )


def run(tree: Tree, files: Mapping[str, str]) -> list[Finding]:
    result = lint(
        tree(files),
        LintConfig(select=["XF002", "XF003"], report_unused_suppressions=False),
        with_fixes=False,
    )
    assert not [e for e in result.errors if e.kind == "internal"], result.errors
    return result.findings


@pytest.fixture(autouse=True)
def _no_port(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("PORT", "APP_HOST", "APP_PORT"):
        monkeypatch.delenv(name, raising=False)


def test_unset_required_port_in_gunicorn_bind_is_unknown(tree: Tree) -> None:
    compose = (
        "services:\n"
        + NGINX
        + """\
  api:
    image: example/api:1.4
    command: ["gunicorn", "-b", "0.0.0.0:${PORT:?set}", "app:app"]
"""
    )
    assert (
        run(tree, {"docker-compose.yml": compose, "nginx/default.conf": conf("http://api:7000")})
        == []
    )


@pytest.mark.parametrize(
    "command",
    [
        "uvicorn app:app --host 0.0.0.0 --port ${PORT}",
        "uvicorn app:app --host ${APP_HOST} --port 8000",
        "sh -c 'alembic upgrade head && gunicorn -b 0.0.0.0:$${PORT} app:app'",
    ],
)
def test_unset_variables_in_shell_commands_are_unknown(tree: Tree, command: str) -> None:
    compose = (
        "services:\n"
        + NGINX
        + f"""\
  api:
    image: example/api:1.4
    command: {command}
"""
    )
    assert (
        run(tree, {"docker-compose.yml": compose, "nginx/default.conf": conf("http://api:7000")})
        == []
    )


NODE_COMPOSE = (
    "services:\n"
    + NGINX
    + """\
  web:
    build: ./web
    environment:
      PORT: "4000"
"""
)
NODE_DOCKERFILE = 'FROM node:20-alpine\nWORKDIR /app\nCOPY . .\nCMD ["node","server.js"]\n'


def test_node_port_env_matching_is_clean(tree: Tree) -> None:
    assert (
        run(
            tree,
            {
                "docker-compose.yml": NODE_COMPOSE,
                "web/Dockerfile": NODE_DOCKERFILE,
                "nginx/default.conf": conf("http://web:4000/"),
            },
        )
        == []
    )


def test_node_expose_matching_nginx_is_not_contradicted(tree: Tree) -> None:
    """EXPOSE 3000 plus PORT=4000: we can't tell which is right, so no finding on 3000."""
    dockerfile = NODE_DOCKERFILE.replace("CMD", "EXPOSE 3000\nCMD")
    assert (
        run(
            tree,
            {
                "docker-compose.yml": NODE_COMPOSE,
                "web/Dockerfile": dockerfile,
                "nginx/default.conf": conf("http://web:3000/"),
            },
        )
        == []
    )


def test_vite_dev_server_port_env_stays_a_hint(tree: Tree) -> None:
    compose = NODE_COMPOSE + '    command: ["npm", "run", "dev"]\n'
    assert (
        run(
            tree,
            {
                "docker-compose.yml": compose,
                "web/Dockerfile": NODE_DOCKERFILE,
                "web/package.json": '{"scripts": {"dev": "vite --host 0.0.0.0"}}',
                "nginx/default.conf": conf("http://web:5173/"),
            },
        )
        == []
    )
