"""lint(): load the stack once, run the selected rules, attach fixes, apply suppressions
and the baseline. Pure orchestration; reporters render the result."""

from __future__ import annotations

import signal
import threading
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import field
from dataclasses import replace as dataclasses_replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from infradoctor.config import LintConfig
from infradoctor.findings import Finding
from infradoctor.gcpause import gc_paused
from infradoctor.model.source import LoadError, Location
from infradoctor.model.stack import Stack
from infradoctor.records import record
from infradoctor.rules.base import Rule
from infradoctor.shared_lines import collapse_shared_lines

if TYPE_CHECKING:
    from infradoctor.suppress import UnusedPolicy


@record
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
        # Only when a fixer crashed (a bug): normal output keeps its shape.
        crashes: dict[str, Any] = {}
        if n := len(self.stack.fixer_crashes):
            crashes["fixer_crashes"] = n
        if self.stack.helm_stats:  # only when the root holds a chart
            crashes["helm"] = dict(self.stack.helm_stats)
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
            # files that look like infrastructure but were not analysed, and why
            "skipped": [s.to_dict() for s in self.stack.skipped],
            # files and directories a .gitignore left out (only when some were)
            **({"gitignored": self.stack.gitignored} if self.stack.gitignored else {}),
            **crashes,
            **({"kustomize": dict(self.stack.kustomize)} if self.stack.kustomize else {}),
        }


RULE_TIME_BUDGET = 10.0  # seconds per rule per run (default of LintConfig.rule_time_budget)
TIMEOUT_ERROR_KIND = "timeout"


class RuleTimeout(BaseException):
    """Raised inside a rule that overran its time budget. A BaseException, like
    KeyboardInterrupt, so a rule's own `except Exception` cannot swallow it."""


class _Budget:
    """The time budget of one rule. In the main thread, where the platform has
    `setitimer` and nobody else uses SIGALRM, an ITIMER_REAL alarm raises RuleTimeout
    wherever the rule is; otherwise (or as well) the engine checks the clock between the
    findings the rule yields (`check`)."""

    def __init__(self, seconds: float | None) -> None:
        self.seconds = seconds if seconds is not None and seconds > 0 else None
        self.started = 0.0
        self._armed = False
        self._old_handler: Any = None

    def elapsed(self) -> float:
        return time.perf_counter() - self.started

    def check(self) -> None:
        if self.seconds is not None and self.elapsed() > self.seconds:
            raise RuleTimeout

    def _on_alarm(self, signum: int, frame: Any) -> None:
        if self._armed:  # an alarm delivered just after the rule finished is ignored
            self._armed = False
            raise RuleTimeout

    def __enter__(self) -> _Budget:
        self.started = time.perf_counter()
        if self.seconds is None or not _can_use_alarm():
            return self
        self._old_handler = signal.signal(signal.SIGALRM, self._on_alarm)
        self._armed = True
        signal.setitimer(signal.ITIMER_REAL, self.seconds)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._old_handler is not None:
            self._armed = False
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, self._old_handler)
            self._old_handler = None


def _can_use_alarm() -> bool:
    if not hasattr(signal, "setitimer") or not hasattr(signal, "SIGALRM"):
        return False
    if threading.current_thread() is not threading.main_thread():
        return False
    # Someone else's alarm (a test timeout, the embedding program): do not clobber it.
    if signal.getitimer(signal.ITIMER_REAL)[0] > 0:
        return False
    return signal.getsignal(signal.SIGALRM) in (signal.SIG_DFL, signal.SIG_IGN, None)


def _where(value: object) -> tuple[str, int | None] | None:
    """The file (and line) a model object sits in, for naming what a rule worked on."""
    if isinstance(value, Location):
        return value.file, value.line
    module = type(value).__module__
    if not module.startswith("infradoctor.model."):
        return None
    try:
        loc = getattr(value, "location", None)
        if isinstance(loc, Location):
            return loc.file, loc.line
        for attr in ("root_file", "path", "file"):  # NginxConfig, Dockerfile/SourceFile
            text = getattr(value, attr, None)
            if isinstance(text, str):
                return text, None
    except Exception:  # noqa: BLE001 - a property that cannot answer names nothing
        return None
    return None


def _frames_of(exc: BaseException | None, gen: Any) -> list[Any]:
    """Frames the rule was running, innermost first: from the traceback when the alarm
    interrupted it, else from the suspended generator chain."""
    frames: list[Any] = []
    tb = exc.__traceback__ if exc is not None else None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename != __file__:  # not run_rules / the alarm handler
            frames.append(tb.tb_frame)
        tb = tb.tb_next
    if not frames:  # raised between two findings: the rule's generators are suspended
        while gen is not None and getattr(gen, "gi_frame", None) is not None:
            frames.append(gen.gi_frame)
            gen = getattr(gen, "gi_yieldfrom", None)
    return frames[::-1]


def _working_on(frames: list[Any], last: Finding | None) -> tuple[str, int | None] | None:
    for frame in frames:
        for value in list(frame.f_locals.values()):
            found = _where(value)
            if found is not None:
                return found
    if last is not None:
        return last.location.file, last.location.line
    return None


def run_rules(
    stack: Stack, rules: list[Rule], time_budget: float | None = None
) -> tuple[list[Finding], list[LoadError]]:
    """Run each rule; a crashing rule becomes an error entry, never stops the run.

    Each rule gets `time_budget` seconds of wall-clock time (None: RULE_TIME_BUDGET;
    0 or less: unlimited). A
    rule that overruns gives up: its findings up to then are kept (each is a complete,
    correct finding) and an error entry of kind `timeout` names the rule, the file it was
    working on when that can be told, and the time spent; the run goes on."""
    findings: list[Finding] = []
    errors: list[LoadError] = []
    seen: set[tuple[str, str, int, int, str]] = set()
    if time_budget is None:
        time_budget = RULE_TIME_BUDGET
    for rule in rules:
        budget = _Budget(time_budget)
        last: Finding | None = None
        gen: Any = None
        try:
            with budget:
                gen = rule.check(stack)
                for f in gen:
                    last = f
                    key = (f.rule, f.location.file, f.location.line, f.location.column, f.message)
                    if key not in seen:
                        seen.add(key)
                        findings.append(f)
                    budget.check()
        except RuleTimeout as exc:
            errors.append(_timeout_error(rule, budget, _working_on(_frames_of(exc, gen), last)))
            _close(gen)
        except Exception as exc:  # noqa: BLE001 - one broken rule must not stop the run
            import traceback

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


def _timeout_error(rule: Rule, budget: _Budget, where: tuple[str, int | None] | None) -> LoadError:
    spent = f"{budget.elapsed():.1f} s"
    limit = f"time budget {budget.seconds:g} s"
    if where is None:
        message = f"rule {rule.code} gave up after {spent} ({limit}); findings so far are kept"
        return LoadError(f"<rule {rule.code}>", message, TIMEOUT_ERROR_KIND)
    file, line = where
    message = (
        f"rule {rule.code} gave up on file {file} after {spent} ({limit}); findings so far are kept"
    )
    return LoadError(file, message, TIMEOUT_ERROR_KIND, line, 1 if line is not None else None)


def _close(gen: Any) -> None:
    """Finish a generator the budget interrupted (runs its `finally` blocks)."""
    close = getattr(gen, "close", None)
    if close is None:
        return
    try:
        close()
    except Exception:  # noqa: BLE001 - cleanup of a rule that already gave up
        pass


def _unused_policy(config: LintConfig) -> UnusedPolicy:
    """How suppression handling judges unused suppressions for this run (IDX001)."""
    from infradoctor.catalogue import catalogue, domain_rules, is_selected, selected_rules
    from infradoctor.rules.meta import UnusedSuppression
    from infradoctor.suppress import UnusedPolicy

    rule = None
    if config.report_unused_suppressions and is_selected(UnusedSuppression, config):
        rule = UnusedSuppression(
            config.rule_options.get(UnusedSuppression.code),
            config.severity_overrides.get(UnusedSuppression.code),
        )
    # The engine runs IDX001.check only when the registry lists it; otherwise the
    # unknown-code part is reported by suppression handling.
    report_unknown = UnusedSuppression.code not in {r.code for r in domain_rules()}
    return UnusedPolicy(rule, catalogue(), selected_rules(config), report_unknown)


def sort_key(f: Finding) -> tuple[str, int, int, str]:
    return (f.location.file, f.location.line, f.location.column, f.rule)


def _with_root_policy(config: LintConfig, root: Path) -> LintConfig:
    """`config` with the `[policy]` of the config file governing `root`, when there is
    one (policy rules read it from their options, never from disk)."""
    from infradoctor.config import root_policy

    policy = root_policy(root)
    return config if policy is None else dataclasses_replace(config, policy=policy)


def lint(
    root: Path,
    config: LintConfig | None = None,
    *,
    stack: Stack | None = None,
    with_fixes: bool = True,
    overrides: Mapping[str, str] | None = None,
) -> LintResult:
    """Load `root` (or use `stack`), run the selected rules, apply suppressions, the
    baseline and the severity threshold. With `with_fixes`, findings a fixer handles
    carry a deferred fix: computed when `finding.fix` is first read (see
    `fixes.attach.resolve_fixes` to compute a whole list at once). `overrides` (relative
    path -> LF-normalised text) lints those files as if they held that text (the fix
    loop's look before it writes)."""
    from infradoctor.catalogue import rules_to_run, validate_config
    from infradoctor.loaders import LoadOptions, load_stack

    config = validate_config(config or LintConfig())
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
                    overrides=overrides or {},
                    helm=config.helm,
                    helm_values=config.helm_values,
                ),
            )
        if config.policy is None and not config.source:  # no config read: the root's
            config = _with_root_policy(config, stack.root)
        rules = rules_to_run(config)
        findings, rule_errors = run_rules(stack, rules, config.rule_time_budget)
        from infradoctor.purpose import hold_to_purpose

        findings = hold_to_purpose(stack, findings)
        findings = collapse_shared_lines(findings)
    if with_fixes:
        from infradoctor.fixes.attach import attach_fixes

        findings = attach_fixes(stack, findings)
    from infradoctor.suppress import apply_suppressions

    findings, suppressed, unused = apply_suppressions(stack, findings, _unused_policy(config))
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
