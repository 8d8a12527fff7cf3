"""lint(): load the stack once, run the selected rules, attach fixes, apply suppressions
and the baseline. Pure orchestration; reporters render the result."""

from __future__ import annotations

import time
import traceback
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from infradoctor.config import LintConfig
from infradoctor.findings import Finding
from infradoctor.gcpause import gc_paused
from infradoctor.model.source import LoadError
from infradoctor.model.stack import Stack
from infradoctor.rules.base import Rule


@dataclass(slots=True)
class LintResult:
    root: Path
    stack: Stack
    findings: list[Finding]
    errors: list[LoadError]
    suppressed: list[Finding] = field(default_factory=list)
    baselined: list[Finding] = field(default_factory=list)
    rules_run: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def stats(self) -> dict[str, Any]:
        kinds = Counter(str(f.kind) for f in self.stack.files.values())
        sev = Counter(f.severity.label for f in self.findings)
        return {
            "files": len(self.stack.files),
            "files_by_kind": dict(sorted(kinds.items())),
            "projects": len(self.stack.projects),
            "services": sum(len(p.services) for p in self.stack.projects),
            "nginx_configs": len(self.stack.nginx),
            "routes": sum(len(c.routes) for c in self.stack.nginx),
            "rules": len(self.rules_run),
            "findings": len(self.findings),
            "by_severity": {k: sev.get(k, 0) for k in ("error", "warning", "info")},
            "by_rule": dict(sorted(Counter(f.rule for f in self.findings).items())),
            "suppressed": len(self.suppressed),
            "baselined": len(self.baselined),
            "errors": len(self.errors),
            "seconds": round(self.seconds, 3),
        }


def select_rules(config: LintConfig) -> list[Rule]:
    from infradoctor.rules.registry import all_rules, matches

    chosen: list[Rule] = []
    for cls in all_rules():
        selected = any(matches(cls, s) for s in config.select + config.extend_select)
        ignored = any(matches(cls, s) for s in config.ignore)
        if selected and not ignored:
            chosen.append(
                cls(config.rule_options.get(cls.code), config.severity_overrides.get(cls.code))
            )
    return chosen


def run_rules(stack: Stack, rules: list[Rule]) -> tuple[list[Finding], list[LoadError]]:
    """Run each rule; a crashing rule becomes an error entry, never stops the run."""
    findings: list[Finding] = []
    errors: list[LoadError] = []
    seen: set[tuple[str, str, int, int, str]] = set()
    for rule in rules:
        try:
            for f in rule.check(stack):
                key = (f.rule, f.location.file, f.location.line, f.location.column, f.message)
                if key not in seen:
                    seen.add(key)
                    findings.append(f)
        except Exception as exc:  # noqa: BLE001 - one broken rule must not stop the run
            tb = traceback.extract_tb(exc.__traceback__)
            where = f"{tb[-1].filename}:{tb[-1].lineno}" if tb else "?"
            errors.append(
                LoadError(
                    f"<rule {rule.code}>",
                    f"internal error in rule {rule.code}: {type(exc).__name__}: {exc} ({where})",
                    "internal",
                )
            )
    return findings, errors


def sort_key(f: Finding) -> tuple[str, int, int, str]:
    return (f.location.file, f.location.line, f.location.column, f.rule)


def lint(
    root: Path,
    config: LintConfig | None = None,
    *,
    stack: Stack | None = None,
    with_fixes: bool = True,
) -> LintResult:
    """Load `root` (or use `stack`), run the selected rules, apply suppressions, the
    baseline and the severity threshold. With `with_fixes`, findings a fixer handles
    carry a deferred fix: computed when `finding.fix` is first read (see
    `fixes.attach.resolve_fixes` to compute a whole list at once)."""
    from infradoctor.loaders import LoadOptions, load_stack

    config = config or LintConfig()
    started = time.perf_counter()
    with gc_paused():  # millions of long-lived objects, next to no cyclic garbage
        if stack is None:
            stack = load_stack(
                root,
                LoadOptions(
                    compose_files=config.compose_files,
                    env=config.env,
                    profiles=config.profiles,
                    exclude=config.exclude,
                ),
            )
        rules = select_rules(config)
        findings, rule_errors = run_rules(stack, rules)
    if with_fixes:
        from infradoctor.fixes.attach import attach_fixes

        findings = attach_fixes(stack, findings)
    from infradoctor.suppress import apply_suppressions

    findings, suppressed, unused = apply_suppressions(stack, findings, config)
    findings.extend(unused)
    baselined: list[Finding] = []
    if config.baseline is not None:
        from infradoctor.baseline import filter_baseline

        findings, baselined = filter_baseline(stack, findings, config.baseline)
    findings = [f for f in findings if f.severity >= config.threshold]
    findings.sort(key=sort_key)
    return LintResult(
        stack.root,
        stack,
        findings,
        list(stack.errors) + rule_errors,
        suppressed,
        baselined,
        [r.code for r in rules],
        time.perf_counter() - started,
    )
