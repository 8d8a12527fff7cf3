"""The diagnose report of every recorded bundle, byte for byte, in all three formats.

The JSON shape is a documented contract (docs/diagnose.md, diagnose/schema.json) and the
text and Markdown reports are what users paste into tickets: refactoring the diagnose
internals must not change a byte. The expected files under data/golden/ were recorded by
`infradoctor diagnose --from SRC --format FMT --no-color` before the typed rewrite;
regenerate them (REGEN_GOLDEN=1) only for an intended, reviewed output change."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from infradoctor.cli.main import main

DATA = Path(__file__).parent / "data"
GOLDEN = DATA / "golden"
SOURCES = {
    **{p.name.removesuffix(".tar.gz"): p for p in sorted((DATA / "live").glob("*.tar.gz"))},
    **{p.name.removesuffix(".tar.gz"): p for p in sorted((DATA / "audit").glob("*.tar.gz"))},
    **{f"kube-{p.name}": p for p in sorted((DATA / "kube").iterdir()) if p.is_dir()},
}
FORMATS = ("json", "text", "markdown")


def test_every_recording_has_golden_reports() -> None:
    assert len(SOURCES) >= 20
    expected = {f"{name}.{fmt}" for name in SOURCES for fmt in FORMATS}
    assert expected == {p.name for p in GOLDEN.iterdir()}


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("name", sorted(SOURCES))
def test_report_is_byte_identical(name: str, fmt: str, capsys: pytest.CaptureFixture[str]) -> None:
    main(["diagnose", "--from", str(SOURCES[name]), "--format", fmt, "--no-color"])
    out = capsys.readouterr()
    got = out.out + out.err
    golden = GOLDEN / f"{name}.{fmt}"
    if os.environ.get("REGEN_GOLDEN"):
        golden.write_text(got, encoding="utf-8")
    assert got == golden.read_text(encoding="utf-8")
