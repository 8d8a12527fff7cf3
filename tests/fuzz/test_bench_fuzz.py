"""bench/fuzz.py itself: a short bounded round runs end to end (workers, reproducers,
summary) and, once the issue-7 bugs are fixed, finds nothing."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.fuzz.harness import BENCH_FUZZ, REPO, bench_fuzz

COUNT = 100


@pytest.fixture(scope="module")
def short_round(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[subprocess.CompletedProcess[str], Path]:
    out = tmp_path_factory.mktemp("fuzz-out")
    proc = subprocess.run(
        [
            sys.executable,
            str(BENCH_FUZZ),
            "--count",
            str(COUNT),
            "--jobs",
            "1",
            "--seed",
            "1",
            "--mode",
            "both",
            "--fix-every",
            "4",
            "--min-seconds",
            "0",
            # CPU seconds per operation before it is a "slow:" finding: generous (the
            # default is 5) so a loaded 2-core machine cannot push an input over it;
            # an exponential or hanging input still blows far past it.
            "--limit",
            "20",
            "--status-every",
            "1000",
            "--out",
            str(out),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=900,  # a hang guard for the whole round, far past a loaded run
    )
    return proc, out


def test_short_round_runs(short_round: tuple[subprocess.CompletedProcess[str], Path]) -> None:
    proc, out = short_round
    assert proc.returncode in (0, 1), proc.stdout + proc.stderr
    assert "== fuzz summary" in proc.stdout
    assert "inputs/s" in proc.stdout
    summary = json.loads((out / "summary.json").read_text())
    assert sum(summary["inputs"].values()) == COUNT
    assert summary["inputs"]["fix"] == COUNT // 4
    for sig, info in summary["signatures"].items():
        assert not sig.startswith("harness-error"), info
        assert info["reproducer"] and Path(info["reproducer"], "README.txt").is_file()
    assert (proc.returncode == 1) == bool(summary["signatures"])


def test_short_round_finds_nothing(
    short_round: tuple[subprocess.CompletedProcess[str], Path],
) -> None:
    proc, out = short_round
    summary = json.loads((out / "summary.json").read_text())
    # No crash, no non-idempotent fix and no operation over the CPU limit ("slow:"
    # signatures): the slowest input's wall-clock seconds are not checked (load, not us).
    assert summary["signatures"] == {}, proc.stdout
    assert summary["slowest"]["index"] >= 0


def test_replay_of_a_clean_project(tmp_path: Path) -> None:
    project = tmp_path / "p"
    project.mkdir()
    (project / "compose.yaml").write_text("services:\n  web:\n    image: nginx:1.25\n")
    proc = subprocess.run(
        [sys.executable, str(BENCH_FUZZ), "--replay", str(project), "--mode", "both"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "lint: 0 failure(s)" in proc.stdout and "fix: 0 failure(s)" in proc.stdout


def test_slowness_is_cpu_time_and_a_starved_operation_is_no_finding() -> None:
    """A machine shared with other work starves operations of CPU: the limit is CPU
    time, and the wall-clock guard only catches operations that wait without computing."""
    fuzz: Any = bench_fuzz()
    cases = {
        ("cpu", 5.2): ["slow:lint"],  # computed past the limit
        ("wall", 0.0): ["slow:lint"],  # waited 60 s without computing: blocked
        ("wall", 1.5): [],  # starved: some CPU, under the limit
    }
    for (clock, cpu), want in cases.items():
        result = fuzz.CheckResult()
        result.note_slow(fuzz.FuzzTimeout(clock), "lint", 5.0, cpu)
        assert [f.sig for f in result.failures] == want, (clock, cpu)
        assert result.cpu_slow == (clock == "cpu")
