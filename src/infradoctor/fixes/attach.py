"""Attach fixes to findings (stub until the fixers land)."""

from __future__ import annotations

from infradoctor.findings import Finding
from infradoctor.model.stack import Stack


def attach_fixes(stack: Stack, findings: list[Finding]) -> list[Finding]:
    return findings
