"""`Rule.finding` builds its Finding positionally: each value lands in its own field."""

from __future__ import annotations

from infradoctor.findings import Severity
from infradoctor.model.source import Location
from infradoctor.rules.compose.CMP001_restart_policy_missing import RestartPolicyMissing
from infradoctor.subjects import ServiceSubject


def test_finding_fields_by_name() -> None:
    rule = RestartPolicyMissing()
    at, other = Location("compose.yaml", 3, 5), Location("compose.yaml", 9, 1)
    detail = ServiceSubject("api", "p")
    f = rule.finding(
        at,
        "msg",
        subject="api",
        related=[other],
        severity=Severity.INFO,
        detail=detail,
        profile="dev",
    )
    assert (f.rule, f.name, f.category) == (rule.code, rule.name, rule.category)
    assert (f.severity, f.message, f.location, f.related) == (Severity.INFO, "msg", at, (other,))
    assert (f.subject, f.detail, f.profile, f.fix) == ("api", detail, "dev", None)
    plain = rule.finding(at, "m")
    assert (plain.severity, plain.related, plain.subject, plain.profile) == (
        rule.severity,
        (),
        None,
        None,
    )
