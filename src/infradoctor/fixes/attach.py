"""Attach fixes to findings: the engine's hook after the rules ran."""

from __future__ import annotations

import logging
import traceback

from infradoctor.findings import Finding
from infradoctor.model.stack import Stack

log = logging.getLogger(__name__)


def _record_crash(stack: Stack, f: Finding, exc: Exception) -> None:
    """A crashing fixer is a bug: the finding keeps no fix and the lint goes on, but the
    crash is counted (`fixer_crashes` in the stats) and logged at debug level."""
    tb = traceback.extract_tb(exc.__traceback__)
    where = f"{tb[-1].filename}:{tb[-1].lineno}" if tb else "?"
    what = f"{f.rule} at {f.location}: {type(exc).__name__}: {exc} ({where})"
    stack.fixer_crashes.append(what)
    log.debug("fixer crashed: %s", what)


def attach_fixes(stack: Stack, findings: list[Finding]) -> list[Finding]:
    """Give each finding a fixer handles its Fix. A fixer that cannot edit the layout with
    certainty gives none; one that crashes must not break lint, so it gives none too."""
    from infradoctor.fixes.context import FixContext, FixUnavailable
    from infradoctor.fixes.fixers import FIXERS

    ctx = FixContext(stack)
    out: list[Finding] = []
    for f in findings:
        fixer = FIXERS.get(f.rule)
        if fixer is None or f.fix is not None:
            out.append(f)
            continue
        try:
            fix = fixer(ctx, f)
        except FixUnavailable:
            fix = None
        except Exception as exc:  # noqa: BLE001 - a fixer bug must not stop the lint run
            fix = None
            _record_crash(stack, f, exc)
        if fix is not None and not ctx.editable(fix):
            fix = None
        out.append(f.with_fix(fix) if fix is not None else f)
    return out
