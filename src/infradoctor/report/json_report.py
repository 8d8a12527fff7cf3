"""JSON report. The shape is a public contract documented in docs/output.md: fields may
be added, never renamed or removed."""

from __future__ import annotations

from typing import Any, TextIO

from infradoctor.findings import Finding
from infradoctor.model.source import Location
from infradoctor.redact import redact_text
from infradoctor.report import RenderOptions
from infradoctor.report.jsontext import dump_indented
from infradoctor.report.model import LintReport, shown, shown_error, shown_fix_dict


def _location(loc: Location) -> dict[str, Any]:
    return {
        "file": loc.file,
        "line": loc.line,
        "column": loc.column,
        "end_line": loc.end_line,
        "end_column": loc.end_column,
    }


def finding_dict(report: LintReport, finding: Finding) -> dict[str, Any]:
    loc = finding.location
    return {
        "rule": finding.rule,
        "name": finding.name,
        "severity": finding.severity.label,
        "category": finding.category,
        "message": redact_text(finding.message),
        "file": loc.file,
        "line": loc.line,
        "column": loc.column,
        "end_line": loc.end_line,
        "end_column": loc.end_column,
        "fix": shown_fix_dict(finding.fix) if finding.fix is not None else None,
        "subject": shown(finding.subject),
        "related": [_location(r) for r in finding.related],
        "fingerprint": finding.fingerprint(report.line_text(loc.file, loc.line)),
        "profile": finding.profile,
    }


def report_dict(report: LintReport) -> dict[str, Any]:
    from infradoctor import __version__

    return {
        "tool": "infradoctor",
        "version": __version__,
        "findings": [finding_dict(report, f) for f in report.findings],
        "errors": [shown_error(e) for e in report.errors],
        "stats": report.stats,
        "roots": [{"path": str(r.path), "prefix": r.label} for r in report.roots],
    }


def render(report: LintReport, stream: TextIO, options: RenderOptions) -> None:
    dump_indented(report_dict(report), stream)
    stream.write("\n")
