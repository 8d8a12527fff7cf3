"""JSON report. The shape is a public contract documented in docs/output.md: fields may
be added, never renamed or removed."""

from __future__ import annotations

from json.encoder import encode_basestring as _encode_str  # C when available
from typing import Any, TextIO

from infradoctor.findings import Finding
from infradoctor.model.source import Location
from infradoctor.redact import redact_text
from infradoctor.report import RenderOptions
from infradoctor.report.jsontext import dumps_indented
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


def report_dict(report: LintReport, *, with_findings: bool = True) -> dict[str, Any]:
    """The JSON report as plain data (`with_findings=False`: the findings left out of
    the list, for `render`, which writes them itself)."""
    from infradoctor import __version__

    return {
        "tool": "infradoctor",
        "version": __version__,
        "findings": [finding_dict(report, f) for f in report.findings] if with_findings else [],
        "errors": [shown_error(e) for e in report.errors],
        "stats": report.stats,
        "roots": [{"path": str(r.path), "prefix": r.label} for r in report.roots],
    }


def render(report: LintReport, stream: TextIO, options: RenderOptions) -> None:
    """`report_dict` as `json.dump(indent=2, ensure_ascii=False)` writes it. The findings
    (most of the text) are written by `finding_text`, a few hundred at a time; the rest
    by the generic writer."""
    doc = report_dict(report, with_findings=False)
    first = True
    for key, value in doc.items():
        stream.write(("{" if first else ",") + "\n  " + _encode_str(key) + ": ")
        first = False
        if key == "findings" and report.findings:
            _write_findings(report, stream)
        else:
            stream.write(_nested(value, "\n  "))
    stream.write("\n}\n")


def _nested(value: Any, nl: str) -> str:
    """`value` as the generic writer puts it after a key whose line starts `nl`: every
    line break in its text is structural (JSON strings escape theirs)."""
    return dumps_indented(value).replace("\n", nl)


_FINDINGS_BATCH = 256  # findings held before they are written (bounded memory)


def _write_findings(report: LintReport, stream: TextIO) -> None:
    sep = "[\n    "
    held: list[str] = []
    for f in report.findings:
        held.append(sep)
        held.append(finding_text(report, f))
        sep = ",\n    "
        if len(held) >= 2 * _FINDINGS_BATCH:
            stream.write("".join(held))
            held.clear()
    held.append("\n  ]")
    stream.write("".join(held))


def _leaf(value: Any, nl: str) -> str:
    """A value of a finding as the generic writer writes it after a key whose line
    starts `nl`: strings, ints, bools, None, and dicts (str keys) and lists of them built
    here as one string; anything else (floats, enums) through the writer itself."""
    t = type(value)
    if t is str:
        return _encode_str(value)
    if t is int:
        return int.__repr__(value)
    if value is None:
        return "null"
    if t is bool:
        return "true" if value else "false"
    if not value and (t is list or t is dict):
        return "[]" if t is list else "{}"
    if t is dict:
        inner = nl + "  "
        items = []
        for k, v in value.items():
            if type(k) is not str:
                return _nested(value, nl)
            items.append(inner + _encode_str(k) + ": " + _leaf(v, inner))
        return "{" + ",".join(items) + nl + "}"
    if t is list:
        inner = nl + "  "
        return "[" + ",".join([inner + _leaf(v, inner) for v in value]) + nl + "]"
    return _nested(value, nl)


def finding_text(report: LintReport, finding: Finding) -> str:
    """`finding_dict(report, finding)` as the generic writer writes it in the findings
    list (depth 2), built as one string: the corpus report holds thousands of them."""
    loc = finding.location
    fix = finding.fix
    n = "\n      "
    parts = (
        '{\n      "rule": ',
        _leaf(finding.rule, n),
        ',\n      "name": ',
        _leaf(finding.name, n),
        ',\n      "severity": ',
        _leaf(finding.severity.label, n),
        ',\n      "category": ',
        _leaf(finding.category, n),
        ',\n      "message": ',
        _leaf(redact_text(finding.message), n),
        ',\n      "file": ',
        _leaf(loc.file, n),
        ',\n      "line": ',
        _leaf(loc.line, n),
        ',\n      "column": ',
        _leaf(loc.column, n),
        ',\n      "end_line": ',
        _leaf(loc.end_line, n),
        ',\n      "end_column": ',
        _leaf(loc.end_column, n),
        ',\n      "fix": ',
        "null" if fix is None else _leaf(shown_fix_dict(fix), n),
        ',\n      "subject": ',
        _leaf(shown(finding.subject), n),
        ',\n      "related": ',
        _leaf([_location(r) for r in finding.related], n),
        ',\n      "fingerprint": ',
        _leaf(finding.fingerprint(report.line_text(loc.file, loc.line)), n),
        ',\n      "profile": ',
        _leaf(finding.profile, n),
        "\n    }",
    )
    return "".join(parts)
