"""Inline suppressions (stub until implemented)."""

from __future__ import annotations

from infradoctor.config import LintConfig
from infradoctor.findings import Finding
from infradoctor.model.stack import Stack


def apply_suppressions(
    stack: Stack, findings: list[Finding], config: LintConfig
) -> tuple[list[Finding], list[Finding], list[Finding]]:
    """Returns (kept, suppressed, unused-suppression findings)."""
    return findings, [], []
