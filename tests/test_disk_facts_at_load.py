"""What facts need from the disk is read at load (loaders/envfiles.py,
loaders/disk_facts.py) into the model: env_file existence and what explains a missing
one, the `.env.*` files of a project directory, a build context's package.json scripts
and gunicorn config, and the entrypoint scripts a start command names. Rules then give
the same findings on a loaded stack after its tree is gone."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from infradoctor.config import LintConfig
from infradoctor.engine import lint
from infradoctor.facts.readiness import script_names
from infradoctor.loaders import load_stack
from infradoctor.model.stack import EnvFileRef, Service, Stack

Tree = Callable[..., Path]
EXAMPLES = Path(__file__).resolve().parents[1] / "examples"

TREE = {
    "compose.yaml": (
        "services:\n"
        "  api:\n    build: ./api\n    command: npm run dev\n"
        "    env_file:\n      - ./config/app.env\n      - ./config/db.env\n"
        "      - path: ./config/optional.env\n        required: false\n"
        "      - ./secrets/prod.env\n      - ./samples/local.env\n      - ./nothing/x.env\n"
        "    depends_on: [db]\n"
        "  web:\n    build: ./web\n    command: gunicorn app:app\n"
        "    entrypoint: ./docker-entrypoint.sh\n    depends_on: [db]\n"
        "  db:\n    image: postgres:16\n"
    ),
    "config/db.env": "POSTGRES_DB=app\n",
    "config/.env.local": "A=1\n",
    "secrets/.gitignore": "prod.env\n",
    "secrets/.env": "A=1\n",
    "samples/local.env.example": "A=\n",
    "nothing/readme.txt": "no env files here\n",
    ".env.prod": "A=1\n",
    ".env.example": "A=\n",
    ".env.stage": "A=1\n",
    "api/package.json": '{"scripts": {"dev": "next dev", "build": 3}}',
    "api/Dockerfile": 'FROM node:20\nCMD ["npm", "start"]\n',
    "web/Dockerfile": 'FROM python:3.12\nCMD ["gunicorn", "app:app"]\n',
    "web/conf/gunicorn.conf.py": "bind = '0.0.0.0:9000'\n",
    "web/docker-entrypoint.sh": '#!/bin/sh\nuntil pg_isready -h db; do sleep 1; done\nexec "$@"\n',
}


def _service(stack: Stack, name: str) -> Service:
    return next(s for s in stack.services if s.name == name)


def test_env_file_refs(tree: Tree) -> None:
    stack = load_stack(tree(TREE))
    refs = _service(stack, "api").env_file_refs
    assert refs == [
        EnvFileRef("./config/app.env", False, None),  # missing, nothing explains it
        EnvFileRef("./config/db.env", True),
        # an optional entry is not a ref
        EnvFileRef("./secrets/prod.env", False, "gitignored"),
        EnvFileRef("./samples/local.env", False, "sample"),
        EnvFileRef("./nothing/x.env", False, "no-env-files"),
    ]
    assert stack.projects[0].dotenv_names == [".env.example", ".env.prod", ".env.stage"]


def test_build_context_files(tree: Tree) -> None:
    stack = load_stack(tree(TREE))
    api, web, db = (_service(stack, n) for n in ("api", "web", "db"))
    assert api.package_scripts == {"dev": "next dev"}  # non-string values dropped
    assert not api.gunicorn_config and web.gunicorn_config  # one level down counts
    assert db.package_scripts == {} and not db.gunicorn_config


def test_start_scripts(tree: Tree) -> None:
    stack = load_stack(tree(TREE))
    # named by the entrypoint; found in the build context (= the Dockerfile's directory)
    scripts = _service(stack, "web").start_scripts
    assert {path for path, _ in scripts} == {"web/docker-entrypoint.sh"}
    assert all("pg_isready" in text for _, text in scripts)
    assert _service(stack, "db").start_scripts == []  # depends on nothing: not read


def _codes(root: Path, stack: Stack) -> list[tuple[str, str, int, str]]:
    result = lint(root, LintConfig(report_unused_suppressions=False), stack=stack, with_fixes=False)
    assert not [e for e in result.errors if e.kind == "internal"], result.errors
    return [(f.rule, f.location.file, f.location.line, f.message) for f in result.findings]


def _same_without_the_tree(root: Path) -> None:
    stack = load_stack(root)
    before = _codes(root, stack)
    shutil.rmtree(root)
    assert _codes(root, stack) == before


def test_rules_do_not_read_the_tree(tree: Tree) -> None:
    root = tree(TREE)
    stack = load_stack(root)
    found = {code for code, *_ in _codes(root, stack)}
    assert "PRF001" in found  # config/app.env
    _same_without_the_tree(root)


@pytest.mark.parametrize("name", sorted(p.name for p in EXAMPLES.iterdir() if p.is_dir()))
def test_examples_lint_the_same_without_their_tree(tmp_path: Path, name: str) -> None:
    root = tmp_path / name
    shutil.copytree(EXAMPLES / name, root)
    _same_without_the_tree(root)


def test_build_context_read_only_for_servers_that_need_it(tree: Tree) -> None:
    """package.json is read for a Node runner named by the Dockerfile alone, and not for
    a service that runs something else (listen detection never asks for it)."""
    stack = load_stack(
        tree(
            {
                "compose.yaml": (
                    "services:\n  node:\n    build: ./app\n"
                    "  py:\n    build: ./py\n    command: python app.py\n"
                ),
                "app/Dockerfile": 'FROM node:20\nENV PORT=3000\nCMD ["yarn", "start"]\n',
                "app/package.json": '{"scripts": {"start": "node server.js"}}',
                "py/Dockerfile": 'FROM python:3.12\nCMD ["python", "app.py"]\n',
                "py/package.json": '{"scripts": {"start": "vite"}}',
            }
        )
    )
    assert _service(stack, "node").package_scripts == {"start": "node server.js"}
    assert _service(stack, "py").package_scripts == {}  # nothing asks: not read
    assert [la.port for la in _service(stack, "node").listens] == [3000]


def test_script_names_keep_the_command_order() -> None:
    """The names a start command runs, in its order (a set made the order of the scripts
    read, and so which one explained a wait, differ between runs)."""
    assert script_names("./wait.sh db:5432 && ./b-entrypoint.sh && ./wait.sh x") == [
        "wait.sh",
        "b-entrypoint.sh",
    ]
    assert script_names("python app.py") == []
