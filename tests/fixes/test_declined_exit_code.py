"""`fix` exit codes for files it decides not to write. A deliberate safety decision (a
file read with replacement characters, a fix that would leave a new error under another
reading of the files) leaves the finding, so the
run exits 1 as for any finding left; 2 stays for failures: a fixer bug, a write that
failed, a file changed under the run (issue 7: "exit 0/1, never 2" for every trigger)."""

from __future__ import annotations

from pathlib import Path

import pytest

from infradoctor.cli.main import main
from infradoctor.fixes.apply import FixRun

COMPOSE = "services:\n  api:\n    image: ghcr.io/acme/api:1.2.3\n"


def _fix(root: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(["fix", str(root)])
    out, err = capsys.readouterr()
    return code, out, err


def test_a_file_with_an_invalid_byte_is_declined_with_exit_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    original = b"# caf\xe9\n" + COMPOSE.encode()
    (tmp_path / "compose.yaml").write_bytes(original)
    code, out, err = _fix(tmp_path, capsys)
    assert code == 1
    assert "not written: compose.yaml: not valid UTF-8" in err
    assert "1 not written" in out
    assert (tmp_path / "compose.yaml").read_bytes() == original


def test_a_failed_write_still_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from infradoctor.fixes import apply

    def failing(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(apply, "atomic_write", failing)
    (tmp_path / "compose.yaml").write_text(COMPOSE)
    code, _, err = _fix(tmp_path, capsys)
    assert code == 2
    assert "cannot write (No space left on device)" in err


def test_declined_refusals_are_refusals_but_not_failures() -> None:
    run = FixRun(Path("."))
    run.decline("a: not valid UTF-8")
    run.refuse("b: cannot write")
    run.decline("a: not valid UTF-8")  # recorded once
    assert run.refused == ["a: not valid UTF-8", "b: cannot write"]
    assert run.declined == ["a: not valid UTF-8"]
    assert run.failed == ["b: cannot write"]
