"""Findings and fixes: the plain data that rules yield and reporters render."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import field
from enum import IntEnum, StrEnum
from typing import Any, Protocol, TypeVar

from infradoctor.model.source import Location
from infradoctor.records import record


class Severity(IntEnum):
    INFO = 1
    WARNING = 2
    ERROR = 3

    @property
    def label(self) -> str:
        return self.name.lower()

    def __eq__(self, other: object) -> bool:
        """A severity also equals its label ("error"): diagnose code and its callers
        compare with the word the JSON contract prints."""
        if isinstance(other, str):
            return self.name.lower() == other
        return int(self) == other

    def __ne__(self, other: object) -> bool:
        return not self == other

    __hash__ = int.__hash__

    @classmethod
    def parse(cls, text: str) -> Severity:
        try:
            return cls[text.strip().upper()]
        except KeyError:
            raise ValueError(f"unknown severity {text!r} (info, warning, error)") from None


class Applicability(StrEnum):
    SAFE = "safe"
    UNSAFE = "unsafe"
    DISPLAY_ONLY = "display-only"


@record(frozen=True, hot=True)
class Edit:
    """Replace text[start:end] of `file` (path relative to the scan root) with
    `replacement`. Offsets are character offsets into SourceFile.text; start == end inserts."""

    file: str
    start: int
    end: int
    replacement: str
    # Checked before the fix is written: what is wrong with the edit (None: nothing).
    # Set by fixers that can tell what their edit must mean (fixes.yaml_edit.with_check).
    verify: Callable[[], str | None] | None = field(
        default=None, compare=False, hash=False, repr=False
    )

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "start": self.start,
            "end": self.end,
            "replacement": self.replacement,
        }


@record(frozen=True, hot=True)
class Fix:
    """A set of edits applied whole or not at all (may span files)."""

    title: str
    applicability: Applicability
    edits: tuple[Edit, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "applicability": self.applicability.value,
            "edits": [e.to_dict() for e in self.edits],
        }


D = TypeVar("D")


class Detail(Protocol):
    """A finding's typed subject: what fixers and reporters need to know about what it is
    about (never secrets). One frozen dataclass per shape (subjects.py for the shared
    ones, the rule module for a rule's own); `to_dict` is its dict view (`Finding.data`)."""

    def to_dict(self) -> dict[str, Any]: ...


def subject_dict(subject: object, *, keep_none: bool = True) -> dict[str, Any]:
    """A subject dataclass as a dict of its fields. `keep_none=False` leaves None fields
    out, for subjects whose keys were only there when known."""
    names = _FIELD_NAMES.get(type(subject))
    if names is None:  # `dataclasses.fields` rebuilds its tuple per call: once per type
        fields = dataclasses.fields(subject)  # type: ignore[arg-type]
        names = _FIELD_NAMES[type(subject)] = tuple(f.name for f in fields)
    out: dict[str, Any] = {}
    for name in names:
        value = getattr(subject, name)
        if keep_none or value is not None:
            out[name] = value
    return out


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


@record(frozen=True)
class Annotated:
    """A subject with keys added after the rules ran (file purpose, shared-line services)."""

    base: Detail | None
    extra: Mapping[str, Any]

    def to_dict(self) -> dict[str, Any]:
        out = self.base.to_dict() if self.base is not None else {}
        out.update(self.extra)
        return out


@record(frozen=True, hot=True)
class Finding:
    """One problem. `subject` names what it is about (service name, upstream name, ...);
    `detail` is its typed subject for fixers and reporters (never secrets), `data` the
    dict view of it.

    `fix` may be deferred (`with_deferred_fix`): the engine attaches a way to compute it
    and the fixer runs the first time anything reads `finding.fix`, once. Output that
    never looks at fixes (GitHub annotations) or findings that are suppressed, baselined
    or below the severity threshold never pay for them."""

    rule: str  # code, e.g. "XF001"
    name: str  # kebab-case rule name
    severity: Severity
    category: str
    message: str
    location: Location
    related: tuple[Location, ...] = ()
    subject: str | None = None
    fix: Fix | None = None
    detail: Detail | None = field(default=None, compare=False, hash=False)
    # the compose profile the finding applies to (None: every profile / not profile-specific)
    profile: str | None = None

    @property
    def data(self) -> dict[str, Any]:
        """The subject as a dict (a fresh one per read), for readers that work across
        rules by key (file purpose, shared lines, diagnose's lint link). Fixers read
        typed attributes (`detail_as`) instead: a renamed field is a mypy error there."""
        return self.detail.to_dict() if self.detail is not None else {}

    def detail_as(self, cls: type[D]) -> D | None:
        """The typed subject if it is a `cls` (seen through `Annotated`), else None."""
        detail = self.detail
        if isinstance(detail, Annotated):
            detail = detail.base
        return detail if isinstance(detail, cls) else None

    @property
    def file(self) -> str:
        return self.location.file

    @property
    def line(self) -> int:
        return self.location.line

    def fingerprint(self, line_text: str = "") -> str:
        """Stable id for baselines: rule + file + subject + the offending line's text
        (not its number, so unrelated edits above it don't break the baseline)."""
        from infradoctor.sha import sha256  # a text report prints no fingerprint

        # one digest of the parts, each ended by NUL (one update: the same digest)
        text = f"{self.rule}\0{self.location.file}\0{self.subject or ''}\0{line_text.strip()}\0"
        if self.profile is not None:  # absent before profiles existed: old ids stay valid
            text += f"profile={self.profile}"
        return sha256(text.encode()).hexdigest()[:20]

    def with_fix(self, fix: Fix | None) -> Finding:
        return Finding(
            self.rule,
            self.name,
            self.severity,
            self.category,
            self.message,
            self.location,
            self.related,
            self.subject,
            fix,
            self.detail,
            self.profile,
        )

    def with_deferred_fix(self, deferred: DeferredFix) -> Finding:
        """A copy whose `fix` is `deferred.compute(copy)`, called on first access (and
        only then)."""
        out = self.with_fix(None)
        object.__setattr__(out, "fix", deferred)
        return out

    @property
    def fix_pending(self) -> bool:
        """True while a deferred fix has not been computed yet."""
        return type(_FIX_SLOT.__get__(self, Finding)) is DeferredFix

    @property
    def pending_fix(self) -> DeferredFix | None:
        """The deferred fix not computed yet (None once computed, or without one)."""
        value = _FIX_SLOT.__get__(self, Finding)
        return value if type(value) is DeferredFix else None


class DeferredFix:
    """How to compute fixes on demand: `compute(finding) -> Fix | None`. One instance is
    shared by every finding it was attached to (`Finding.with_deferred_fix`). `tell`,
    when given, says what a finding's fix would be without building it (None: cannot
    tell; it may raise the fixers' "no fix")."""

    __slots__ = ("compute", "tell")

    def __init__(
        self,
        compute: Callable[[Finding], Fix | None],
        tell: Callable[[Finding], Applicability | None] | None = None,
    ) -> None:
        self.compute = compute
        self.tell = tell


class _DeferredFixSlot:
    """`Finding.fix`: the slot's value, with a pending fix computed on first read and
    stored in its place (a data descriptor wrapping the dataclass slot)."""

    def __init__(self, slot: Any) -> None:
        self.slot = slot

    def __get__(self, obj: Finding | None, owner: type | None = None) -> Any:
        if obj is None:
            return self
        value = self.slot.__get__(obj, owner)
        if type(value) is DeferredFix:
            # No fix while it is being computed: a fixer that copies its finding
            # (`dataclasses.replace` reads every field) must not recurse into itself.
            self.slot.__set__(obj, None)
            try:
                value = value.compute(obj)
            finally:
                self.slot.__set__(obj, value if type(value) is not DeferredFix else None)
        return value

    def __set__(self, obj: Finding, value: Fix | DeferredFix | None) -> None:
        self.slot.__set__(obj, value)


_FIX_SLOT = Finding.__dict__["fix"]
Finding.fix = _DeferredFixSlot(_FIX_SLOT)  # type: ignore[assignment,misc]
