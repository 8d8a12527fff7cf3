"""The fix oracle of bench/fuzz.py (round 6, seed 2035 input #104927): the fix loop
lints to judge fixes too (the edits applied in memory), so when it declines one (XF005
turning `- ""` into a key CMP003 rejects) the recorded lints no longer line up with the
passes, and the oracle spliced pass 1's edits into an already edited text ("fix-
unparsable"). Each pass is now paired with the stack it chose its fixes from."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.fuzz.harness import BENCH_FUZZ, REPO

FILES = {
    "compose.override.yml": 'services:\n proxy:\n  depends_on:\n      - backend\n      - ""',
    "compose.yml": (
        "services:\n  proxy:\n   image:\n  backend:\n    image:\n    healthcheck:\n      t:"
    ),
}


def test_a_declined_fix_does_not_misalign_the_passes(tmp_path: Path) -> None:
    project = tmp_path / "p"
    project.mkdir()
    for name, text in FILES.items():
        (project / name).write_text(text)
    proc = subprocess.run(
        [sys.executable, str(BENCH_FUZZ), "--replay", str(project), "--mode", "fix"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "fix: 0 failure(s)" in proc.stdout
