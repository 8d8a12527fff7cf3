"""Regression on REAL evidence: bundles collected by the live scenarios (tests/live, real
nginx + dockerd) and saved under data/live/. No Docker needed to analyze them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from infradoctor.diagnose.engine import analyze
from infradoctor.diagnose.evidence import Bundle
from infradoctor.diagnose.report import render

DATA = Path(__file__).parent / "data" / "live"
EXPECTED = {
    "healthy": (None, ""),
    "container_stopped": ("container-stopped", "idt-container-stopped-app"),
    "crashloop": ("container-crashloop", "idt-crashloop-app"),
    "oom_killed": ("oom-killed", "idt-oom-killed-app"),
    "port_mismatch": ("port-mismatch", "idt-port-mismatch-app"),
    "listening_on_loopback": ("listening-on-loopback", "idt-listening-on-loopbac-app"),
    "upstream_timeout": ("upstream-timeout", "idt-upstream-timeout-app"),
    "socket_missing": ("socket-missing", "app.sock"),
    "disk_full": ("disk-full", "temp/proxy"),
    "log_growth": ("log-growth", "idt-log-growth-worker"),
    "bot_conflict": ("bot-conflict", "idt-bot-conflict-bot-1"),
}


@pytest.mark.parametrize("scenario", sorted(EXPECTED))
def test_real_bundle_top_diagnosis(scenario: str) -> None:
    cause, subject_part = EXPECTED[scenario]
    result = analyze(Bundle.load(DATA / f"{scenario}.tar.gz"))
    assert not result.analyzer_errors
    if cause is None:
        assert not [d for d in result.diagnoses if d.severity == "error"]
        assert result.exit_code == 0
        return
    top = result.diagnoses[0]
    assert top.cause == cause, [(d.cause, d.confidence) for d in result.diagnoses]
    assert subject_part in json.dumps(top.subject)
    assert top.evidence and top.plan and top.verify
    assert result.exit_code == 1
    assert [d.cause for d in result.diagnoses if d.severity == "error"][:1] == (
        [cause] if top.severity == "error" else []
    )


def test_real_oom_markdown_reads_like_an_incident_report() -> None:
    md = render(analyze(Bundle.load(DATA / "oom_killed.tar.gz")), "markdown")
    assert md.startswith("# Incident on ")
    assert "OOMKilled=True" in md and "memory limit 8 MiB" in md
    assert "Memory cgroup out of memory: Killed process" in md  # kernel line in the timeline
    assert "raise the memory limit of app above the current 8 MiB" in md


@pytest.mark.parametrize("scenario", sorted(EXPECTED))
def test_real_bundle_top_cause_in_every_format(scenario: str) -> None:
    """The same top cause in the terminal summary, the JSON and the Markdown report."""
    cause, subject_part = EXPECTED[scenario]
    result = analyze(Bundle.load(DATA / f"{scenario}.tar.gz"))
    text = render(result, "text")
    doc = json.loads(render(result, "json"))
    md = render(result, "markdown")
    marks = [ln for ln in text.splitlines() if ln.startswith(("✖ ", "▲ ", "· "))]
    if cause is None:
        assert not [d for d in doc["diagnoses"] if d["severity"] == "error"]
        assert doc["exit_code"] == 0 and "result: healthy (exit 0)" in text
        assert md.startswith("# Health check: no problems found")
        return
    assert marks and marks[0].split()[2] == cause and "most likely root cause" in marks[0]
    assert doc["diagnoses"][0]["cause"] == cause
    assert subject_part in json.dumps(doc["diagnoses"][0]["subject"])
    assert doc["exit_code"] == 1
    assert f"- **Cause:** `{cause}`" in md
    title = md.splitlines()[0]
    assert title.startswith("# Incident on ") and subject_part in title


def test_audit_bundle_too_big_header_is_its_own_diagnosis() -> None:
    """The acceptance audit's bundle (no Docker; one refused and one too-big-header line
    for one peer) gave a single upstream-refused saying the peer refuses connections."""
    result = analyze(Bundle.load(DATA.parent / "audit" / "refused_and_too_big_header.tar.gz"))
    by_cause = {d.cause: d for d in result.diagnoses}
    assert {"header-too-big", "upstream-refused"} <= set(by_cause)
    big = by_cause["header-too-big"]
    assert big.subject["address"] == "172.18.0.5:8000"
    assert any("proxy_buffer_size" in step for step in big.plan)
    assert "refuses connections" not in big.summary
    assert "too big header" not in by_cause["upstream-refused"].summary
    for fmt in ("text", "json", "markdown"):
        assert "header-too-big" in render(result, fmt)
