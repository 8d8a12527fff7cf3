"""Terminal report: findings grouped by file, each with `file:line:col`, severity, code,
name and message, the offending source line with a caret under it, then load errors and
a one-line summary. ANSI colour only when asked for (the CLI decides: TTY, NO_COLOR)."""

from __future__ import annotations

import os
from collections import Counter
from itertools import groupby
from pathlib import Path
from typing import TextIO

from infradoctor.findings import Applicability, Finding, Severity
from infradoctor.redact import redact_text
from infradoctor.report import RenderOptions
from infradoctor.report.model import WARNING_ERROR_KINDS, LintReport

MAX_LINE = 160
MAX_RELATED = 5

_RESET = "\x1b[0m"
_STYLES = {
    "bold": "\x1b[1m",
    "dim": "\x1b[2m",
    "error": "\x1b[1;31m",
    "warning": "\x1b[1;33m",
    "info": "\x1b[1;34m",
    "code": "\x1b[1;35m",
    "path": "\x1b[1;36m",
    "caret": "\x1b[1;31m",
}


class _Painter:
    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def __call__(self, text: str, style: str) -> str:
        if not self.enabled or not text:
            return text
        return f"{_STYLES[style]}{text}{_RESET}"


def _plural(count: int, word: str) -> str:
    if word == "info":
        return f"{count} info"
    return f"{count} {word}{'' if count == 1 else 's'}"


def _map_column(raw: str, shown: str, col: int, *, end: bool = False) -> int:
    """Where 0-based column `col` of `raw` is in `shown` (raw with secrets redacted):
    unchanged before the first redaction, shifted after the last one, at the start (or
    for an end column, the end) of the redacted region inside it."""
    if raw == shown:
        return col
    prefix = 0
    limit = min(len(raw), len(shown))
    while prefix < limit and raw[prefix] == shown[prefix]:
        prefix += 1
    suffix = 0
    while suffix < limit - prefix and raw[len(raw) - 1 - suffix] == shown[len(shown) - 1 - suffix]:
        suffix += 1
    if col <= prefix:
        return col
    if col >= len(raw) - suffix:
        return col + len(shown) - len(raw)
    return len(shown) - suffix if end else prefix


def excerpt(report: LintReport, finding: Finding, paint: _Painter) -> list[str]:
    """The offending line and a caret line under the finding's column span."""
    loc = finding.location
    raw = report.line_text(loc.file, loc.line).replace("\t", " ").rstrip()
    if not raw.strip():
        return []
    # Source lines can hold secrets (a literal password that SEC007 reports as redacted):
    # they never reach the terminal or a CI log in clear; the caret follows the redaction.
    line = report.shown_line(loc.file, loc.line).replace("\t", " ").rstrip()
    start = max(loc.column - 1, 0)
    if loc.end_line in (None, loc.line) and loc.end_column and loc.end_column > loc.column:
        width = loc.end_column - loc.column
    else:
        width = 1
    if line != raw:
        first = _map_column(raw, line, start)
        width = max(1, _map_column(raw, line, start + width, end=True) - first)
        start = first
    if start >= len(line):
        start = max(len(line) - 1, 0)
        width = 1
    width = max(1, min(width, len(line) - start))
    shown = line
    if len(shown) > MAX_LINE:
        shown = shown[:MAX_LINE] + " ..."
        if start >= MAX_LINE:
            start, width = MAX_LINE, 1
        width = max(1, min(width, MAX_LINE - start))
    number = str(loc.line)
    gutter = " " * len(number)
    return [
        f"  {paint(number, 'dim')} {paint('|', 'dim')} {shown}",
        f"  {gutter} {paint('|', 'dim')} {' ' * start}{paint('^' * width, 'caret')}",
    ]


def finding_line(finding: Finding, paint: _Painter) -> str:
    loc = finding.location
    sev = finding.severity.label
    fixable = ""
    if finding.fix is not None:
        fixable = paint(f" [fix: {finding.fix.applicability.value}]", "dim")
    if finding.profile is not None:
        fixable = paint(f" [profile: {finding.profile}]", "dim") + fixable
    return (
        f"{paint(f'{loc.file}:{loc.line}:{loc.column}', 'bold')}: "
        f"{paint(sev, sev)} {paint(finding.rule, 'code')} {finding.name}: "
        f"{redact_text(finding.message)}{fixable}"
    )


def summary_line(report: LintReport) -> str:
    sev = Counter(f.severity for f in report.findings)
    total = len(report.findings)
    files = report.stats.get("files", len(report.sources))
    if total:
        head = (
            f"Found {total} problem{'' if total == 1 else 's'} "
            f"({_plural(sev[Severity.ERROR], 'error')}, "
            f"{_plural(sev[Severity.WARNING], 'warning')}, "
            f"{_plural(sev[Severity.INFO], 'info')})"
        )
    else:
        head = "No problems found"
    if not total and not files and not report.errors:
        # exit code stays 0 (docs/output.md): nothing to check is not a failure
        where = ", ".join(_shown_root(r.path) for r in report.roots) or "."
        parts = [f"No infrastructure files found under {where}"]
        if skipped_entries(report):
            parts.append("files not analysed: --show-files lists them")
        return "; ".join(parts) + "."
    # Never a bare "No problems found" when some file could not be checked.
    unchecked = any(e.kind not in WARNING_ERROR_KINDS for e in report.errors)
    if unchecked and not total:
        parts = [f"{head} in the {_plural(int(files), 'file')} checked"]
    else:
        parts = [f"{head} in {_plural(int(files), 'file')}"]
    if report.suppressed:
        parts.append(f"{report.suppressed} suppressed")
    if report.baselined:
        parts.append(f"{report.baselined} baselined")
    if report.errors:
        note = ": not everything could be checked" if unchecked else ""
        parts.append(_plural(len(report.errors), "load error") + note)
    skipped = skipped_entries(report)
    if skipped:
        parts.append(f"{_plural(len(skipped), 'file')} not analysed (--show-files lists them)")
    fixable = Counter(f.fix.applicability for f in report.findings if f.fix is not None)
    if fixable[Applicability.SAFE]:
        parts.append(f"{fixable[Applicability.SAFE]} fixable with `infradoctor lint --fix`")
    if fixable[Applicability.UNSAFE]:
        parts.append(f"{fixable[Applicability.UNSAFE]} more with `--fix --unsafe`")
    seconds = report.stats.get("seconds")
    if isinstance(seconds, int | float):
        parts.append(f"{seconds:.2f}s")
    return "; ".join(parts) + "."


def _shown_root(path: Path) -> str:
    """A scanned root as the user would type it: relative to the current directory."""
    rel = os.path.relpath(path)
    return path.as_posix() if rel.startswith("..") else Path(rel).as_posix()


def skipped_entries(report: LintReport) -> list[dict[str, str]]:
    """`stats.skipped`: files that look like infrastructure but were not analysed."""
    value = report.stats.get("skipped")
    return [e for e in value if isinstance(e, dict)] if isinstance(value, list) else []


def files_lines(report: LintReport) -> list[str]:
    """`--show-files`: every file read and what it was read as, then the skipped ones."""
    skipped = skipped_entries(report)
    # a file is left out of "read" only when all of it was skipped: an entry with a line
    # (one Terraform block, one chart dependency) names a part of a file that was read
    left_out = {e.get("path") for e in skipped if not e.get("line")}
    out = [
        f"  {str(src.kind):<10} {path}"
        for path, src in sorted(report.sources.items())
        if path not in left_out
    ]
    if skipped:
        out.append("")
        out.append("Not analysed:")
        out.extend(
            f"  {e.get('path')}"
            + (f":{e.get('line')}" if e.get("line") else "")
            + f": {e.get('reason')}"
            for e in skipped
        )
    ignored = report.stats.get("gitignored")
    if isinstance(ignored, int) and ignored:
        out.append("")
        out.append(f"Not walked: {ignored} path{'' if ignored == 1 else 's'} ignored by .gitignore")
    return out


def statistics_lines(report: LintReport) -> list[str]:
    counts = Counter((f.rule, f.name, f.severity.label) for f in report.findings)
    if not counts:
        return []
    width = max(len(str(c)) for c in counts.values())
    rows = sorted(counts.items(), key=lambda item: (-item[1], item[0][0]))
    return [f"{count:>{width}}  {code:<7} {sev:<7} {name}" for (code, name, sev), count in rows]


def render(report: LintReport, stream: TextIO, options: RenderOptions) -> None:
    paint = _Painter(options.color)
    out: list[str] = []
    for file, group in groupby(report.findings, key=lambda f: f.location.file):
        if not options.quiet:
            out.append(paint(file, "path"))
        findings = list(group)
        for index, finding in enumerate(findings):
            out.append(finding_line(finding, paint))
            if not options.quiet:
                out.extend(
                    f"  {paint('= see', 'dim')} {r.file}:{r.line}:{r.column}"
                    for r in finding.related[:MAX_RELATED]
                )
            following = findings[index + 1] if index + 1 < len(findings) else None
            same_spot = following is not None and following.location.line == finding.location.line
            if not options.quiet and not same_spot:  # one excerpt per line of findings
                out.extend(excerpt(report, finding, paint))
        if not options.quiet:
            out.append("")
    if report.errors:
        out.append(paint("Load errors (these files were not fully checked):", "bold"))
        for err in report.errors:
            where = err.file if err.line is None else f"{err.file}:{err.line}"
            if err.line is not None and err.column is not None:
                where += f":{err.column}"
            out.append(f"{where}: {paint(err.kind, 'warning')}: {redact_text(err.message)}")
        out.append("")
    if options.show_files:
        out.append(paint("Files read (as what):", "bold"))
        out.extend(files_lines(report))
        out.append("")
    if options.statistics:
        stats = statistics_lines(report)
        if stats:
            out.append(paint("Findings by rule:", "bold"))
            out.extend(stats)
            out.append("")
    if not options.quiet or report.findings or report.errors:
        out.append(summary_line(report))
    stream.write("\n".join(out) + ("\n" if out else ""))
