"""DKR001 dockerfile-runs-as-root: its tests, gathered from the rule test modules by rule code."""

from __future__ import annotations

from pathlib import Path

import pytest

from infradoctor.cli.main import main
from infradoctor.config import LintConfig
from infradoctor.engine import lint
from tests.conftest import write_tree
from tests.rules.dockerfile.test_dockerfile_helpers import Tree, dockerfile, findings


def test_dkr001_user_root_at_end(tree: Tree) -> None:
    hits = findings(
        tree,
        dockerfile('FROM python:3.12-slim\nUSER app\nRUN echo hi\nUSER root\nCMD ["python"]\n'),
        "DKR001",
    )
    assert len(hits) == 1 and hits[0].location.line == 4
    assert hits[0].data == {"dockerfile": "app/Dockerfile"}


def test_dkr001_user_inherited_through_stage_chain(tree: Tree) -> None:
    text = (
        "FROM node:20-slim AS base\nRUN useradd -u 10001 app\nUSER app\n"
        'FROM base AS prod\nCOPY . /app\nCMD ["node", "/app/server.js"]\n'
    )
    assert findings(tree, dockerfile(text), "DKR001") == []


def test_dkr001_compose_user_covers_it(tree: Tree) -> None:
    files = {
        "docker-compose.yml": 'services:\n  api:\n    build: ./app\n    user: "10001"\n',
        "app/Dockerfile": 'FROM python:3.12-slim\nCMD ["python", "-m", "api"]\n',
    }
    assert findings(tree, files, "DKR001") == []
    files["docker-compose.yml"] += "  worker:\n    build: ./app\n"
    assert len(findings(tree, files, "DKR001")) == 1


def test_dkr001_scratch_runs_as_root(tree: Tree) -> None:
    text = "FROM golang:1.22 AS b\nRUN go build -o /x .\nFROM scratch\nCOPY --from=b /x /x\n"
    hits = findings(tree, dockerfile(text), "DKR001")
    assert len(hits) == 1 and hits[0].location.line == 3


# ---------------------------------------------------------------- fuzz: open continuation at the end


@pytest.mark.parametrize(
    "dockerfile",
    ["FROM node:20\\\n#", "FROM node:20\nCMD node a.js \\\n\n# trailing\n", "FROM node:20 \\\n"],
)
def test_no_appended_fix_inside_an_open_continuation(
    tmp_path: Path, dockerfile: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Fuzz round 6 (seed 2036, input #103157): a Dockerfile ending inside a `\\`
    continuation got DKR001 lines appended that would join the open instruction (refused
    by the re-lint guard as a fixer bug); now no appended-line fix is offered."""
    write_tree(tmp_path, {"backend/Dockerfile": dockerfile})
    result = lint(tmp_path, LintConfig(extend_select=["hardening"]), with_fixes=True)
    assert any(f.rule == "DKR001" for f in result.findings)
    assert all(f.fix is None for f in result.findings if f.rule in ("DKR001", "DKR007"))
    code = main(["fix", "--unsafe", "--extend-select", "hardening", str(tmp_path)])
    assert code == 1
    assert "please report" not in capsys.readouterr().err
    assert (tmp_path / "backend/Dockerfile").read_text() == dockerfile


def test_a_closed_continuation_still_gets_the_fix(tmp_path: Path) -> None:
    """The guard above stays narrow: a continuation that closes keeps DKR001's fix."""
    write_tree(tmp_path, {"backend/Dockerfile": "FROM node:20\nRUN a \\\n  b\n# end\n"})
    result = lint(tmp_path, LintConfig(), with_fixes=True)
    assert any(f.rule == "DKR001" and f.fix is not None for f in result.findings)
