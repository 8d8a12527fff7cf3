"""SARIF 2.1.0 report for code-scanning services.

Rule metadata comes from the catalogue for every selected rule (not only the rules that
fired), so a result's `ruleIndex` is stable across runs. Artifact URIs are relative to a
directory named by `uriBaseId`: `%SRCROOT%` is the current directory for roots below
it (else the single root), `ROOT1`, `ROOT2`, ... a root outside it; absolute URIs are in
`originalUriBaseIds`. Safe fixes become `fixes[]`;
load errors become tool execution notifications."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import quote

from infradoctor.findings import Applicability, Finding, Fix, Severity
from infradoctor.model.source import Location
from infradoctor.redact import redact_text
from infradoctor.report import RenderOptions
from infradoctor.report.model import LintReport, ScannedRoot

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
FINGERPRINT_KEY = "infradoctor/v1"


def _below_cwd(root: ScannedRoot) -> bool:
    try:
        return not os.path.relpath(root.path).startswith("..")
    except ValueError:
        return False


def _base_id(report: LintReport, root: ScannedRoot) -> str:
    """%SRCROOT% is the current directory for every root below it (the checkout root a
    code-scanning upload resolves paths against); a root outside it has its own id."""
    if _below_cwd(root) or len(report.roots) == 1:
        return "%SRCROOT%"
    return f"ROOT{report.roots.index(root) + 1}"


def _base_uri(root: ScannedRoot) -> str:
    return _dir_uri(Path.cwd() if _below_cwd(root) else root.path)


def _dir_uri(path: Path) -> str:
    uri = path.resolve().as_uri()
    return uri if uri.endswith("/") else uri + "/"


def artifact_location(report: LintReport, file: str) -> dict[str, Any]:
    found = report.locate(file)
    if found is None:
        return {"uri": quote(file)}
    root, rel = found
    if _below_cwd(root):
        rel = Path(os.path.relpath(root.path / rel)).as_posix()
    return {"uri": quote(rel), "uriBaseId": _base_id(report, root)}


def region(loc: Location) -> dict[str, Any]:
    out: dict[str, Any] = {"startLine": max(loc.line, 1), "startColumn": max(loc.column, 1)}
    if loc.end_line is not None and loc.end_line >= loc.line:
        out["endLine"] = loc.end_line
        if loc.end_column is not None and (loc.end_line > loc.line or loc.end_column >= loc.column):
            out["endColumn"] = max(loc.end_column, 1)
    return out


def _disk_offset(report: LintReport, file: str, offset: int) -> int:
    """Character offset in the file as stored on disk (CRLF files have one more
    character per line than the LF-normalised text the edits refer to)."""
    source = report.sources.get(file)
    if source is None or source.newline != "\r\n":
        return offset
    line, _ = source.position_of(min(offset, len(source.text)))
    return offset + line - 1


def fix_dict(report: LintReport, fix: Fix) -> dict[str, Any]:
    changes: dict[str, list[dict[str, Any]]] = {}
    for edit in fix.edits:
        start = _disk_offset(report, edit.file, edit.start)
        end = _disk_offset(report, edit.file, edit.end)
        replacement: dict[str, Any] = {
            "deletedRegion": {"charOffset": start, "charLength": max(end - start, 0)},
        }
        if edit.replacement:
            source = report.sources.get(edit.file)
            text = edit.replacement
            if source is not None and source.newline != "\n":
                text = text.replace("\n", source.newline)
            replacement["insertedContent"] = {"text": text}
        changes.setdefault(edit.file, []).append(replacement)
    return {
        "description": {"text": redact_text(fix.title)},
        "artifactChanges": [
            {"artifactLocation": artifact_location(report, file), "replacements": reps}
            for file, reps in changes.items()
        ],
    }


def _holds_secret(fix: Fix) -> bool:
    """A fix whose inserted text holds a secret is not offered: SARIF fixes are applied
    as printed, and the printed text is redacted."""
    return any(redact_text(e.replacement) != e.replacement for e in fix.edits)


def rule_descriptor(rule: Any) -> dict[str, Any]:
    from infradoctor.report.ruledoc import rule_markdown

    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.title.strip()},
        "fullDescription": {"text": rule.why.strip()},
        "help": {"text": rule.how_to_fix.strip(), "markdown": rule_markdown(rule)},
        "defaultConfiguration": {"level": LEVELS[rule.severity]},
        "properties": {
            "category": rule.category,
            "fixable": rule.fixable,
            "tags": [rule.category],
        },
    }


def result_dict(report: LintReport, finding: Finding, rule_index: dict[str, int]) -> dict[str, Any]:
    loc = finding.location
    result: dict[str, Any] = {
        "ruleId": finding.rule,
        "level": LEVELS[finding.severity],
        "message": {"text": redact_text(finding.message)},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": artifact_location(report, loc.file),
                    "region": region(loc),
                }
            }
        ],
        "partialFingerprints": {
            FINGERPRINT_KEY: finding.fingerprint(report.line_text(loc.file, loc.line)),
        },
    }
    if finding.rule in rule_index:
        result["ruleIndex"] = rule_index[finding.rule]
    if finding.related:
        result["relatedLocations"] = [
            {
                "id": i,
                "physicalLocation": {
                    "artifactLocation": artifact_location(report, r.file),
                    "region": region(r),
                },
            }
            for i, r in enumerate(finding.related, 1)
        ]
    if (
        finding.fix is not None
        and finding.fix.applicability is Applicability.SAFE
        and finding.fix.edits
        and not _holds_secret(finding.fix)
    ):
        result["fixes"] = [fix_dict(report, finding.fix)]
    if finding.subject:
        result["properties"] = {"subject": redact_text(finding.subject)}
    if finding.profile is not None:
        result.setdefault("properties", {})["profile"] = finding.profile
    return result


def notification(report: LintReport, err: Any) -> dict[str, Any]:
    out: dict[str, Any] = {
        "level": "error" if err.kind == "internal" else "warning",
        "message": {"text": f"{err.kind}: {redact_text(err.message)}"},
        "descriptor": {"id": err.kind},
    }
    if not err.file.startswith("<"):
        physical: dict[str, Any] = {"artifactLocation": artifact_location(report, err.file)}
        if err.line is not None and err.line >= 1:
            physical["region"] = {
                "startLine": err.line,
                **({"startColumn": err.column} if err.column else {}),
            }
        out["locations"] = [{"physicalLocation": physical}]
    return out


def sarif_dict(report: LintReport) -> dict[str, Any]:
    from infradoctor import __version__

    rules = list(report.rules)
    known = {r.code for r in rules}
    if any(f.rule not in known for f in report.findings):  # e.g. IDX001 from a suppression
        from infradoctor.catalogue import catalogue

        extra = [
            r
            for r in catalogue()
            if r.code not in known and any(f.rule == r.code for f in report.findings)
        ]
        rules = sorted([*rules, *extra], key=lambda r: r.code)
    rule_index = {r.code: i for i, r in enumerate(rules)}
    invocation: dict[str, Any] = {
        "executionSuccessful": not report.internal_errors,
        "toolExecutionNotifications": [notification(report, e) for e in report.errors],
    }
    return {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "infradoctor",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "informationUri": "https://pypi.org/project/infradoctor/",
                        "rules": [rule_descriptor(r) for r in rules],
                    }
                },
                "invocations": [invocation],
                "originalUriBaseIds": {
                    _base_id(report, root): {"uri": _base_uri(root)} for root in report.roots
                },
                "results": [result_dict(report, f, rule_index) for f in report.findings],
                "columnKind": "unicodeCodePoints",
            }
        ],
    }


def render(report: LintReport, stream: TextIO, options: RenderOptions) -> None:
    json.dump(sarif_dict(report), stream, indent=2, ensure_ascii=False)
    stream.write("\n")
