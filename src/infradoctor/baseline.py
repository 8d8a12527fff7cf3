"""Baseline files (stub until implemented)."""

from __future__ import annotations

from pathlib import Path

from infradoctor.findings import Finding
from infradoctor.model.stack import Stack


def filter_baseline(stack: Stack, findings: list[Finding], path: Path
                    ) -> tuple[list[Finding], list[Finding]]:
    """Returns (new findings, findings already in the baseline)."""
    return findings, []
