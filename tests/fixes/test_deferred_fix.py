"""Deferred fixes (computed when `Finding.fix` is first read) and fixers that copy their
finding: `dataclasses.replace` reads every field, `fix` included, and must not recurse
into the fix being computed (NGX003's fixer does this; found by bench/fuzz.py)."""

from __future__ import annotations

import dataclasses

from infradoctor.findings import DeferredFix, Finding, Severity
from infradoctor.model.source import Location


def test_a_fixer_copying_its_finding_does_not_recurse() -> None:
    seen: list[object] = []

    def compute(f: Finding) -> None:
        copy = dataclasses.replace(f, related=())  # reads f.fix while it is computed
        seen.append(copy.fix)
        return None

    f = Finding("NGX003", "x", Severity.WARNING, "nginx", "m", Location("a.conf", 1, 1))
    f = f.with_deferred_fix(DeferredFix(compute))
    assert f.fix is None
    assert seen == [None]
    assert f.fix is None and seen == [None]  # computed once
