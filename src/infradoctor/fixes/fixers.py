"""The fixer registry: rule code -> function building a Fix for one finding, derived
from the rule catalogue (each fix lives beside its rule: `Rule.fixer`). The one module
of fixes/ that reads the catalogue; the edit machinery never imports rules.

Applicability follows the catalogue in docs/ARCHITECTURE.md: "safe" fixes are applied by
`infradoctor fix`, "unsafe" ones only with `--unsafe`, "display-only" ones are shown as
suggestions (the tool cannot know the right value for sure)."""

from __future__ import annotations

import functools
from collections.abc import Callable

from infradoctor.catalogue import catalogue
from infradoctor.findings import Applicability, Finding, Fix
from infradoctor.fixes.context import FixContext, Fixer, FixUnavailable
from infradoctor.fixes.nginx_edit import NginxEditError
from infradoctor.fixes.yaml_edit import YamlEditError


def _bounded(fixer: Fixer) -> Fixer:
    """The fixer boundary: an edit helper saying the layout cannot be edited safely
    (NginxEditError, YamlEditError) means "no fix", like FixUnavailable. Anything else
    escaping is a fixer bug (attach_fixes records it)."""

    @functools.wraps(fixer)
    def run(ctx: FixContext, f: Finding) -> Fix | None:
        try:
            return fixer(ctx, f)
        except (NginxEditError, YamlEditError) as exc:
            raise FixUnavailable(str(exc)) from exc

    return run


_FIXERS: dict[str, Fixer] = {r.code: r.fixer for r in catalogue() if r.fixer is not None}
FIXERS: dict[str, Fixer] = {code: _bounded(fixer) for code, fixer in _FIXERS.items()}

Teller = Callable[[FixContext, Finding], Applicability | None]


def _always(applicability: Applicability) -> Teller:
    return lambda _ctx, _f: applicability


def _told(tell: Teller) -> Teller:
    """A rule's `fix_applicability_of` at the fixer boundary: an edit helper's refusal is
    "no fix" (FixUnavailable), any other error "cannot tell" (the fixer then runs)."""

    def run(ctx: FixContext, f: Finding) -> Applicability | None:
        try:
            return tell(ctx, f)
        except (NginxEditError, YamlEditError) as exc:
            raise FixUnavailable(str(exc)) from exc
        except FixUnavailable:
            raise
        except Exception:  # noqa: BLE001 - the fixer runs and records the bug
            return None

    return run


def _teller(applicability: Applicability | None, tell: Teller | None) -> Teller | None:
    if applicability is not None:
        return _always(applicability)
    return _told(tell) if tell is not None else None


# rule code -> what its fix for a finding would be, without building it (see
# `Rule.fix_applicability_of`; None from the teller: cannot tell)
APPLICABILITY: dict[str, Teller] = {
    r.code: teller
    for r in catalogue()
    if r.fixer is not None and (teller := _teller(r.fix_applicability, r.fix_applicability_of))
}
