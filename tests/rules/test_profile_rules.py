"""Profile-aware lint: findings name their profile, `--profile` restricts, dev-only
services are held to dev rules, and the prod rules stay quiet where they should."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from infradoctor.cli.main import main
from infradoctor.config import LintConfig
from infradoctor.engine import lint
from infradoctor.findings import Severity
from tests.conftest import REPO

PROFILES = REPO / "examples" / "profiles"


def _lint(root: Path, select: list[str], profiles: list[str] | None = None):
    cfg = LintConfig(select=select, report_unused_suppressions=False)
    if profiles:
        cfg.profiles = profiles
    return lint(root, cfg, with_fixes=False).findings


def test_findings_name_their_profile() -> None:
    got = {(f.rule, f.profile) for f in _lint(PROFILES, ["PRF", "CMP001", "CMP002"])}
    assert got == {
        ("PRF001", "prod"),
        ("PRF002", "stage"),
        ("PRF003", None),
        ("PRF003", "stage"),
        ("PRF004", None),
        ("PRF005", "prod"),
        ("PRF006", "prod"),
        ("PRF007", "prod"),
        ("PRF008", "prod"),
        ("CMP001", "dev"),
        ("CMP002", "dev"),
    }


def test_dev_only_services_get_no_production_warnings() -> None:
    findings = _lint(PROFILES, ["all"])
    mailpit = [f for f in findings if f.subject == "mailpit"]
    assert {f.rule for f in mailpit} == {"CMP001", "CMP002"}
    assert all(f.severity is Severity.INFO and f.profile == "dev" for f in mailpit)
    # grafana and mailpit publish ports in dev only: no PRF005
    assert not [f for f in findings if f.rule == "PRF005" and f.subject != "prometheus"]


def test_profile_option_restricts(capsys: pytest.CaptureFixture[str]) -> None:
    dev = _lint(PROFILES, ["PRF"], profiles=["dev"])
    assert not [f for f in dev if f.profile in ("prod", "stage")]
    prod = _lint(PROFILES, ["PRF"], profiles=["prod"])
    assert {f.rule for f in prod if f.profile == "prod"} >= {"PRF001", "PRF005", "PRF008"}
    assert not [f for f in prod if f.profile == "stage"]
    assert main(["lint", str(PROFILES), "--select", "PRF", "--format", "json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert {f["profile"] for f in data["findings"]} == {None, "prod", "stage"}


def test_prod_profile_names_are_configurable(tree) -> None:
    root = tree(
        {
            "compose.yaml": (
                "services:\n  grafana:\n    image: grafana/grafana:11.2.0\n"
                "    profiles: [live]\n    ports: ['3000:3000']\n"
            ),
            ".infradoctor.toml": '[rules.PRF005]\nprod-profiles = ["live"]\n',
        }
    )
    assert main(["lint", str(root), "--select", "PRF005", "-q"]) == 1
    assert _lint(root, ["PRF005"]) == []  # the default names do not include "live"


def test_interpolated_debug_value_is_left_to_the_env_file(tree) -> None:
    root = tree(
        {
            "compose.yaml": (
                "services:\n  api:\n    image: ghcr.io/acme/api:1.0\n    environment:\n"
                "      LOG_LEVEL: ${LOG_LEVEL:-WARN}\n      DEBUG: ${DEBUG}\n"
                "  tools:\n    image: ghcr.io/acme/tools:1.0\n    profiles: [prod]\n"
            ),
            ".env": "LOG_LEVEL=DEBUG\nDEBUG=true\n",
        }
    )
    assert _lint(root, ["PRF006"]) == []


def test_no_prod_profile_no_prod_findings(tree) -> None:
    root = tree(
        {
            "compose.yaml": (
                "services:\n  prometheus:\n    image: prom/prometheus:v2.54.1\n"
                "    ports: ['9090:9090']\n    environment:\n      DEBUG: 'true'\n"
                "      PW: ${DB_PASSWORD:-postgres}\n"
            ),
        }
    )
    assert _lint(root, ["PRF"]) == []


def test_missing_env_file_that_git_ignores_is_not_reported(tree) -> None:
    root = tree(
        {
            "compose.yaml": (
                "services:\n  api:\n    image: ghcr.io/acme/api:1.0\n    env_file: .env.prod\n"
            ),
            ".env.dev": "A=1\n",
            ".gitignore": ".env.prod\n",
        }
    )
    assert _lint(root, ["PRF001"]) == []
    (root / ".gitignore").write_text("node_modules/\n")
    assert [f.rule for f in _lint(root, ["PRF001"])] == ["PRF001"]
