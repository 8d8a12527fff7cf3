"""XF005 depends-on-without-healthy-condition: its tests, gathered from the rule test modules by rule code."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from infradoctor.config import LintConfig
from infradoctor.engine import lint
from infradoctor.findings import Applicability, Finding
from infradoctor.fixes.apply import run_fixes
from tests.conftest import REPO, write_tree
from tests.fixes._fix_twice import FUZZ_CONFIG, edits_in_range, fix_twice
from tests.rules.cross._topology_support import Tree, codes, run


def test_dockerfile_healthcheck_counts(tree: Tree) -> None:
    compose = """\
services:
  api:
    image: example/api:1
    depends_on: [worker]
  worker:
    build: ./worker
"""
    files = {
        "docker-compose.yml": compose,
        "worker/Dockerfile": "FROM python:3.12-slim\nHEALTHCHECK CMD python -c 'print(1)'\n",
    }
    assert codes(run(tree, files, "XF00")) == ["XF005"]


CONFIG = LintConfig(report_unused_suppressions=False)


def _only(findings: list[Finding], rule: str) -> list[Finding]:
    return [f for f in findings if f.rule == rule]


# ---------------------------------------------------------------- the fix and broken healthchecks

SLIM_CURL = {
    "docker-compose.yml": (
        "services:\n"
        "  nginx:\n"
        "    image: nginx:1.27\n"
        "    depends_on:\n"
        "      - backend\n"
        "  backend:\n"
        "    build: ./backend\n"
        "    healthcheck:\n"
        '      test: ["CMD", "curl", "-fsS", "http://localhost:8000/health"]\n'
        "      interval: 15s\n"
    ),
    "backend/Dockerfile": 'FROM python:3.11-slim\nCMD ["python", "-m", "app"]\n',
}


def test_depends_on_healthy_not_safe_when_healthcheck_tool_missing(tmp_path: Path) -> None:
    """Fix acceptance audit: XF005's "safe" fix waited on a healthcheck calling curl in a
    slim image without curl, so nginx never started; now it is display-only and says why."""
    root = write_tree(tmp_path / "s", SLIM_CURL)
    before = lint(root, LintConfig(select=["XF005", "DKR005"]))
    assert _only(before.findings, "DKR005")
    (xf005,) = _only(before.findings, "XF005")
    assert xf005.fix is not None
    assert xf005.fix.applicability is Applicability.DISPLAY_ONLY
    assert "curl" in xf005.fix.title and "never start" in xf005.fix.title
    run_fixes(root, LintConfig(select=["XF005"]), unsafe=True)
    assert "service_healthy" not in (root / "docker-compose.yml").read_text()


@pytest.mark.parametrize("bad", ["interval: 30", "interval: 15s\n      retries: -1"])
def test_depends_on_healthy_not_safe_when_healthcheck_timing_invalid(
    bad: str, tmp_path: Path
) -> None:
    """Same audit: a healthcheck compose rejects (CMP008 timing) never turns healthy, so
    XF005 offers no safe `service_healthy` for it."""
    files = dict(SLIM_CURL)
    files["docker-compose.yml"] = (
        files["docker-compose.yml"]
        .replace('"curl", "-fsS", "http://localhost:8000/health"', '"python", "-V"')
        .replace("interval: 15s", bad)
    )
    root = write_tree(tmp_path / "s", files)
    (xf005,) = _only(lint(root, LintConfig(select=["XF005"])).findings, "XF005")
    assert xf005.fix is not None and xf005.fix.applicability is Applicability.DISPLAY_ONLY
    assert "CMP008" in xf005.fix.title


def test_other_dependency_with_broken_healthcheck_keeps_service_started(tmp_path: Path) -> None:
    """Same audit: one broken healthcheck must not block the fix for a sound sibling; the
    broken dependency keeps service_started while the sound one gets service_healthy."""
    files = dict(SLIM_CURL)
    files["docker-compose.yml"] = (
        files["docker-compose.yml"].replace("      - backend\n", "      - db\n      - backend\n")
        + "  db:\n    image: postgres:16\n    healthcheck:\n"
        '      test: ["CMD-SHELL", "pg_isready -U postgres"]\n'
    )
    root = write_tree(tmp_path / "s", files)
    run_fixes(root, LintConfig(select=["XF005"]))
    text = (root / "docker-compose.yml").read_text()
    assert "      db:\n        condition: service_healthy\n" in text
    assert "      backend:\n        condition: service_started\n" in text


def test_telegram_example_fix_keeps_nginx_startable(tmp_path: Path) -> None:
    """The audit's real case (examples/telegram-backend): fixing all must leave nginx
    startable, with XF005 only a display-only suggestion afterwards."""
    root = tmp_path / "t"
    shutil.copytree(REPO / "examples" / "telegram-backend", root)
    run_fixes(root, CONFIG)
    text = (root / "docker-compose.yml").read_text()
    assert "condition: service_healthy" not in text.split("  backend:")[0]
    after = lint(root, CONFIG)
    assert _only(after.findings, "DKR005")
    (xf005,) = _only(after.findings, "XF005")
    assert xf005.fix is not None and xf005.fix.applicability is Applicability.DISPLAY_ONLY


# ---------------------------------------------------------------- fuzz: odd depends_on shapes

NULL_DEPENDS_ITEM = {
    "compose.yaml": (
        "services:\n  redis:\n   image: redis\n  p:\n   depends_on:\n      -\n      - redis"
    )
}
INT_DEPENDS_ITEM = {
    "compose.yaml": (
        "services:\n  redis:\n   image: redis\n  p:\n   depends_on:\n      - 0\n      - redis"
    )
}
FLOW_PASSES = {
    "compose.yaml": "services: {w: {},{{{}}},db: {}}",
    "docker-compose.override.yml": (
        "services: {w: {.,depends_on: {db: {}}},db: {image: postgres}}"
    ),
}
FLOW_PASSES_PLAIN = {
    "compose.yaml": "services: {w: {}, db: {}}",
    "docker-compose.override.yml": "services: {w: {depends_on: {db: {}}}, db: {image: postgres}}",
}


@pytest.mark.parametrize(
    "files",
    [NULL_DEPENDS_ITEM, INT_DEPENDS_ITEM, FLOW_PASSES, FLOW_PASSES_PLAIN],
    ids=["xf005-null-item", "xf005-int-item", "xf005-flow", "xf005-flow-plain"],
)
def test_fuzz_fix_twice_is_noop(files: dict[str, str], tmp_path: Path) -> None:
    """Long mutation-fuzz round (bench/fuzz.py): null and integer depends_on items and
    flow mappings gave XF005 out-of-range edits or fixes only a second run applied."""
    root = write_tree(tmp_path / "s", files)
    edits_in_range(lint(root, FUZZ_CONFIG).findings, root)
    fix_twice(root)


def test_xf005_no_fix_for_null_depends_on_item(tmp_path: Path) -> None:
    """Fuzz: a null `-` item in depends_on has no name to give a condition; XF005 offers
    no fix and the list is left as written."""
    root = write_tree(tmp_path / "s", NULL_DEPENDS_ITEM)
    xf005 = [f for f in lint(root, FUZZ_CONFIG).findings if f.rule == "XF005"]
    assert all(f.fix is None for f in xf005)
    run_fixes(root, FUZZ_CONFIG, unsafe=True)
    assert "depends_on:\n      -\n      - redis" in (root / "compose.yaml").read_text()


def test_xf005_no_fix_when_a_depends_on_item_is_not_a_string(tmp_path: Path) -> None:
    """`- 0` turned into a key reads back as the integer 0: the edit check refused the
    write (found by the long fuzz round); now no fix is offered at all."""
    root = write_tree(tmp_path / "s", INT_DEPENDS_ITEM)
    run = run_fixes(root, FUZZ_CONFIG, unsafe=True)  # XF004 gives redis a healthcheck first
    assert not run.refused, run.refused
    text = (root / "compose.yaml").read_text()
    assert "healthcheck" in text and "- 0\n      - redis" in text
    xf005 = [f for f in lint(root, FUZZ_CONFIG).findings if f.rule == "XF005"]
    assert xf005 and all(f.fix is None for f in xf005)


def test_flow_mapping_entries_share_a_pass(tmp_path: Path) -> None:
    """Fuzz: XF005's edits in flow mappings ran out of passes and needed a second run;
    now its fix lands within the pass budget of one run."""
    root = write_tree(tmp_path / "s", FLOW_PASSES_PLAIN)
    run = run_fixes(root, FUZZ_CONFIG, unsafe=True)
    assert run.passes <= 3
    assert "condition: service_healthy" in (root / "docker-compose.override.yml").read_text()
