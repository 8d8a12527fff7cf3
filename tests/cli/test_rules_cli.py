"""`infradoctor rules` and `infradoctor explain`."""

from __future__ import annotations

import json

import pytest

from infradoctor.cli.main import main
from tests.report import fakes


@pytest.fixture(autouse=True)
def _fake_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    fakes.install(monkeypatch)


def test_rules_text(capsys) -> None:
    assert main(["rules"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["CODE", "NAME", "SEVERITY", "CATEGORY", "FIXABLE", "TITLE"]
    assert [line.split()[0] for line in lines[1:]] == ["IDX001", "TST001", "TST002", "TST003"]
    assert lines[3].split()[:5] == ["TST002", "marker-warning", "warning", "availability", "safe"]
    assert lines[3].endswith("Line contains WARN")


def test_rules_json(capsys) -> None:
    assert main(["rules", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows[1] == {
        "code": "TST001",
        "name": "marker-error",
        "severity": "error",
        "category": "security",
        "fixable": "none",
        "title": "Line contains BAD",
        "default_enabled": True,
    }


@pytest.mark.parametrize("key", ["TST002", "tst002", "marker-warning"])
def test_explain_plain_markdown_when_not_a_tty(capsys, key: str) -> None:
    assert main(["explain", key]) == 0
    out = capsys.readouterr().out
    assert out.startswith("# TST002 marker-warning\n")
    for section in ("## Why it matters", "## How to fix", "## Examples", "## Options"):
        assert section in out
    assert "```nginx\nevents {}" in out
    assert "After `infradoctor lint --fix`:" in out


def test_explain_rich_on_tty(capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.setattr(sys.stdout, "isatty", lambda: True, raising=False)
    assert main(["explain", "TST001"]) == 0
    out = capsys.readouterr().out
    assert "TST001 marker-error" in out and "# TST001" not in out  # rendered, not raw


def test_explain_unknown_suggests(capsys) -> None:
    assert main(["explain", "TST00"]) == 2
    err = capsys.readouterr().err
    assert "unknown rule 'TST00'" in err and "did you mean" in err
