"""Inline suppressions in YAML, nginx, Dockerfile and .env comments.

    restart: "no"  # infradoctor: ignore[CMP001]      this line
    # infradoctor: ignore[NGX001,NGX003]              the next code line
    # infradoctor: ignore                             all rules, next code line
    # infradoctor: ignore-file[SEC001]                the whole file

Codes may be full codes, code prefixes (`NGX`) or rule names. A comment alone on its line
applies to the next line that is neither blank nor a comment (so several suppression
comments can be stacked). Comments are found by scanning `SourceFile.text`: a `#` at the
start of a line or after whitespace or `;` starts a comment in all three languages."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import field
from typing import TYPE_CHECKING

from infradoctor.findings import Finding
from infradoctor.lazyre import lazy
from infradoctor.model.source import Location, SourceFile
from infradoctor.model.stack import Stack
from infradoctor.records import record
from infradoctor.subjects import SuppressionCodes

if TYPE_CHECKING:
    from infradoctor.rules.base import Rule

UNUSED_CODE = "IDX001"

DIRECTIVE_RE = lazy(
    r"(?:^|(?<=[\s;]))#[ \t]*infradoctor[ \t]*:[ \t]*(?P<kind>ignore-file|ignore)\b"
    r"(?:[ \t]*\[(?P<codes>[^\]\n]*)\])?",
    re.MULTILINE,
)


@record
class Suppression:
    """One suppression comment. `codes` empty means every rule; `target_line` is the
    line it silences (None for file-wide)."""

    file: str
    line: int  # line of the comment itself
    column: int
    start: int  # character offsets of the directive in SourceFile.text
    end: int
    codes: tuple[str, ...]
    file_wide: bool
    target_line: int | None
    used: set[str] = field(default_factory=set)  # tokens that silenced something ("*" = bare)

    def token_for(self, finding: Finding) -> str | None:
        """The token of this suppression that covers `finding`, or None."""
        if not self.codes:
            return "*"
        for token in self.codes:
            if code_matches(token, finding.rule, finding.name):
                return token
        return None

    def covers(self, finding: Finding) -> bool:
        if finding.location.file != self.file:
            return False
        if not self.file_wide and finding.location.line != self.target_line:
            return False
        return self.token_for(finding) is not None

    @property
    def location(self) -> Location:
        return Location(
            self.file,
            self.line,
            self.column,
            self.line,
            self.column + (self.end - self.start),
            self.start,
            self.end,
        )


def code_matches(token: str, code: str, name: str) -> bool:
    """A suppression token matches a rule by code prefix or by exact name."""
    return code.startswith(token.upper()) or token.lower() == name


def _split_codes(raw: str | None) -> tuple[str, ...]:
    if not raw:
        return ()
    return tuple(tok for tok in re.split(r"[\s,]+", raw.strip()) if tok)


def _is_code_line(text: str) -> bool:
    stripped = text.strip()
    return bool(stripped) and not stripped.startswith("#")


def parse_suppressions(source: SourceFile) -> list[Suppression]:
    """Every suppression comment in one file."""
    text = source.text
    if "infradoctor" not in text:
        return []
    found: list[Suppression] = []
    for match in DIRECTIVE_RE.finditer(text):
        line, column = source.position_of(match.start())
        before = source.line_text(line)[: column - 1]
        file_wide = match.group("kind") == "ignore-file"
        target: int | None = None
        if not file_wide:
            target = line
            if not before.strip():  # alone on its line: silences the next code line
                total = len(source.line_starts)
                target = line + 1
                while target <= total and not _is_code_line(source.line_text(target)):
                    target += 1
        found.append(
            Suppression(
                source.path,
                line,
                column,
                match.start(),
                match.end(),
                _split_codes(match.group("codes")),
                file_wide,
                target,
            )
        )
    return found


def collect_suppressions(stack: Stack) -> dict[str, list[Suppression]]:
    """file path -> its suppressions (only files that have any)."""
    out: dict[str, list[Suppression]] = {}
    for path, source in stack.files.items():
        if source.text:
            found = parse_suppressions(source)
            if found:
                out[path] = found
    return out


def _token_known(token: str, catalogue: tuple[type[Rule], ...]) -> bool:
    return any(code_matches(token, rule.code, rule.name) for rule in catalogue)


def unknown_code_findings(
    stack: Stack, rule: Rule, rules: tuple[type[Rule], ...]
) -> Iterator[Finding]:
    """IDX001 findings for suppression tokens that match none of `rules` (typos)."""
    for suppressions in collect_suppressions(stack).values():
        for sup in suppressions:
            unknown = [tok for tok in sup.codes if not _token_known(tok, rules)]
            if unknown:
                yield rule.finding(
                    sup.location,
                    f"suppression names unknown rule code {', '.join(unknown)}",
                    detail=SuppressionCodes(tuple(unknown)),
                )


@record(frozen=True)
class UnusedPolicy:
    """What judging unused suppressions needs from the run: the IDX001 rule instance
    (None: unused suppressions are not reported), every known rule, the selected ones,
    and whether unknown codes are reported here (the engine did not run IDX001)."""

    rule: Rule | None
    rules: tuple[type[Rule], ...]
    selected: Sequence[type[Rule]]
    report_unknown: bool


def apply_suppressions(
    stack: Stack, findings: list[Finding], policy: UnusedPolicy
) -> tuple[list[Finding], list[Finding], list[Finding]]:
    """Returns (kept, suppressed, unused-suppression findings)."""
    by_file = collect_suppressions(stack)
    if not by_file:
        return findings, [], []
    kept: list[Finding] = []
    suppressed: list[Finding] = []
    for finding in findings:
        if _silence(finding, by_file.get(finding.location.file, ())):
            suppressed.append(finding)
        else:
            kept.append(finding)
    unused = _unused_findings(by_file, policy, suppressed)
    return kept, suppressed, unused


def _silence(finding: Finding, suppressions: list[Suppression] | tuple[()]) -> bool:
    hit = False
    for sup in suppressions:
        if sup.covers(finding):
            token = sup.token_for(finding)
            if token is not None:
                sup.used.add(token)
                hit = True
    return hit


def _unused_findings(
    by_file: dict[str, list[Suppression]],
    policy: UnusedPolicy,
    suppressed: list[Finding],
) -> list[Finding]:
    meta = policy.rule
    if meta is None:
        return []
    rules, selected = policy.rules, policy.selected
    # a bare `ignore` can only be judged unused when every default rule ran
    all_ran = all(rule in selected for rule in rules if getattr(rule, "default_enabled", True))
    out: list[Finding] = []
    for suppressions in by_file.values():
        for sup in suppressions:
            message = _unused_message(sup, rules, selected, all_ran, policy.report_unknown)
            if message is None:
                continue
            finding = meta.finding(sup.location, message, detail=SuppressionCodes(sup.codes))
            if sup.codes and any(code_matches(t, finding.rule, finding.name) for t in sup.codes):
                sup.used.add(meta.code)  # "keep this one" marker
                suppressed.append(finding)
            elif _silence(finding, [s for s in suppressions if s is not sup]):
                suppressed.append(finding)
            else:
                out.append(finding)
    return out


def _unused_message(
    sup: Suppression,
    rules: tuple[type[Rule], ...],
    selected: Sequence[type[Rule]],
    all_ran: bool,
    report_unknown: bool,
) -> str | None:
    where = "in this file" if sup.file_wide else f"on line {sup.target_line}"
    if not sup.codes:
        if "*" in sup.used or not all_ran:
            return None
        return f"unused suppression: no finding {where}"
    unused: list[str] = []
    unknown: list[str] = []
    for token in sup.codes:
        if token in sup.used or code_matches(token, "IDX001", "unused-suppression"):
            continue
        if not _token_known(token, rules):
            if report_unknown:
                unknown.append(token)
            continue
        if any(code_matches(token, r.code, r.name) for r in selected):
            unused.append(token)
    parts = []
    if unused:
        parts.append(f"unused suppression: no {', '.join(unused)} finding {where}")
    if unknown:
        parts.append(f"suppression names unknown rule code {', '.join(unknown)}")
    return "; ".join(parts) or None
