"""Collapsing N echoes of one shared compose line is linear in N: each finding's service
is read once and each group judged once (it was read N times per group: N^2)."""

from __future__ import annotations

from infradoctor.findings import Finding, Severity
from infradoctor.model.source import Location
from infradoctor.shared_lines import collapse_shared_lines
from infradoctor.subjects import ServiceSubject
from tests.worktally import assert_linear


def _echoes(n: int) -> list[Finding]:
    at = Location("compose.yaml", 3, 5)
    return [
        Finding(
            "CMP001",
            "restart-policy-missing",
            Severity.WARNING,
            "availability",
            "no restart policy",
            at,
            detail=ServiceSubject(f"svc{i}", "p"),
        )
        for i in range(n)
    ]


def test_collapse_is_linear_in_the_services_sharing_a_line() -> None:
    [merged] = collapse_shared_lines(_echoes(12))
    assert "shared by 12 services" in merged.message
    small, large = assert_linear(lambda n: collapse_shared_lines(_echoes(n)), 100)
    assert small > 100  # the count sees the work done per finding
