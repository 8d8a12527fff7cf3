"""One finding per shared compose line: an anchor or merge key (`<<: *defaults`) used by N
services makes a rule report the same line N times; users want it once, at the anchor,
with the services listed."""

from __future__ import annotations

from dataclasses import replace

from infradoctor.findings import Annotated, Finding
from infradoctor.subjects import ServiceSubject

_SERVICE_TO_DICT = ServiceSubject.to_dict

LISTED = 8  # services named in the message; the rest are counted


Key = tuple[str, str, int, int]


def collapse_shared_lines(findings: list[Finding]) -> list[Finding]:
    """Merge findings of one rule at one compose location that differ only by service.
    Linear: one pass to group (each finding's service read once), one to rebuild (each
    group judged and merged once)."""
    groups: dict[Key, list[tuple[Finding, str]]] = {}
    for f in findings:
        # the suffix first: it is cheap, `_service` may build the finding's data dict
        if f.location.file.endswith((".yml", ".yaml")) and (service := _service(f)):
            key = (f.rule, f.location.file, f.location.line, f.location.column)
            groups.setdefault(key, []).append((f, service))
    merged: dict[Key, Finding | None] = {}  # None: not an anchor echo
    out: list[Finding] = []
    for f in findings:
        key = (f.rule, f.location.file, f.location.line, f.location.column)
        group = groups.get(key)
        if group is None:
            out.append(f)
            continue
        if key not in merged:
            merged[key] = _merged(group) if _one_per_service(group) else None
        one = merged[key]
        if one is None:
            out.append(f)  # several findings for one service there: not an anchor echo
        elif group[0][0] is f:
            out.append(one)
    return out


def _one_per_service(group: list[tuple[Finding, str]]) -> bool:
    """Each finding names a different service (the N echoes of one shared line)."""
    return len(group) > 1 and len({service for _, service in group}) == len(group)


def _service(f: Finding) -> str | None:
    detail = f.detail
    if detail is not None and type(detail).to_dict is _SERVICE_TO_DICT:
        # a ServiceSubject whose dict is its fields: read the field, build no dict
        service = detail.service  # type: ignore[attr-defined]
    else:
        service = f.data.get("service")
    return service if isinstance(service, str) else None


def _merged(group: list[tuple[Finding, str]]) -> Finding:
    services = sorted({service for _, service in group})
    first = group[0][0]
    named = ", ".join(services[:LISTED]) + (
        f" and {len(services) - LISTED} more" if len(services) > LISTED else ""
    )
    message = f"{first.message} [this line is shared by {len(services)} services: {named}]"
    return replace(first, message=message, detail=Annotated(first.detail, {"services": services}))
