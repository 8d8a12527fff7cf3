"""Kubernetes fixers. Rendered kustomize objects keep the location of the line that set
each value (loaders/kustomize.py), so a fix edits that line: the overlay's patch when the
overlay set it. A value a shared base sets for several overlays is edited only for display
(changing the base changes every overlay)."""

from __future__ import annotations

import re

from infradoctor.findings import Applicability, Edit, Finding, Fix
from infradoctor.fixes.context import FixContext, FixUnavailable, make_fix
from infradoctor.model.k8s import K8sObject

UNSAFE = Applicability.UNSAFE
DISPLAY = Applicability.DISPLAY_ONLY
_PDB_LINE = re.compile(r"^(\s*(?:-\s+)?)(minAvailable|maxUnavailable)(\s*:\s*)(\S+)(\s*(?:#.*)?)$")


def _owner(ctx: FixContext, finding: Finding) -> K8sObject:
    for obj in ctx.stack.k8s:
        if obj.pdb is not None and obj.pdb.location == finding.location:
            return obj
    raise FixUnavailable("no PodDisruptionBudget at this location")


def _shared(ctx: FixContext, obj: K8sObject, finding: Finding) -> bool:
    """Whether the line also sets the value for another overlay's copy (a shared base)."""
    return any(
        o.pdb is not None and o.pdb.location == finding.location and o.file != obj.file
        for o in ctx.stack.k8s
    )


def fix_pdb_max_unavailable(ctx: FixContext, finding: Finding) -> Fix | None:
    """K8S010: `minAvailable: N` / `maxUnavailable: 0` -> `maxUnavailable: 1`."""
    pdb = _owner(ctx, finding)
    loc = finding.location
    src = ctx.stack.files.get(loc.file)
    if src is None:
        raise FixUnavailable("file not loaded")
    line = src.line_text(loc.line)
    m = _PDB_LINE.match(line)
    if m is None:
        raise FixUnavailable("the value is not a plain `key: value` line")
    start = src.offset_of(loc.line, 1) + m.start(2)
    end = src.offset_of(loc.line, 1) + m.end(4)
    replacement = "maxUnavailable: 1"
    if loc.file != pdb.location.file and m.group(2) == "minAvailable":
        # a strategic-merge patch: null deletes the base's minAvailable (both set is invalid)
        if "-" in m.group(1):
            raise FixUnavailable("minAvailable starts a list item")
        replacement = f"minAvailable: null\n{m.group(1)}maxUnavailable: 1"
    shared = _shared(ctx, pdb, finding)
    note = " (this base is shared by other overlays: patch the overlay instead)"
    return make_fix(
        "Set `maxUnavailable: 1`" + (note if shared else ""),
        DISPLAY if shared else UNSAFE,
        [Edit(loc.file, start, end, replacement)],
    )
