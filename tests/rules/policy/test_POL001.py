"""POL001 resource-budget: its tests, gathered from the rule test modules by rule code."""

from __future__ import annotations

import pytest

from tests.rules.policy.test_policy_config import COMPOSE, POLICY, _json


def test_policy_findings_cite_the_policy_line(tree, capsys: pytest.CaptureFixture[str]) -> None:
    root = tree({"compose.yaml": COMPOSE, "pyproject.toml": POLICY})
    code, data = _json(capsys, str(root), "--select", "POL")
    assert code == 1
    got = sorted((f["rule"], f["subject"], f["profile"]) for f in data["findings"])
    assert got == [
        ("POL001", "auth", None),
        ("POL002", "auth", "prod"),
        ("POL002", "web", "prod"),
        ("POL003", "auth", "prod"),
    ]
    pol001 = next(f for f in data["findings"] if f["rule"] == "POL001")
    assert "memory limit 2g is above the budget 512m..768m" in pol001["message"]
    assert "pyproject.toml:3" in pol001["message"]
    assert pol001["related"][0]["file"] == "pyproject.toml"
    assert pol001["related"][0]["line"] == 3
    pol003 = next(f for f in data["findings"] if f["rule"] == "POL003")
    assert "pyproject.toml:9" in pol003["message"]  # the published-ports line
    # --profile dev: the prod policy does not apply
    _, data = _json(capsys, str(root), "--select", "POL", "--profile", "dev")
    assert {f["rule"] for f in data["findings"]} == {"POL001"}
