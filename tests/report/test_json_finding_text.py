"""The JSON reporter writes each finding as one string (`finding_text`) and the rest of
the report through the generic writer: the bytes must be what `json.dumps(indent=2,
ensure_ascii=False)` of `report_dict` gives, on real lints and on odd findings."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from infradoctor.catalogue import selected_rules
from infradoctor.cli.lint import lint_paths
from infradoctor.config import LintConfig
from infradoctor.findings import Applicability, Edit, Finding, Fix, Severity
from infradoctor.fixes.attach import resolve_fixes
from infradoctor.model.source import Location
from infradoctor.report import RenderOptions
from infradoctor.report.json_report import render, report_dict
from infradoctor.report.model import LintReport, ScannedRoot
from tests.conftest import REPO, require_corpus


def _check(report: LintReport) -> str:
    out = io.StringIO()
    render(report, out, RenderOptions())
    expected = json.dumps(report_dict(report), indent=2, ensure_ascii=False) + "\n"
    assert out.getvalue() == expected
    return out.getvalue()


@pytest.mark.parametrize(
    "example", sorted(p.name for p in (REPO / "examples").iterdir() if p.is_dir())
)
def test_examples_render_as_json_dumps(example: str) -> None:
    report = lint_paths([str(REPO / "examples" / example)], LintConfig())
    resolve_fixes(report.findings)
    assert json.loads(_check(report))["findings"]


def test_corpus_projects_render_as_json_dumps() -> None:
    corpus = require_corpus()
    paths = [str(corpus / name) for name in ("Mailu__Mailu", "LemmyNet__lemmy")]
    report = lint_paths(paths, LintConfig())  # two roots: prefixed paths
    resolve_fixes(report.findings)
    doc = json.loads(_check(report))
    assert any(f["fix"] for f in doc["findings"])


def _odd(**kw: object) -> Finding:
    base: dict[str, object] = {
        "rule": "CMP001",
        "name": "n",
        "severity": Severity.WARNING,
        "category": "c",
        "message": "m",
        "location": Location("compose.yaml", 2, 3),
    }
    base.update(kw)
    return Finding(**base)  # type: ignore[arg-type]


def test_odd_findings_render_as_json_dumps() -> None:
    secret = "postgres://app:hunter2@db/app"
    fix = Fix(
        "Set DATABASE_URL=" + secret,
        Applicability.UNSAFE,
        (Edit("compose.yaml", 0, 0, 'x: é "q"\n'), Edit("compose.yaml", 1, 2, secret)),
    )
    findings = [
        _odd(),
        _odd(subject="wéb\n", profile="dev", fix=fix),
        _odd(
            location=Location("compose.yaml", 1, 1, 4, 9),
            related=(Location("a.conf", 3, 1), Location("b.conf", 4, 2, 4, 7)),
            message="token ghp_" + "a" * 36,
        ),
        _odd(fix=Fix("t", Applicability.SAFE, ())),
    ]
    report = LintReport(findings, [], [], [ScannedRoot(Path("/r"), "")])
    report.refresh_stats()
    text = _check(report)
    assert "hunter2" not in text and '"redacted": true' in text


def test_no_findings_render_as_json_dumps() -> None:
    report = LintReport([], [], selected_rules(LintConfig()), [ScannedRoot(Path("/r"), "")])
    report.refresh_stats()
    assert json.loads(_check(report))["findings"] == []
