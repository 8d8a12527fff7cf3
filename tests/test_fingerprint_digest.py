"""Baselines store finding fingerprints: the digest (rule, file, subject, stripped line,
each ended by NUL, then the profile) must never change, however it is computed."""

from __future__ import annotations

import hashlib

import pytest

from infradoctor.findings import Finding, Severity
from infradoctor.model.source import Location


def _old_digest(f: Finding, line_text: str) -> str:
    """The fingerprint as it was first written: one update per part."""
    h = hashlib.sha256()
    for part in (f.rule, f.location.file, f.subject or "", line_text.strip()):
        h.update(part.encode())
        h.update(b"\0")
    if f.profile is not None:
        h.update(f"profile={f.profile}".encode())
    return h.hexdigest()[:20]


@pytest.mark.parametrize(
    ("subject", "profile", "line"),
    [
        (None, None, ""),
        ("web", None, "    image: nginx  "),
        ("", "debug", "\tx: 1\n"),
        ("wéb\u2028", "p", "ünïcode 😀"),
    ],
)
def test_fingerprint_digest_is_unchanged(
    subject: str | None, profile: str | None, line: str
) -> None:
    f = Finding(
        "CMP001",
        "restart-policy-missing",
        Severity.WARNING,
        "reliability",
        "m",
        Location("a/compose.yaml", 3, 1),
        subject=subject,
        profile=profile,
    )
    assert f.fingerprint(line) == _old_digest(f, line)
    assert len(f.fingerprint(line)) == 20


def test_known_fingerprints() -> None:
    loc = Location("compose.yaml", 1, 1)
    f = Finding("XF001", "n", Severity.ERROR, "c", "m", loc, subject="a")
    assert f.fingerprint("  image: x ") == "4d963048d6594e342cc7"
    g = Finding("XF001", "n", Severity.ERROR, "c", "m", loc, subject="a", profile="dev")
    assert g.fingerprint("  image: x ") == "c230a48dd55f96a59e0b"
