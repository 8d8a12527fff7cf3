"""A one-shot `lint` process (cli.main.entry) leaves with os._exit after flushing: its
output and exit code must be exactly those of the same command run through main()."""

from __future__ import annotations

import gc
import subprocess
import sys
from pathlib import Path

import pytest

from infradoctor.cli.common import ONE_SHOT
from infradoctor.cli.main import main

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "platform"


def _process(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "infradoctor", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("fmt", ["json", "text", "sarif"])
def test_process_output_matches_in_process(fmt: str, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["lint", str(EXAMPLE), "--format", fmt, "--no-color"])
    expected = capsys.readouterr().out
    done = _process("lint", str(EXAMPLE), "--format", fmt, "--no-color")
    assert done.returncode == code == 1
    strip = "seconds" if fmt == "json" else "s."
    keep = [line for line in expected.splitlines() if strip not in line]
    assert [line for line in done.stdout.splitlines() if strip not in line] == keep
    assert done.stdout.endswith("\n") and len(done.stdout) > 1000


def test_output_file_is_complete(tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    done = _process("lint", str(EXAMPLE), "--format", "json", "-o", str(out))
    assert done.returncode == 1 and done.stdout == ""
    assert out.read_text(encoding="utf-8").rstrip().endswith("}")


def test_usage_error_exit_code_and_message(tmp_path: Path) -> None:
    done = _process("lint", str(tmp_path / "missing"))
    assert done.returncode == 2
    assert "no such file or directory" in done.stderr


def test_in_process_lint_leaves_the_collector_on(capsys: pytest.CaptureFixture[str]) -> None:
    assert gc.isenabled() and not ONE_SHOT["process"]
    main(["lint", str(EXAMPLE), "--format", "json"])
    capsys.readouterr()
    assert gc.isenabled() and not ONE_SHOT["fast_exit"]
