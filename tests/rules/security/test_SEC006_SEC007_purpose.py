"""SEC006 and SEC007 in CI, test and development compose files are info and say why (a
fixture's published database or credential is not a production exposure; issue 10,
labelled precision set); production files keep their warnings. SEC007 judges a connection
URL by its password, not by the URL's punctuation."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from infradoctor.config import LintConfig
from infradoctor.engine import lint
from infradoctor.findings import Finding, Severity
from infradoctor.rules.security._secrets import looks_like_key_material, secret_part

Tree = Callable[..., Path]

DB = (
    "services:\n"
    "  db:\n    image: postgres:16\n    restart: always\n"
    "    environment:\n      POSTGRES_PASSWORD: mysecretpassword\n"
    "    ports:\n      - '5432:5432'\n"
)
KEY = "Zq8vR2mK7pL4xN9wB3tY6hJ1cF5dG0sA"  # generated-looking, 32 characters


def _lint(tree: Tree, files: dict[str, str]) -> list[Finding]:
    config = LintConfig(select=["SEC006", "SEC007"], report_unused_suppressions=False)
    return lint(tree(files), config).findings


@pytest.mark.parametrize(
    ("path", "why"),
    [
        ("docker-compose.test.yml", "test compose file"),
        ("docker/docker-compose.ci.yml", "CI compose file"),
        ("docker-compose.dev.yml", "development compose file"),
    ],
)
def test_fixture_files_are_info(tree: Tree, path: str, why: str) -> None:
    found = _lint(tree, {path: DB})
    assert sorted(f.rule for f in found) == ["SEC006", "SEC007"]
    for f in found:
        assert f.severity == Severity.INFO
        assert f.message.endswith(f"({why})")


def test_production_file_keeps_its_warnings(tree: Tree) -> None:
    found = _lint(tree, {"compose.yaml": DB})
    assert sorted(f.rule for f in found) == ["SEC006", "SEC007"]
    assert all(f.severity == Severity.WARNING for f in found)


def test_key_material_in_a_ci_env_file_is_info(tree: Tree) -> None:
    """NginxProxyManager's docker/ci.env, loaded by a CI compose file's service."""
    compose = "services:\n  authentik:\n    image: acme/auth:1\n    env_file: ci.env\n"
    files = {"docker/docker-compose.ci.yml": compose, "docker/ci.env": f"AUTH_SECRET_KEY={KEY}\n"}
    [f] = _lint(tree, files)
    assert f.rule == "SEC007" and f.severity == Severity.INFO
    assert f.file == "docker/ci.env" and f.message.endswith("(CI compose file)")
    files["docker/compose.yml"] = files.pop("docker/docker-compose.ci.yml")
    [f] = _lint(tree, files)
    assert f.severity == Severity.WARNING


def test_url_judged_by_its_password(tree: Tree) -> None:
    weak = "services:\n  app:\n    image: acme/app:1\n    environment:\n"
    weak += "      DATABASE_URL: mysql://root:whalehello@db:3306/mysql\n"
    [f] = _lint(tree, {"compose.yaml": weak})
    assert f.severity == Severity.INFO  # a weak password, no database published
    strong = weak.replace("whalehello", KEY)
    [f] = _lint(tree, {"compose.yaml": strong})
    assert f.severity == Severity.WARNING


def test_secret_part() -> None:
    assert secret_part("mysql://root:whalehello@db:3306/mysql") == "whalehello"
    assert secret_part(KEY) == KEY
    assert not looks_like_key_material(secret_part("mysql://root:whalehello@db:3306/mysql"))
    assert looks_like_key_material("mysql://root:whalehello@db:3306/mysql")  # the old mistake
