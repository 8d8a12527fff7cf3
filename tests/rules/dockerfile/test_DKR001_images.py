"""DKR001 reads the curated image table for the base image's user: stated for a base the
table knows runs as root, "may run as root" for one it does not list, silent for a base
that drops privileges."""

from __future__ import annotations

from infradoctor.config import LintConfig
from infradoctor.engine import lint
from tests.rules.cross._topology_support import Tree


def _dkr001(tree: Tree, dockerfile: str) -> list[str]:
    root = tree({"Dockerfile": dockerfile})
    result = lint(root, LintConfig(select=["DKR001"]), with_fixes=False)
    return [f.message for f in result.findings if f.rule == "DKR001"]


def test_known_root_base_is_stated(tree: Tree) -> None:
    [msg] = _dkr001(tree, 'FROM python:3.12-slim\nCMD ["python", "-m", "http.server"]\n')
    assert "process runs as root" in msg


def test_unknown_base_says_may(tree: Tree) -> None:
    [msg] = _dkr001(tree, 'FROM ghcr.io/acme/base:1\nCMD ["/app"]\n')
    assert "may run as root (unknown base image user)" in msg


def test_base_that_drops_root_is_not_reported(tree: Tree) -> None:
    assert _dkr001(tree, "FROM grafana/grafana:11.0.0\nCOPY dash.json /etc/dash.json\n") == []
    assert _dkr001(tree, "FROM postgres:16\nCOPY init.sql /docker-entrypoint-initdb.d/\n") == []
