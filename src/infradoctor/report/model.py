"""What the lint reporters render: the results of one or more scanned roots merged into
one list of findings whose file paths stay unambiguous.

With a single root, paths are relative to it. With several, each path is prefixed with
its root as given on the command line (`stacks/a/compose.yaml`), and fix edits and
related locations are prefixed the same way."""

from __future__ import annotations

import dataclasses
import os
from collections import Counter
from dataclasses import field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from infradoctor.findings import DeferredFix, Edit, Finding, Fix, Severity
from infradoctor.model.source import LoadError, Location, SourceFile
from infradoctor.records import record
from infradoctor.redact import redact_text

if TYPE_CHECKING:
    from infradoctor.engine import LintResult
    from infradoctor.rules.base import Rule

# Load-error kinds that mean "a file we should have checked is broken": they make the
# exit code 1 (an include cycle: nginx and compose refuse the config too; `timeout`: a rule
# gave up on its time budget, so its checks are incomplete). Environmental
# ones (too-large, binary, unreadable, not-regular, symlink-outside-root, symlink-loop,
# read-budget, include-budget, include-repeated, include-missing, include-outside,
# interpolation: a `${VAR:?}` unset in this environment, duplicate: a file already read
# as another kind through another name, not-rendered / render-failed: a Helm chart read
# from values.yaml only) and the `encoding` warning (the file was still
# checked) are only listed. See docs/reading.md.
FAILING_ERROR_KINDS = frozenset(
    {"parse-error", "invalid", "alias-bomb", "include-cycle", "timeout"}
)
INTERNAL_ERROR_KIND = "internal"
# Load-error kinds that are warnings about a file that was still checked in full.
WARNING_ERROR_KINDS = frozenset({"encoding"})


@record
class ScannedRoot:
    path: Path  # absolute directory the file paths are relative to
    label: str  # prefix added to its paths ("" with a single root)


@record
class LintReport:
    findings: list[Finding]
    errors: list[LoadError]
    rules: list[type[Rule]]  # the selected rules (SARIF lists all of them)
    roots: list[ScannedRoot]
    sources: dict[str, SourceFile] = field(default_factory=dict)  # display path -> source
    owners: dict[str, tuple[int, str]] = field(default_factory=dict)  # display -> (root, rel)
    stats: dict[str, Any] = field(default_factory=dict)
    suppressed: int = 0
    baselined: int = 0
    _shown: dict[str, list[str]] = field(default_factory=dict, repr=False)

    def line_text(self, file: str, line: int) -> str:
        """The source line as it is (for fingerprints); never print it: `shown_line`."""
        source = self.sources.get(file)
        return source.line_text(line) if source is not None else ""

    def shown_line(self, file: str, line: int) -> str:
        """The source line with secrets redacted in the context of its whole file (the
        middle line of a private key, a YAML block scalar under `password: |`)."""
        source = self.sources.get(file)
        if source is None or line < 1:
            return ""
        lines = self._shown.get(file)
        if lines is None:
            lines = redact_text(source.text).split("\n")
            if len(lines) != source.text.count("\n") + 1:  # never: redaction keeps lines
                lines = [redact_text(x) for x in source.text.split("\n")]
            self._shown[file] = lines
        return lines[line - 1] if line <= len(lines) else ""

    def locate(self, file: str) -> tuple[ScannedRoot, str] | None:
        """The root a display path belongs to and the path relative to that root."""
        owner = self.owners.get(file)
        if owner is not None:
            return self.roots[owner[0]], owner[1]
        for root in sorted(self.roots, key=lambda r: -len(r.label)):
            if not root.label:
                return root, file
            prefix = root.label.rstrip("/") + "/"
            if file.startswith(prefix):
                return root, file[len(prefix) :]
        return None

    def absolute(self, file: str) -> Path | None:
        found = self.locate(file)
        return found[0].path / found[1] if found else None

    def refresh_stats(self) -> None:
        """Recompute the finding counters after filtering (baseline, dedupe)."""
        sev = Counter(f.severity.label for f in self.findings)
        self.stats["findings"] = len(self.findings)
        self.stats["by_severity"] = {k: sev.get(k, 0) for k in ("error", "warning", "info")}
        self.stats["by_rule"] = dict(sorted(Counter(f.rule for f in self.findings).items()))
        self.stats["suppressed"] = self.suppressed
        self.stats["baselined"] = self.baselined
        self.stats["errors"] = len(self.errors)

    @property
    def internal_errors(self) -> list[LoadError]:
        return [e for e in self.errors if e.kind == INTERNAL_ERROR_KIND]

    def exit_code(self, fail_on: Severity) -> int:
        """0 clean, 1 findings at/above `fail_on` or unparsable files, 2 internal error."""
        if self.internal_errors:
            return 2
        if any(f.severity >= fail_on for f in self.findings):
            return 1
        if any(e.kind in FAILING_ERROR_KINDS for e in self.errors):
            return 1
        return 0


def root_label(arg: str) -> str:
    """The prefix for a root given on the command line: posix, no trailing slash."""
    text = PurePosixPath(Path(arg).as_posix()).as_posix()
    return "" if text in (".", "") else text


def cwd_label(root: Path, arg: str, labelled: bool) -> str:
    """The prefix for a root's paths. A root below the current directory: its path from
    there ("" for the current directory itself), so every format prints the same path.
    A root outside it: the argument as given with several roots, none with one."""
    try:
        rel = os.path.relpath(root)
    except ValueError:
        rel = ".."
    if not rel.startswith(".."):
        return root_label(rel)
    return root_label(arg) if labelled else ""


def _join(label: str, rel: str) -> str:
    if not label or rel.startswith("<"):  # "<rule X>" pseudo files stay as they are
        return rel
    return (PurePosixPath(label) / rel).as_posix()


def _prefix_location(loc: Location, label: str) -> Location:
    return dataclasses.replace(loc, file=_join(label, loc.file)) if label else loc


def _prefix_fix(fix: Fix | None, label: str) -> Fix | None:
    if fix is None:
        return None
    return Fix(
        fix.title,
        fix.applicability,
        tuple(Edit(_join(label, e.file), e.start, e.end, e.replacement) for e in fix.edits),
    )


def _prefix_finding(finding: Finding, label: str) -> Finding:
    if not label:
        return finding
    pending = finding.fix_pending
    shown = dataclasses.replace(
        finding,
        location=_prefix_location(finding.location, label),
        related=tuple(_prefix_location(r, label) for r in finding.related),
        fix=None if pending else _prefix_fix(finding.fix, label),
    )
    if pending:  # still computed only when a reporter asks for it
        shown = shown.with_deferred_fix(DeferredFix(lambda _: _prefix_fix(finding.fix, label)))
    return shown


def _sum_stats(total: dict[str, Any], part: dict[str, Any]) -> None:
    for key, value in part.items():
        if isinstance(value, bool):
            continue
        if isinstance(value, int | float):
            total[key] = total.get(key, 0) + value
        elif isinstance(value, dict):
            _sum_stats(total.setdefault(key, {}), value)
        elif isinstance(value, list):  # entries (stats.skipped): each root's, in order
            total.setdefault(key, []).extend(value)


def merge_results(
    results: list[tuple[str, LintResult]],
    rules: list[type[Rule]],
) -> LintReport:
    """Merge per-root results; `results` pairs each result with the root argument given."""
    labelled = len(results) > 1
    roots: list[ScannedRoot] = []
    findings: list[Finding] = []
    errors: list[LoadError] = []
    sources: dict[str, SourceFile] = {}
    owners: dict[str, tuple[int, str]] = {}
    stats: dict[str, Any] = {}
    suppressed = baselined = 0
    seen: set[tuple[str, str, int, int, str]] = set()
    for index, (arg, result) in enumerate(results):
        # relative to the current directory in every format (docs/output.md)
        eff = cwd_label(result.root, arg, labelled)
        roots.append(ScannedRoot(result.root, eff))
        for rel, source in result.stack.files.items():
            shown = _join(eff, rel)
            sources.setdefault(shown, source)
            owners.setdefault(shown, (index, rel))
        for finding in result.findings:
            shown_finding = _prefix_finding(finding, eff)
            key = (
                shown_finding.rule,
                shown_finding.location.file,
                shown_finding.location.line,
                shown_finding.location.column,
                shown_finding.message,
            )
            if key not in seen:
                seen.add(key)
                findings.append(shown_finding)
        for err in result.errors:
            errors.append(dataclasses.replace(err, file=_join(eff, err.file)) if eff else err)
        suppressed += len(result.suppressed)
        baselined += len(result.baselined)
        part = result.stats()
        if eff and part.get("skipped"):
            part["skipped"] = [{**e, "path": _join(eff, e["path"])} for e in part["skipped"]]
        _sum_stats(stats, part)
    findings.sort(key=lambda f: (f.location.file, f.location.line, f.location.column, f.rule))
    if labelled:
        stats["roots"] = len(results)
    stats["rules"] = len(rules)
    report = LintReport(
        findings, errors, rules, roots, sources, owners, stats, suppressed, baselined
    )
    report.refresh_stats()
    return report


def display_path(report: LintReport, file: str, cwd: Path | None = None) -> str:
    """`file` relative to the current directory when it lies below it (for annotations
    that CI systems resolve against the checkout), else unchanged."""
    absolute = report.absolute(file)
    if absolute is None:
        return file
    base = cwd or Path.cwd()
    try:
        rel = os.path.relpath(absolute, base)
    except ValueError:
        return file
    return file if rel.startswith("..") else PurePosixPath(Path(rel).as_posix()).as_posix()


# ------------------------------------------------------------------- what is printed
# Reporters never print file content, messages or fix text unredacted (docs/output.md,
# "Secrets"): these helpers are what they print instead.


def shown(text: str | None) -> str | None:
    """`text` with secrets redacted (None stays None)."""
    return redact_text(text) if text else text


def shown_fix_dict(fix: Fix) -> dict[str, Any]:
    """`Fix.to_dict()` with the title and every replacement redacted. An edit whose
    replacement held a secret gets `"redacted": true`: applying it as printed would
    write `[REDACTED]` into the file (`infradoctor fix` applies the real one)."""
    edits: list[dict[str, Any]] = []
    for edit in fix.edits:
        d = edit.to_dict()
        replacement = redact_text(edit.replacement)
        if replacement != edit.replacement:
            d["replacement"] = replacement
            d["redacted"] = True
        edits.append(d)
    return {
        "title": redact_text(fix.title),
        "applicability": fix.applicability.value,
        "edits": edits,
    }


def shown_error(err: LoadError) -> dict[str, Any]:
    """`LoadError.to_dict()` with the message redacted (parse errors may quote the file)."""
    d = err.to_dict()
    d["message"] = redact_text(err.message)
    return d
