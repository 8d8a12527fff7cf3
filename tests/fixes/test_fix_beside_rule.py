"""Each fix lives beside its rule (issue 8): a rule module holds its check and its fixer
(`Rule.fixer`), the fixer registry is derived from the rule classes, `fixable` is derived
from the fixer and its typed `fix_applicability`, and fixes/ keeps only edit machinery."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest

from infradoctor.catalogue import catalogue
from infradoctor.findings import Applicability, Finding, Fix
from infradoctor.fixes.context import FixContext
from infradoctor.fixes.fixers import FIXERS
from infradoctor.rules.base import Rule, derived_fixable
from tests.test_layers_facts import SRC, _violations

FIXABLE_WORDS = {"none", "sometimes", *(a.value for a in Applicability)}


def test_the_registry_is_the_rules_with_a_fixer() -> None:
    assert set(FIXERS) == {r.code for r in catalogue() if r.fixer is not None}
    assert len(FIXERS) >= 20  # CMP001 ... K8S010: an empty derivation proves nothing


@pytest.mark.parametrize("rule", [r for r in catalogue() if r.fixer is not None], ids=str)
def test_a_fixer_lives_in_its_rules_module(rule: type[Rule]) -> None:
    assert rule.fixer is not None
    assert inspect.getmodule(rule.fixer) is inspect.getmodule(rule)


@pytest.mark.parametrize("rule", catalogue(), ids=lambda r: r.code)
def test_fixable_is_derived_never_declared(rule: type[Rule]) -> None:
    body = inspect.getsource(rule)
    assert "\n    fixable = " not in body, f"{rule.code} declares `fixable`: set `fixer` instead"
    assert rule.fixable == derived_fixable(rule.fixer, rule.fix_applicability)
    assert rule.fixable in FIXABLE_WORDS
    if rule.fixer is None:
        assert rule.fix_applicability is None, "an applicability without a fixer"


def test_derivation() -> None:
    def fix_it(ctx: FixContext, finding: Finding) -> Fix | None:
        return None

    assert derived_fixable(None, None) == "none"
    assert derived_fixable(fix_it, None) == "sometimes"
    assert derived_fixable(fix_it, Applicability.UNSAFE) == "unsafe"

    class Fixed(Rule):
        code = "TST901"
        fixer = staticmethod(fix_it)
        fix_applicability = Applicability.DISPLAY_ONLY

    class Unfixed(Rule):
        code = "TST902"

    assert (Fixed.fixable, Unfixed.fixable) == ("display-only", "none")
    assert Fixed.fixer is fix_it  # the registry reads the plain function off the class


def test_rules_that_were_mislabelled() -> None:
    # Derivation corrected three hand-written labels: SEC004 and K8S010 have fixers but
    # said "none"; XF006 said "display-only" but never had a fixer. XF005 and K8S010
    # declared one applicability while their fixers also give display-only fixes (a
    # dependency whose healthcheck can never pass; a base shared by other overlays).
    by_code = {r.code: r for r in catalogue()}
    assert by_code["SEC004"].fixable == "unsafe"
    assert by_code["K8S010"].fixable == "sometimes"
    assert by_code["XF005"].fixable == "sometimes"
    assert by_code["XF006"].fixable == "none"


def test_fixes_machinery_never_reads_rules_or_the_catalogue() -> None:
    # fixes/fixers.py is the registry (derived from the catalogue); everything else in
    # fixes/ is edit machinery that rules import, so it must not import them back.
    found = _violations("fixes", ("infradoctor.rules", "infradoctor.catalogue"))
    assert [v for v in found if not v.startswith("infradoctor/fixes/fixers.py:")] == []


def test_rules_import_only_the_edit_machinery() -> None:
    # The registry, the attach hook and the apply loop sit above the rules.
    loop = ("infradoctor.fixes.fixers", "infradoctor.fixes.attach", "infradoctor.fixes.apply")
    assert _violations("rules", loop) == []


def test_no_fixer_module_is_left_in_fixes() -> None:
    gone = ("compose.py", "nginx.py", "dockerfile.py", "kubernetes.py")
    assert [n for n in gone if (SRC / "fixes" / n).exists()] == []
    assert not [
        p.name
        for p in Path(SRC / "fixes").glob("*.py")
        if "\ndef fix_" in p.read_text(encoding="utf-8")
    ]
