"""Attach fixes to findings: the engine's hook after the rules ran.

Fixes are deferred: each finding a fixer handles gets a `DeferredFix` and its fixer runs
the first time the finding's `fix` is read (reporters showing fixes, the fix loop). All
of one lint's findings share one `FixContext`, so files are parsed and indexed once."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Collection, Iterable
from typing import TYPE_CHECKING

from infradoctor.findings import Applicability, DeferredFix, Finding, Fix
from infradoctor.model.embedded import EmbeddedText
from infradoctor.model.stack import Stack

if TYPE_CHECKING:
    from infradoctor.fixes.context import FixContext


def _record_crash(stack: Stack, f: Finding, exc: Exception) -> None:
    """A crashing fixer is a bug: the finding keeps no fix and the lint goes on, but the
    crash is counted (`fixer_crashes` in the stats) and logged at debug level."""
    import logging  # imported by the rare crash, not by every lint
    import traceback

    tb = traceback.extract_tb(exc.__traceback__)
    where = f"{tb[-1].filename}:{tb[-1].lineno}" if tb else "?"
    what = f"{f.rule} at {f.location}: {type(exc).__name__}: {exc} ({where})"
    stack.fixer_crashes.append(what)
    logging.getLogger(__name__).debug("fixer crashed: %s", what)


def attach_fixes(stack: Stack, findings: list[Finding]) -> list[Finding]:
    """Give each finding a fixer handles its (deferred) Fix."""
    from infradoctor.fixes.context import FixContext
    from infradoctor.fixes.fixers import FIXERS

    ctx = FixContext(stack)
    deferred = DeferredFix(
        functools.partial(compute_fix, ctx), functools.partial(tell_applicability, ctx)
    )
    return [
        f.with_deferred_fix(deferred) if f.rule in FIXERS and f.fix is None else f for f in findings
    ]


def resolve_fixes(findings: Iterable[Finding]) -> None:
    """Compute every deferred fix of `findings` now, for a consumer that needs them all
    (a report showing fixes, the fix loop). The cyclic GC is paused meanwhile: fixers
    allocate many long-lived objects (the parsed YAML, the edits) and no cycles, and
    its collections would walk the whole stack again and again."""
    from infradoctor.gcpause import gc_paused

    with gc_paused():
        for f in findings:
            if f.fix_pending:
                _ = f.fix


def applicable_fixes(
    findings: Iterable[Finding], allowed: Collection[Applicability]
) -> list[Finding]:
    """The findings whose fix has an applicability in `allowed` and edits, in order. A
    pending fix the rule can tell (`Rule.fix_applicability_of`, or one applicability for
    all) is not in `allowed` stays pending: the fix loop never builds display-only fixes,
    nor unsafe ones without --unsafe (the report builds those of the last lint once)."""
    from infradoctor.fixes.context import FixUnavailable
    from infradoctor.gcpause import gc_paused

    out: list[Finding] = []
    with gc_paused():  # as resolve_fixes
        for f in findings:
            deferred = f.pending_fix
            if deferred is not None and deferred.tell is not None:
                try:
                    told = deferred.tell(f)
                except FixUnavailable:
                    continue
                if told is not None and told not in allowed:
                    continue
            fix = f.fix
            if fix is not None and fix.applicability in allowed and fix.edits:
                out.append(f)
    return out


def tell_applicability(ctx: FixContext, finding: Finding) -> Applicability | None:
    """What the finding's fix would be, told by its rule without building it (None: the
    rule cannot tell; FixUnavailable: no fix)."""
    from infradoctor.fixes.fixers import APPLICABILITY

    tell = APPLICABILITY.get(finding.rule)
    return tell(ctx, finding) if tell is not None else None


def compute_fix(ctx: FixContext, finding: Finding) -> Fix | None:
    """The fixer's Fix for `finding`. A fixer that cannot edit the layout with certainty
    gives none; one that crashes must not break lint, so it gives none too."""
    from infradoctor.fixes.context import FixUnavailable
    from infradoctor.fixes.fixers import FIXERS

    fixer = FIXERS.get(finding.rule)
    if fixer is None:
        return None
    embedded = _embedded_at(ctx, finding)
    if embedded is not None and not embedded.exact:
        return None  # positions are only the value's start: nothing to edit
    try:
        fix = fixer(ctx, finding)
    except FixUnavailable:
        fix = None
    except Exception as exc:  # noqa: BLE001 - a fixer bug must not stop the lint run
        fix = None
        _record_crash(ctx.stack, finding, exc)
    if fix is not None and not ctx.editable(fix):
        fix = None
    if fix is not None and embedded is not None:
        # nginx inside YAML/HCL: the edit ignores the outer file's quoting rules
        fix = dataclasses.replace(fix, applicability=Applicability.DISPLAY_ONLY)
    return fix


def _embedded_at(ctx: FixContext, finding: Finding) -> EmbeddedText | None:
    """The embedded nginx text (a ConfigMap value, ...) the finding points into."""

    def build() -> dict[str, list[EmbeddedText]]:
        found: dict[str, list[EmbeddedText]] = {}
        for cfg in ctx.stack.nginx:
            if cfg.embedded is not None:
                found.setdefault(cfg.embedded.path, []).append(cfg.embedded)
        return found

    loc = finding.location
    for item in ctx.memo("embedded-nginx", build).get(loc.file, ()):
        if item.line <= loc.line <= item.last_line:
            return item
    return None
