"""DKR003 shell-form-entrypoint: its tests, gathered from the rule test modules by rule code."""

from __future__ import annotations

import pytest

from tests.rules.dockerfile.test_dockerfile_helpers import Tree, dockerfile, findings


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
