"""Link diagnoses to the static model: when the bundle carried the stack's files (PATH /
files/), run the lint rules each diagnosis names and quote their findings, so the report
says "CMP005 at docker-compose.yml:12 would have prevented this" instead of only the code."""

from __future__ import annotations

from typing import Any

from infradoctor.diagnose.analyzers.base import Diagnosis


def _matches(diag: Diagnosis, finding: Any) -> bool:
    service = diag.subject.get("service")
    data = getattr(finding, "data", None) or {}
    fsvc = data.get("service") or getattr(finding, "subject", None)
    if service and fsvc:
        return str(fsvc).lower() == service.lower()
    # nginx-level rules (NGX002, ...) have no service: they apply to upstream diagnoses
    return not data.get("service") and bool(
        diag.subject.get("upstream") or diag.subject.get("address")
    )


def link_lint(diagnoses: list[Diagnosis], stack: Any) -> list[str]:
    """Attach matching lint findings as evidence; returns problems (never raises)."""
    if stack is None or not diagnoses:
        return []
    codes = sorted({code for d in diagnoses for code in d.rules})
    try:
        from infradoctor.engine import run_rules
        from infradoctor.rules.registry import by_code

        catalogue = by_code()
        rules = [catalogue[c]() for c in codes if c in catalogue]
        findings, errors = run_rules(stack, rules)
    except Exception as exc:  # noqa: BLE001 - the static model only adds evidence
        return [f"lint cross-check: {type(exc).__name__}: {exc}"]
    for d in diagnoses:
        hits = [f for f in findings if f.rule in d.rules and _matches(d, f)]
        for f in hits[:3]:
            d.add_evidence(
                f.location.file, f.location.line, f"lint {f.rule} {f.name}: {f.message}", force=True
            )
        if hits:
            where = ", ".join(f"{f.rule} at {f.location.file}:{f.location.line}" for f in hits[:3])
            step = (
                f"infradoctor lint --select {','.join(sorted({f.rule for f in hits}))}  "
                f"(flags the cause in the files: {where})"
            )
            if step not in d.plan:
                d.plan.append(step)
    return [str(e.message) for e in errors]
