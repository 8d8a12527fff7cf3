"""Baselines: write today's findings, hide them later by fingerprint with multiplicity."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from infradoctor.baseline import (
    filter_baseline,
    read_baseline,
    split_baselined,
    write_baseline,
)
from infradoctor.config import ConfigError, LintConfig
from infradoctor.engine import lint
from infradoctor.findings import Finding, Severity
from infradoctor.model.source import Location
from tests.report import fakes

COMPOSE = "services:\n  a:\n    image: BAD\n  b:\n    image: BAD\n"


@pytest.fixture(autouse=True)
def _fake_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    fakes.install(monkeypatch)


def _finding(line: int, file: str = "compose.yaml") -> Finding:
    return Finding(
        "TST001",
        "marker-error",
        Severity.ERROR,
        "security",
        "m",
        Location(file, line, 1),
        subject=file,
    )


def test_write_then_filter_roundtrip(tree, tmp_path: Path) -> None:
    root = tree({"compose.yaml": COMPOSE})
    result = lint(root, LintConfig(), with_fixes=False)
    assert len(result.findings) == 2
    path = tmp_path / "baseline.json"
    assert write_baseline(result.stack, result.findings, path) == 2
    doc = json.loads(path.read_text())
    assert doc["tool"] == "infradoctor"
    # both findings share rule, file, subject and line text: one entry with count 2
    assert [(e["rule"], e["file"], e["count"]) for e in doc["findings"]] == [
        ("TST001", "compose.yaml", 2)
    ]
    assert set(doc["findings"][0]) == {"rule", "file", "fingerprint", "message", "count"}
    new, known = filter_baseline(result.stack, result.findings, path)
    assert new == [] and len(known) == 2


def test_multiplicity_and_line_moves(tree, tmp_path: Path) -> None:
    root = tree({"compose.yaml": COMPOSE})
    result = lint(root, LintConfig(), with_fixes=False)
    path = tmp_path / "b.json"
    write_baseline(result.stack, result.findings, path)
    # a third identical finding is new; moving lines down does not matter
    (root / "compose.yaml").write_text("# moved\n" + COMPOSE + "  c:\n    image: BAD\n")
    result = lint(root, LintConfig(baseline=path), with_fixes=False)
    assert len(result.baselined) == 2
    assert [f.location.line for f in result.findings] == [8]


def test_changed_line_text_is_new(tree, tmp_path: Path) -> None:
    root = tree({"compose.yaml": COMPOSE})
    result = lint(root, LintConfig(), with_fixes=False)
    path = tmp_path / "b.json"
    write_baseline(result.stack, result.findings, path)
    (root / "compose.yaml").write_text(COMPOSE.replace("image: BAD\n  b", "image: BAD2\n  b"))
    result = lint(root, LintConfig(baseline=path), with_fixes=False)
    assert len(result.baselined) == 1 and len(result.findings) == 1


def test_split_uses_line_text_callable() -> None:
    findings = [_finding(1), _finding(2), _finding(3, "other.yaml")]
    texts = {("compose.yaml", 1): "x", ("compose.yaml", 2): "x", ("other.yaml", 3): "x"}
    fp = findings[0].fingerprint("x")
    from collections import Counter

    new, known = split_baselined(findings, Counter({fp: 1}), lambda f, n: texts.get((f, n), ""))
    assert known == [findings[0]] and new == findings[1:]


@pytest.mark.parametrize(
    "content, message",
    [
        ("{", "not valid JSON"),
        ('{"findings": 3}', "no 'findings' list"),
        ('{"findings": [{"rule": "X"}]}', "no 'fingerprint'"),
        ('{"findings": [{"fingerprint": "a", "count": 0}]}', "bad 'count'"),
    ],
)
def test_bad_baseline_is_config_error(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "b.json"
    path.write_text(content)
    with pytest.raises(ConfigError, match=message):
        read_baseline(path)


def test_missing_baseline_is_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        read_baseline(tmp_path / "nope.json")
