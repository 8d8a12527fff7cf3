"""The fix oracle of bench/fuzz.py (round 6, seed 2035 input #104927): the fix loop
lints to judge fixes too (the edits applied in memory), so when it declines one (XF005
turning `- ""` into a key CMP003 rejects) the recorded lints no longer line up with the
passes, and the oracle spliced pass 1's edits into an already edited text ("fix-
unparsable"). Each pass is now paired with the stack it chose its fixes from."""

from __future__ import annotations

from pathlib import Path

from tests.fuzz.harness import check

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
    files = {str(f.relative_to(project)): f.read_text() for f in project.rglob("*") if f.is_file()}
    assert check(files, "fix") == []
