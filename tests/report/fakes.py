"""Small rules for testing the lint surface without depending on the real catalogue:
each flags every line containing a marker word, in any file kind, so suppression,
baseline and reporter behaviour can be tested on compose, nginx and Dockerfiles alike."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from infradoctor.findings import Applicability, Edit, Finding, Fix, Severity
from infradoctor.model.stack import Stack
from infradoctor.rules.base import Example, Rule


class _MarkerRule(Rule):
    marker = ""
    why = "Marker words stand in for real problems in these tests."
    how_to_fix = "Remove the marker word."

    def check(self, stack: Stack) -> Iterator[Finding]:
        for path, source in sorted(stack.files.items()):
            for number, line in enumerate(source.text.split("\n"), 1):
                col = line.find(self.marker)
                if col < 0:
                    continue
                start = source.offset_of(number, col + 1)
                loc = source.location(start, start + len(self.marker))
                finding = self.finding(loc, f"{self.marker} marker in {path}", subject=path)
                if self.fixable == "safe":
                    finding = finding.with_fix(
                        Fix(
                            f"replace {self.marker}",
                            Applicability.SAFE,
                            (Edit(path, start, start + len(self.marker), "FIXED"),),
                        )
                    )
                yield finding


class MarkerError(_MarkerRule):
    code = "TST001"
    name = "marker-error"
    title = "Line contains BAD"
    severity = Severity.ERROR
    category = "security"
    marker = "BAD"
    examples = (
        Example(
            bad={"compose.yaml": "services:\n  a:\n    image: BAD\n"},
            good={"compose.yaml": "services:\n  a:\n    image: good\n"},
        ),
    )


class MarkerWarning(_MarkerRule):
    code = "TST002"
    name = "marker-warning"
    title = "Line contains WARN"
    severity = Severity.WARNING
    category = "availability"
    marker = "WARN"
    fixable = "safe"
    options = {"limit": 3}
    examples = (
        Example(
            bad={"nginx.conf": "events {}\nhttp { server_name WARN; }\n"},
            good={"nginx.conf": "events {}\nhttp { }\n"},
            fixed={"nginx.conf": "events {}\nhttp { server_name FIXED; }\n"},
            description="A warning marker in an nginx config.",
        ),
    )


class MarkerInfo(_MarkerRule):
    code = "TST003"
    name = "marker-info"
    title = "Line contains NOTE"
    severity = Severity.INFO
    category = "nginx"
    marker = "NOTE"
    references = ("https://example.org/note",)


FAKE_RULES: tuple[type[Rule], ...] = (MarkerError, MarkerWarning, MarkerInfo)


def install(
    monkeypatch: pytest.MonkeyPatch, rules: tuple[type[Rule], ...] = FAKE_RULES
) -> tuple[type[Rule], ...]:
    """Make the registry return `rules` (the engine and the catalogue both read it)."""
    monkeypatch.setattr("infradoctor.rules.registry.all_rules", lambda: rules)
    return rules


class MarkerOptIn(_MarkerRule):
    code = "TST004"
    name = "marker-opt-in"
    title = "Line contains HARD"
    severity = Severity.INFO
    category = "security"
    marker = "HARD"
    default_enabled = False
    groups = ("hardening",)


WITH_OPT_IN: tuple[type[Rule], ...] = (*FAKE_RULES, MarkerOptIn)
