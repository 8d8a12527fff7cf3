"""diagnose/causes.RULE_NAMES is a hand-kept copy of lint rule names (diagnose does not
import the rule catalogue at start-up): it must agree with the catalogue."""

from __future__ import annotations

from infradoctor.catalogue import catalogue
from infradoctor.diagnose.causes import CAUSES, RULE_NAMES


def test_rule_names_match_the_catalogue() -> None:
    names = {rule.code: rule.name for rule in catalogue()}
    wrong = {
        code: (name, names.get(code))
        for code, name in RULE_NAMES.items()
        if names.get(code) != name
    }
    assert not wrong, f"RULE_NAMES disagrees with the rule catalogue (copy, catalogue): {wrong}"


def test_every_rule_a_cause_links_to_is_named() -> None:
    linked = {code for cause in CAUSES.values() for code in cause.rules}
    assert linked, "no cause links to a rule"
    assert linked <= set(RULE_NAMES), sorted(linked - set(RULE_NAMES))
