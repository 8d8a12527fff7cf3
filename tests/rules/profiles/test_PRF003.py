"""PRF003 env-sample-keys-missing: its tests, gathered from the rule test modules by rule code."""

from __future__ import annotations

from tests.rules.profiles.test_profiles import PROFILES, _lint


def test_findings_name_their_profile() -> None:
    got = {(f.rule, f.profile) for f in _lint(PROFILES, ["PRF", "CMP001", "CMP002"])}
    assert got == {
        ("PRF001", "prod"),
        ("PRF002", "stage"),
        ("PRF003", None),
        ("PRF003", "stage"),
        ("PRF004", None),
        ("PRF005", "prod"),
        ("PRF006", "prod"),
        ("PRF007", "prod"),
        ("PRF008", "prod"),
        ("CMP001", "dev"),
        ("CMP002", "dev"),
    }
