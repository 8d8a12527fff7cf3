"""Rule base class. A rule reads the stack model and yields findings; it never parses
files, prints or touches the network. Its metadata feeds `rules`, `explain`, SARIF and
the generated docs, and its examples double as its tests."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import field
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from infradoctor.findings import Applicability, Detail, Finding, Severity
from infradoctor.model.source import Location
from infradoctor.model.stack import Stack
from infradoctor.records import record

if TYPE_CHECKING:
    from infradoctor.findings import Fix
    from infradoctor.fixes.context import FixContext

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


class FixFunction(Protocol):
    """A rule's fixer. A protocol, not a Callable: mypy would bind a Callable class
    attribute as a method and drop its first argument."""

    def __call__(self, ctx: FixContext, finding: Finding, /) -> Fix | None: ...


class ApplicabilityFunction(Protocol):
    """A rule's `fix_applicability_of` (a protocol for the same reason)."""

    def __call__(self, ctx: FixContext, finding: Finding, /) -> Applicability | None: ...


@record(frozen=True)
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
    # The rule's fix, beside its check: a function of its module, `(FixContext, Finding)
    # -> Fix | None` (raise FixUnavailable for "no fix"), set as `fixer =
    # staticmethod(fix_x)`. The fixer registry (fixes/fixers.py) is derived from it.
    fixer: ClassVar[FixFunction | None] = None
    # What its fixes are when always the same; None: it depends on the finding.
    fix_applicability: ClassVar[Applicability | None] = None
    # When it depends on the finding: what a finding's fix would be, told without building
    # its edits (None: cannot tell; raise FixUnavailable for "no fix"). The fix loop does
    # not build fixes it would not apply (display-only ones in every pass).
    fix_applicability_of: ClassVar[ApplicabilityFunction | None] = None
    # Derived (never set by a rule): none | safe | unsafe | display-only | sometimes.
    fixable: ClassVar[str] = "none"
    references: ClassVar[tuple[str, ...]] = ()
    options: ClassVar[Mapping[str, Any]] = {}  # option name -> default
    # Opt-in rules (hardening advice that fires on nearly every service) run only when
    # selected by code, prefix, category, name or group, not by the default `all`.
    default_enabled: ClassVar[bool] = True
    groups: ClassVar[tuple[str, ...]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Derive `fixable` (the word `rules`, SARIF and the docs print) from the fixer."""
        super().__init_subclass__(**kwargs)
        if "fixable" not in cls.__dict__:
            cls.fixable = derived_fixable(cls.fixer, cls.fix_applicability)

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
        detail: Detail | None = None,
        profile: str | None = None,
    ) -> Finding:
        """A finding of this rule. `detail` is its typed subject (`subjects.py` or the
        rule's own dataclass)."""
        # positional (in Finding's field order): binding keywords costs a fifth more
        return Finding(
            self.code,
            self.name,
            severity or self.effective_severity,
            self.category,
            message,
            location,
            related if type(related) is tuple else tuple(related),
            subject,
            None,  # fix
            detail,
            profile,
        )


def derived_fixable(fixer: object, applicability: Applicability | None) -> str:
    """ "none" without a fixer, else its applicability ("sometimes" when it varies)."""
    if fixer is None:
        return "none"
    return applicability.value if applicability is not None else "sometimes"


@record(frozen=True)
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
