"""Colour follows one rule for lint, diagnose and inventory: a terminal, never with
--no-color / NO_COLOR / -o FILE, and FORCE_COLOR forces it into a pipe (CI logs)."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from infradoctor.cli.color import use_color

REPO = Path(__file__).resolve().parents[2]
ESC = "\x1b["


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(
    ("env", "flag", "to_file", "tty", "want"),
    [
        ({}, False, False, True, True),
        ({}, False, False, False, False),
        ({"NO_COLOR": "1"}, False, False, True, False),
        ({"FORCE_COLOR": "1"}, False, False, False, True),
        ({"FORCE_COLOR": "1", "NO_COLOR": "1"}, False, False, False, False),
        ({"FORCE_COLOR": "1"}, True, False, False, False),
        ({"FORCE_COLOR": "1"}, False, True, False, False),
    ],
)
def test_use_color(
    monkeypatch: pytest.MonkeyPatch,
    env: dict[str, str],
    flag: bool,
    to_file: bool,
    tty: bool,
    want: bool,
) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    stream = _Tty() if tty else io.StringIO()
    assert use_color(flag, to_file, stream) is want


def _lint(env: dict[str, str]) -> str:
    base = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    done = subprocess.run(
        [sys.executable, "-m", "infradoctor", "lint", "examples/drawing-app"],
        cwd=REPO,
        env={**base, **env},
        capture_output=True,
        text=True,
    )
    assert done.returncode == 1, done.stderr
    return done.stdout


def test_force_color_colours_a_piped_lint_and_no_color_wins() -> None:
    assert ESC not in _lint({})
    assert ESC in _lint({"FORCE_COLOR": "1"})
    assert ESC not in _lint({"FORCE_COLOR": "1", "NO_COLOR": "1"})
