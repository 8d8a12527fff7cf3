"""Link step with values that are unknown at lint time: templated nginx `listen`, proxy
targets filled from an nginx environment whose variables are unset."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

from infradoctor.loaders import load_stack
from infradoctor.model.stack import Service, Stack

Tree = Callable[[Mapping[str, str]], Path]

FRONT_TEMPLATE = """\
server {
    listen ${NGINX_PORT};
    location / { root /usr/share/nginx/html; }
}
"""


def front_compose(env: str) -> str:
    return f"""\
services:
  front:
    image: nginx:1.27-alpine
{env}    volumes:
      - ./front/templates:/etc/nginx/templates:ro
"""


def load(tree: Tree, files: Mapping[str, str]) -> Stack:
    stack = load_stack(tree(files))
    assert not [e for e in stack.errors if e.kind == "internal"], stack.errors
    return stack


def service(stack: Stack, name: str) -> Service:
    [svc] = [s for s in stack.services if s.name == name]
    return svc


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("NGINX_PORT", "IDX_API_HOST"):
        monkeypatch.delenv(name, raising=False)


def test_templated_listen_uses_the_container_environment(tree: Tree) -> None:
    stack = load(
        tree,
        {
            "docker-compose.yml": front_compose('    environment:\n      NGINX_PORT: "8080"\n'),
            "front/templates/default.conf.template": FRONT_TEMPLATE,
        },
    )
    assert service(stack, "front").listen_ports == {8080}


@pytest.mark.parametrize(
    "env",
    [
        "",
        "    environment:\n      NGINX_PORT: ${NGINX_PORT}\n",
    ],
)
def test_templated_listen_with_unknown_variable_is_unknown(tree: Tree, env: str) -> None:
    """Not 80 (what `listen ${NGINX_PORT}` parsed as before): nothing is known."""
    stack = load(
        tree,
        {
            "docker-compose.yml": front_compose(env),
            "front/templates/default.conf.template": FRONT_TEMPLATE,
        },
    )
    assert service(stack, "front").listens == []


def test_proxy_target_from_unset_variable_stays_unresolved(tree: Tree) -> None:
    compose = """\
services:
  web:
    image: nginx:1.27
    environment:
      API_HOST: ${IDX_API_HOST}x
    volumes:
      - ./web/default.conf.template:/etc/nginx/templates/default.conf.template:ro
  api:
    image: example/api:1
"""
    conf = "server {\n    listen 80;\n    location / { proxy_pass http://${API_HOST}:8000; }\n}\n"
    stack = load(tree, {"docker-compose.yml": compose, "web/default.conf.template": conf})
    [rt] = stack.projects[0].targets
    assert rt.service is None and rt.reason == "variable"
