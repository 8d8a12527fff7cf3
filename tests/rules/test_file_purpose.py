"""CI, test, development and maintenance compose files are held to their purpose:
availability and log-limit findings there are info and say why (infradoctor/purpose.py,
facts/purpose.py); production files keep their warnings."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from infradoctor.config import LintConfig
from infradoctor.engine import lint
from infradoctor.facts.purpose import dev_profile, swarm_file
from infradoctor.findings import Finding, Severity

Tree = Callable[..., Path]

# service_healthy on an image that may define a HEALTHCHECK: XF004's warning branch (a
# plain depends_on is info everywhere).
APP = (
    "services:\n"
    "  api:\n    image: acme/api:1.2\n    depends_on:\n      db:\n"
    "        condition: service_healthy\n"
    "  db:\n    image: acme/db:3\n"
)
RULES = ["CMP001", "CMP002", "XF004"]


def _lint(tree: Tree, files: dict[str, str]) -> list[Finding]:
    result = lint(tree(files), LintConfig(select=RULES, report_unused_suppressions=False))
    return [f for f in result.findings if f.rule in RULES]


@pytest.mark.parametrize(
    ("path", "why"),
    [
        ("tests/docker-compose.yml", "test compose file"),
        ("e2e/compose.yaml", "test compose file"),
        ("ci/compose.yaml", "CI compose file"),
        ("docker/docker-compose.ci.yml", "CI compose file"),
        ("docker-compose.test.yml", "test compose file"),
        ("docker-compose.integration-tests.yml", "test compose file"),
        (".devcontainer/docker-compose.yml", "development compose file"),
        ("docker-compose.dev.yml", "development compose file"),
        ("docker-compose.upgrade.yml", "maintenance compose file"),
    ],
)
def test_purpose_by_path(tree: Tree, path: str, why: str) -> None:
    found = _lint(tree, {path: APP})
    assert found and {f.rule for f in found} == set(RULES)
    for f in found:
        assert f.severity == Severity.INFO
        assert f.message.endswith(f"({why})")


def test_header_comment_says_not_for_production(tree: Tree) -> None:
    header = (
        "# This is a CI docker-compose file used for testing.\n"
        "# It should not be used for production.\n"
    )
    found = _lint(tree, {"docker/docker-compose.mysql.yml": header + APP})
    assert found and all(f.severity == Severity.INFO for f in found)
    assert all(f.message.endswith("(CI compose file)") for f in found)


def test_production_file_keeps_its_warnings(tree: Tree) -> None:
    header = "# Production stack: do not use the dev override here.\n"
    found = _lint(tree, {"deploy/docker-compose.yml": header + APP})
    assert {f.rule for f in found} == set(RULES)
    assert all(f.severity == Severity.WARNING for f in found)
    assert not any("compose file)" in f.message for f in found)


def test_words_inside_other_words_are_not_purposes(tree: Tree) -> None:
    # "latest", "contest", "devops", "cicd-docs" say nothing about the purpose
    for path in ("docker-compose.latest.yml", "contest/compose.yaml", "devops/compose.yaml"):
        found = _lint(tree, {path: APP})
        assert found and all(f.severity == Severity.WARNING for f in found), path


def test_dev_profile_service(tree: Tree) -> None:
    body = (
        "services:\n"
        "  api:\n    image: acme/api:1.2\n    restart: always\n    depends_on:\n"
        "      mail:\n        condition: service_healthy\n    logging:\n      options:\n        max-size: 10m\n"
        "  mail:\n    image: acme/mail:1\n    profiles: [dev]\n    restart: always\n"
        "    logging:\n      options:\n        max-size: 10m\n"
    )
    found = _lint(tree, {"compose.yaml": body})
    # XF004 is about api's start-up order on a dev-only dependency: info, and says why
    xf = [f for f in found if f.rule == "XF004"]
    assert xf and xf[0].severity == Severity.INFO
    assert xf[0].message.endswith("('mail': only in the 'dev' profile)")


def test_variant_purpose_applies_to_the_layered_reading(tree: Tree) -> None:
    overlay = "services:\n  api:\n    environment:\n      DEBUG: '1'\n"
    found = _lint(tree, {"compose.yaml": APP, "compose.dev.yaml": overlay})
    base = [f for f in found if f.file == "compose.yaml"]
    assert base and all(f.severity == Severity.WARNING for f in base)


def test_swarm_stack_file(tree: Tree) -> None:
    found = _lint(tree, {"docker-compose.swarm.yml": APP})
    by_rule = {f.rule: f for f in found}
    assert by_rule["CMP001"].severity == Severity.INFO
    assert by_rule["XF004"].severity == Severity.INFO
    assert "swarm" in by_rule["CMP001"].message
    assert by_rule["CMP002"].severity == Severity.WARNING  # logs still grow under swarm


def test_helpers() -> None:
    assert dev_profile("dev") and dev_profile("dev-tools") and dev_profile("web-dev")
    assert not dev_profile("prod") and not dev_profile("devops")
    assert swarm_file("swarm/compose.yml") and swarm_file("docker-compose.stack.yml")
    assert not swarm_file("tech-stack/compose.yml") and not swarm_file("compose.yml")
