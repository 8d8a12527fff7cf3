"""Variant compose files are read the way the project runs them (loaders/variants.py):
standalone when they stand up alone, on the base when they are overlays or a project file
says `-f base -f variant`, both ways when the project does both; and a fix must hold
under every reading."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from infradoctor.config import LintConfig
from infradoctor.engine import lint
from infradoctor.loaders import load_stack
from infradoctor.loaders.variants import readings, stands_alone
from infradoctor.syntax.yaml import PNode, load_positioned, source_from_text

Tree = Callable[..., Path]

BASE = (
    "services:\n"
    "  api:\n    image: acme/api:1.2\n    restart: unless-stopped\n"
    "    depends_on:\n      - db\n"
    "  db:\n    image: acme/db:3\n    restart: unless-stopped\n"
    "    healthcheck:\n      test: [CMD, 'true']\n"
)
# A complete prod file: runs by itself, and its db has no healthcheck.
PROD = (
    "services:\n"
    "  api:\n    image: acme/api:1.2\n    restart: unless-stopped\n"
    "    depends_on:\n      - db\n"
    "  db:\n    image: acme/db:3\n    restart: unless-stopped\n"
)
# An overlay: only meaningful on top of the base.
OVERLAY = "services:\n  api:\n    environment:\n      MODE: prod\n"


def _files(stack_root: Path) -> dict[str, list[str]]:
    stack = load_stack(stack_root)
    return {p.name: p.compose_files for p in stack.projects}


def _node(text: str) -> PNode | None:
    return load_positioned(source_from_text(text, "c.yml"))[0]


def test_complete_variant_stands_alone(tree: Tree) -> None:
    root = tree({"docker-compose.yml": BASE, "docker-compose.prod.yml": PROD})
    projects = _files(root)
    assert projects["stack:prod"] == ["docker-compose.prod.yml"]
    assert projects["stack"] == ["docker-compose.yml"]


def test_overlay_variant_is_merged_on_its_base(tree: Tree) -> None:
    root = tree({"docker-compose.yml": BASE, "docker-compose.prod.yml": OVERLAY})
    assert _files(root)["stack:prod"] == ["docker-compose.yml", "docker-compose.prod.yml"]


def test_override_file_merges_automatically(tree: Tree) -> None:
    root = tree({"docker-compose.yml": BASE, "docker-compose.override.yml": PROD})
    assert _files(root) == {"stack": ["docker-compose.yml", "docker-compose.override.yml"]}


def test_makefile_hint_layers_a_complete_variant(tree: Tree) -> None:
    make = "up:\n\tdocker compose -f docker-compose.yml -f docker-compose.prod.yml up -d\n"
    root = tree({"docker-compose.yml": BASE, "docker-compose.prod.yml": PROD, "Makefile": make})
    assert _files(root)["stack:prod"] == ["docker-compose.yml", "docker-compose.prod.yml"]


def test_env_compose_file_hint(tree: Tree) -> None:
    env = "COMPOSE_FILE=docker-compose.yml:docker-compose.prod.yml\n"
    root = tree({"docker-compose.yml": BASE, "docker-compose.prod.yml": PROD, ".env": env})
    assert _files(root)["stack:prod"] == ["docker-compose.yml", "docker-compose.prod.yml"]


def test_readme_hint_alone_keeps_an_overlay_alone(tree: Tree) -> None:
    readme = "Run `docker compose -f docker-compose.prod.yml up -d`.\n"
    root = tree({"docker-compose.yml": BASE, "docker-compose.prod.yml": PROD, "README.md": readme})
    assert _files(root)["stack:prod"] == ["docker-compose.prod.yml"]


def test_both_readings_when_the_project_runs_both(tree: Tree) -> None:
    make = (
        "up:\n\tdocker compose -f docker-compose.yml -f docker-compose.prod.yml up -d\n"
        "alone:\n\tdocker compose -f docker-compose.prod.yml up -d\n"
    )
    root = tree({"docker-compose.yml": BASE, "docker-compose.prod.yml": PROD, "Makefile": make})
    readings_ = sorted(_files(root).items())
    assert readings_ == [
        ("stack", ["docker-compose.yml"]),
        ("stack:prod", ["docker-compose.yml", "docker-compose.prod.yml"]),
        ("stack:prod#2", ["docker-compose.prod.yml"]),
    ]


def test_readings_rules() -> None:
    complete, overlay = _node(PROD), _node(OVERLAY)
    assert stands_alone(complete) and not stands_alone(overlay)
    # depends on a service only the base defines: cannot run alone
    assert not stands_alone(_node("services:\n  api:\n    image: a\n    depends_on: [db]\n"))
    assert readings("c.prod.yml", "c.yml", [], complete) == (False,)
    assert readings("c.prod.yml", "c.yml", [], overlay) == (True,)
    assert readings("c.prod.yml", "c.yml", [["c.yml", "c.prod.yml"]], complete) == (True,)
    assert readings("c.prod.yml", "c.yml", [["c.prod.yml"]], overlay) == (False,)
    both = [["c.prod.yml"], ["c.yml", "c.prod.yml"]]
    assert readings("c.prod.yml", "c.yml", both, complete) == (True, False)
    assert stands_alone(None) is False


def test_standalone_prod_gets_no_healthy_condition_fix(tree: Tree) -> None:
    """The bug of issue 10: XF005 in a standalone prod file, because the healthcheck was
    read from the base. Alone, db has no healthcheck: XF004, not XF005."""
    root = tree({"docker-compose.yml": BASE, "docker-compose.prod.yml": PROD})
    result = lint(root, LintConfig(select=["XF004", "XF005"]))
    got = sorted((f.rule, f.file) for f in result.findings)
    assert got == [("XF004", "docker-compose.prod.yml"), ("XF005", "docker-compose.yml")]


def _fix(root: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "infradoctor", "fix", str(root), "--select", "XF004,XF005"]
    cmd += extra
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)


def test_fix_holds_under_every_reading(tree: Tree) -> None:
    make = (
        "up:\n\tdocker compose -f docker-compose.yml -f docker-compose.prod.yml up -d\n"
        "alone:\n\tdocker compose -f docker-compose.prod.yml up -d\n"
    )
    root = tree({"docker-compose.yml": BASE, "docker-compose.prod.yml": PROD, "Makefile": make})
    run = _fix(root)
    # the prod file is read alone too, where db has no healthcheck: the XF005 fix there
    # is only shown (and, were it written, the re-lint guard would refuse it)
    assert "please report" not in run.stderr and "refused" not in run.stderr.lower()
    shown = _fix(root, "--diff")
    assert re.search(
        r"XF005 .*once 'db' has a healthcheck in docker-compose.prod.yml", shown.stdout
    )
    assert "service_healthy" in (root / "docker-compose.yml").read_text()
    assert (root / "docker-compose.prod.yml").read_text() == PROD  # not written
    after = lint(root, LintConfig(select=["XF004"]))
    assert all(f.severity.label != "error" for f in after.findings)
