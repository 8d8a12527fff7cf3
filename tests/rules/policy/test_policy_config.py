"""Runbook policy (`[tool.infradoctor.policy]`): off by default, findings cite the policy
line, bad policy tables are configuration errors."""

from __future__ import annotations

import json

import pytest

from infradoctor.cli.main import main
from tests.conftest import REPO

COMPOSE = (
    "services:\n"
    "  auth:\n    image: eclipse-temurin:21-jre\n    restart: unless-stopped\n"
    "    mem_limit: 2g\n    ports: ['8080:8080']\n"
    "  web:\n    image: nginx:1.27\n    restart: unless-stopped\n    ports: ['80:80']\n"
    "  mailpit:\n    image: axllent/mailpit:v1.20\n    profiles: [dev]\n    ports: ['8025:8025']\n"
)
POLICY = """\
[tool.infradoctor]

[[tool.infradoctor.policy.resources]]
class = "jvm"
memory = "512m..768m"

[tool.infradoctor.policy.profiles.prod]
hardening = ["read-only"]
published-ports = [80, 443]
"""


def _json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict]:
    code = main(["lint", *args, "--format", "json"])
    return code, json.loads(capsys.readouterr().out)


def test_policy_is_off_by_default(tree, capsys: pytest.CaptureFixture[str]) -> None:
    root = tree({"compose.yaml": COMPOSE})
    _, data = _json(capsys, str(root), "--select", "POL")
    assert data["findings"] == []
    _, data = _json(capsys, str(REPO / "examples"), "--select", "POL")
    assert data["findings"] == []


@pytest.mark.parametrize(
    "table, message",
    [
        ('[[tool.infradoctor.policy.resources]]\nclass = "gpu"\n', "class 'gpu'"),
        ('[[tool.infradoctor.policy.resources]]\nclass = "jvm"\nmemory = "lots"\n', "memory"),
        ("[tool.infradoctor.policy.profiles.prod]\nhardening = ['magic']\n", "hardening"),
        ("[tool.infradoctor.policy]\nbudgets = 1\n", "unknown key 'budgets'"),
    ],
)
def test_bad_policy_is_a_configuration_error(
    tree, capsys: pytest.CaptureFixture[str], table: str, message: str
) -> None:
    root = tree({"compose.yaml": COMPOSE, "pyproject.toml": "[tool.infradoctor]\n" + table})
    assert main(["lint", str(root)]) == 2
    assert message in capsys.readouterr().err
