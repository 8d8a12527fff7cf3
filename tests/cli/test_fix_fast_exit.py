"""A one-shot `fix` process (cli.main.entry) leaves with os._exit after flushing and never
runs the cyclic collector: its output, exit code and written files must be exactly those
of the same command run through main() in-process (which keeps the collector)."""

from __future__ import annotations

import gc
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from infradoctor.cli.common import ONE_SHOT
from infradoctor.cli.main import main

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "drawing-app"


def _process(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "infradoctor", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_fix_diff_process_matches_in_process(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["fix", str(EXAMPLE), "--diff"])
    captured = capsys.readouterr()
    done = _process("fix", str(EXAMPLE), "--diff")
    assert done.returncode == code == 1
    assert done.stdout == captured.out and "+++ b/" in done.stdout
    assert done.stderr == captured.err


def test_fix_process_writes_what_in_process_writes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    inside, outside = tmp_path / "in" / EXAMPLE.name, tmp_path / "out" / EXAMPLE.name
    shutil.copytree(EXAMPLE, inside)
    shutil.copytree(EXAMPLE, outside)
    before = _tree(inside)
    code = main(["fix", str(inside)])
    expected = capsys.readouterr().out
    done = _process("fix", str(outside))
    assert done.returncode == code
    assert done.stdout.replace(str(outside), "X") == expected.replace(str(inside), "X")
    assert _tree(outside) == _tree(inside) != before


def test_in_process_fix_leaves_the_collector_on(capsys: pytest.CaptureFixture[str]) -> None:
    assert gc.isenabled() and not ONE_SHOT["process"]
    main(["fix", str(EXAMPLE), "--diff"])
    capsys.readouterr()
    assert gc.isenabled() and not ONE_SHOT["fast_exit"]
