"""Rule base class. A rule reads the stack model and yields findings; it never parses
files, prints or touches the network. Its metadata feeds `rules`, `explain`, SARIF and
the generated docs, and its examples double as its tests."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from infradoctor.findings import Finding, Severity
from infradoctor.model.source import Location
from infradoctor.model.stack import Stack

CATEGORIES = (
    "cross-file",
    "availability",
    "logging",
    "security",
    "nginx",
    "dockerfile",
    "kubernetes",
    "meta",
)


@dataclass(frozen=True, slots=True)
class Example:
    """Files (name -> text) for a bad case that must trigger the rule and a good case
    that must not. `fixed`, when given, is what `infradoctor fix` makes of `bad`
    (only the files that change)."""

    bad: Mapping[str, str]
    good: Mapping[str, str]
    fixed: Mapping[str, str] | None = None
    description: str = ""


class Rule:
    """Subclass, set the metadata and implement `check`."""

    code: ClassVar[str]  # e.g. "XF001": 2-3 capitals + 3 digits
    name: ClassVar[str]  # kebab-case name of the anti-pattern
    title: ClassVar[str]  # one line
    severity: ClassVar[Severity]
    category: ClassVar[str]
    why: ClassVar[str]  # why it matters (outage mechanics)
    how_to_fix: ClassVar[str]
    examples: ClassVar[tuple[Example, ...]] = ()
    fixable: ClassVar[str] = "none"  # none | safe | unsafe | display-only | sometimes
    references: ClassVar[tuple[str, ...]] = ()
    options: ClassVar[Mapping[str, Any]] = {}  # option name -> default
    # Opt-in rules (hardening advice that fires on nearly every service) run only when
    # selected by code, prefix, category, name or group, not by the default `all`.
    default_enabled: ClassVar[bool] = True
    groups: ClassVar[tuple[str, ...]] = ()

    def __init__(
        self, options: Mapping[str, Any] | None = None, severity: Severity | None = None
    ) -> None:
        self.opts: dict[str, Any] = dict(self.options)
        if options:
            self.opts.update(options)
        self.effective_severity: Severity = severity or self.severity

    def check(self, stack: Stack) -> Iterator[Finding]:
        raise NotImplementedError

    def finding(
        self,
        location: Location,
        message: str,
        *,
        subject: str | None = None,
        related: tuple[Location, ...] | list[Location] = (),
        severity: Severity | None = None,
        data: dict[str, Any] | None = None,
        profile: str | None = None,
    ) -> Finding:
        return Finding(
            rule=self.code,
            name=self.name,
            severity=severity or self.effective_severity,
            category=self.category,
            message=message,
            location=location,
            related=tuple(related),
            subject=subject,
            data=data or {},
            profile=profile,
        )


@dataclass(frozen=True, slots=True)
class RuleInfo:
    code: str
    name: str
    title: str
    severity: Severity
    category: str
    why: str
    how_to_fix: str
    fixable: str
    examples: tuple[Example, ...] = field(default=())
    references: tuple[str, ...] = field(default=())

    @classmethod
    def of(cls, rule: type[Rule]) -> RuleInfo:
        return cls(
            rule.code,
            rule.name,
            rule.title,
            rule.severity,
            rule.category,
            rule.why,
            rule.how_to_fix,
            rule.fixable,
            rule.examples,
            rule.references,
        )
