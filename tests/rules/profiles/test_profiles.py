"""Profile-aware lint: findings name their profile, `--profile` restricts, dev-only
services are held to dev rules, and the prod rules stay quiet where they should."""

from __future__ import annotations

from pathlib import Path

from infradoctor.config import LintConfig
from infradoctor.engine import lint
from tests.conftest import REPO

PROFILES = REPO / "examples" / "profiles"


def _lint(root: Path, select: list[str], profiles: list[str] | None = None):
    cfg = LintConfig(select=select, report_unused_suppressions=False)
    if profiles:
        cfg.profiles = profiles
    return lint(root, cfg, with_fixes=False).findings


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
