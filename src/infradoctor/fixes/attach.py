"""Attach fixes to findings: the engine's hook after the rules ran."""

from __future__ import annotations

from infradoctor.findings import Finding
from infradoctor.model.stack import Stack


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
        except Exception:  # noqa: BLE001 - a fixer bug must not stop the lint run
            fix = None
        if fix is not None and not ctx.editable(fix):
            fix = None
        out.append(f.with_fix(fix) if fix is not None else f)
    return out
