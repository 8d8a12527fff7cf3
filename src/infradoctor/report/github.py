"""GitHub Actions workflow commands (`::error file=...,line=...::message`), one per
finding and per load error, so findings show up as annotations on the pull request.
Paths are made relative to the current directory (the checkout) when possible."""

from __future__ import annotations

from typing import TextIO

from infradoctor.findings import Severity
from infradoctor.redact import redact_text
from infradoctor.report import RenderOptions
from infradoctor.report.model import LintReport, display_path

LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(level: str, props: dict[str, str | int | None], message: str) -> str:
    fields = ",".join(f"{k}={escape_property(str(v))}" for k, v in props.items() if v is not None)
    return (
        f"::{level} {fields}::{escape_data(message)}"
        if fields
        else f"::{level}::{escape_data(message)}"
    )


def render(report: LintReport, stream: TextIO, options: RenderOptions) -> None:
    lines: list[str] = []
    paths: dict[str, str] = {}  # display_path once per file, not once per finding

    def shown(file: str) -> str:
        if file not in paths:
            paths[file] = display_path(report, file)
        return paths[file]

    for f in report.findings:
        loc = f.location
        props: dict[str, str | int | None] = {
            "file": shown(loc.file),
            "line": loc.line,
            "col": loc.column,
        }
        if loc.end_line is not None and loc.end_line >= loc.line:
            props["endLine"] = loc.end_line
            if loc.end_line == loc.line and loc.end_column:
                props["endColumn"] = loc.end_column
        props["title"] = f"{f.rule} {f.name}"
        lines.append(command(LEVELS[f.severity], props, redact_text(f.message)))
    for err in report.errors:
        err_props: dict[str, str | int | None] = {
            "file": shown(err.file),
            "line": err.line,
            "col": err.column,
            "title": f"infradoctor {err.kind}",
        }
        lines.append(command("warning", err_props, redact_text(err.message)))
    stream.write("".join(line + "\n" for line in lines))
