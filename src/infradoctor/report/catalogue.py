"""The full rule catalogue as the lint surface sees it: the registry's domain rules plus
the meta rules (IDX001), which the engine does not run as ordinary rules. Used by
`rules`, `explain`, config validation, SARIF metadata and the generated docs."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from infradoctor.config import LintConfig
    from infradoctor.rules.base import Rule


def catalogue() -> tuple[type[Rule], ...]:
    """Every known rule class, sorted by code (registry first, meta rules added)."""
    from infradoctor.rules import registry
    from infradoctor.rules.meta import RULES as META_RULES

    rules: dict[str, type[Rule]] = {r.code: r for r in registry.all_rules()}
    for meta in META_RULES:
        rules.setdefault(meta.code, meta)
    return tuple(sorted(rules.values(), key=lambda r: r.code))


def lookup(key: str) -> type[Rule] | None:
    """A rule by code (case-insensitive) or kebab-case name."""
    code = key.strip().upper()
    name = key.strip().lower()
    for rule in catalogue():
        if rule.code == code or rule.name == name:
            return rule
    return None


def selector_known(selector: str) -> bool:
    """True when `selector` (code, code prefix, category, name or "all") names any rule."""
    from infradoctor.rules.registry import matches

    return any(matches(rule, selector) for rule in catalogue()) or selector.lower() == "all"


def is_selected(rule: type[Rule], config: LintConfig) -> bool:
    from infradoctor.rules.registry import matches

    wanted = any(matches(rule, s) for s in [*config.select, *config.extend_select])
    return wanted and not any(matches(rule, s) for s in config.ignore)


def selected_rules(config: LintConfig) -> list[type[Rule]]:
    """The rules a lint run with `config` runs or reports (meta rules included)."""
    return [rule for rule in catalogue() if is_selected(rule, config)]
