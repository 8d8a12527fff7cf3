"""Judgement of the Dockerfile rules (DKR001-DKR007): stage chains, ARG-driven bases,
build-context names, image tool inventories, and what compose does with the image."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

from infradoctor.config import LintConfig
from infradoctor.engine import lint
from infradoctor.facts.images import (
    command_ports,
    image_drops_root,
    image_tools,
    parse_image,
)
from infradoctor.findings import Finding

Tree = Callable[..., Path]


def findings(tree: Tree, files: Mapping[str, str], code: str) -> list[Finding]:
    result = lint(
        tree(files), LintConfig(select=[code], report_unused_suppressions=False), with_fixes=False
    )
    assert not [e for e in result.errors if e.kind == "internal"], result.errors
    return [f for f in result.findings if f.rule == code]


def dockerfile(text: str) -> dict[str, str]:
    return {"app/Dockerfile": text}


# ---------------------------------------------------------------- helpers


def test_parse_image() -> None:
    ref = parse_image("registry.example.com:5000/team/app:1.2@sha256:abc")
    assert (ref.registry, ref.path, ref.tag, ref.digest) == (
        "registry.example.com:5000",
        "team/app",
        "1.2",
        "sha256:abc",
    )
    assert parse_image("library/node").path == "node" and parse_image("node").unpinned
    assert not parse_image("node@sha256:abc").unpinned
    assert parse_image("localhost/app").registry == "localhost"


def test_image_knowledge() -> None:
    assert image_tools("python:3.12-slim") == {"curl": False, "wget": False, "sh": True}
    assert image_tools("node:20-alpine") == {"curl": False, "wget": True, "sh": True}
    assert image_tools("gcr.io/distroless/python3-debian12")["sh"] is False  # type: ignore[index]
    assert image_tools("nginx:1.27-alpine") is None  # ships curl: unknown to us, not judged
    assert image_tools("python:3.12") == {"curl": True, "wget": True, "sh": True}
    assert image_drops_root("postgres:16") and image_drops_root("docker.io/bitnami/redis:7")
    assert image_drops_root("gcr.io/distroless/static:nonroot")
    assert not image_drops_root("nginx:1.27") and not image_drops_root("node:20")


def test_command_ports() -> None:
    assert command_ports("gunicorn app:app -b 0.0.0.0:8000 -w 4") == [8000]
    assert command_ports("uvicorn main:app --host 0.0.0.0 --port=8080") == [8080]
    assert command_ports("java -Dserver.port=9090 -jar app.jar") == [9090]
    assert command_ports("python manage.py runserver 0.0.0.0:8000") == [8000]
    assert command_ports("gunicorn --bind unix:/run/app.sock app:app") == []
    assert command_ports("node server.js --metrics-port 9100") == []


# ---------------------------------------------------------------- DKR001


# ---------------------------------------------------------------- DKR002


# ---------------------------------------------------------------- DKR003


# ---------------------------------------------------------------- DKR004


# ---------------------------------------------------------------- DKR005


# ---------------------------------------------------------------- DKR006


# ---------------------------------------------------------------- DKR007


# --- opaque installs (DKR005's "image contents unknown"): same verdicts, linear time ---

OPAQUE_INSTALL_CASES = [
    ("./scripts/install.sh", True),
    ("bash /opt/setup/bootstrap.sh --x", True),
    ("curl -fsSL https://x | sh", True),
    ("curl x |bash -s", True),
    ("xargs  apt-get install -y < p", True),
    ("apt-get install -y $(cat pkgs.txt)", True),
    ("ansible-playbook site.yml", True),
    ("apt-get install -y curl; echo $(cat x)", False),
    ("pip install -r req.txt", False),
    ("cd /x/install && make", True),
    ("RUN /opt/install.sh;", False),
    ("npm install", False),
]


@pytest.mark.parametrize(("command", "opaque"), OPAQUE_INSTALL_CASES)
def test_runs_opaque_install(command: str, opaque: bool) -> None:
    from infradoctor.facts.images import runs_opaque_install

    assert runs_opaque_install(command) is opaque


def test_opaque_install_scan_is_linear_on_pathological_run_lines() -> None:
    """The old single regex backtracked quadratically: `a/` x 30,000 (60 KB) took about
    150 s. These finish at once now (a regression would make the suite hang, not pass)."""
    from infradoctor.facts.images import runs_opaque_install

    assert not runs_opaque_install("a/" * 30_000)
    assert not runs_opaque_install("install" * 8_000)
    assert not runs_opaque_install("/" + "a" * 60_000)
    assert runs_opaque_install("/install" * 20_000 + "$(cat")
