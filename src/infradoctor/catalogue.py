"""The one rule catalogue: every rule (the registry's domain rules plus the meta rules),
lookup by code or name, selection by selector (codes, prefixes, categories, names,
groups, opt-in) and validation of a config against it. Engine, suppressions, reporters
and the CLI all ask here, so a selector means the same thing everywhere."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from functools import cache
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from infradoctor.config import LintConfig
    from infradoctor.rules.base import Rule


class Selection(Protocol):
    """What selection reads from a config (LintConfig, or any object with these lists)."""

    select: list[str]
    extend_select: list[str]
    ignore: list[str]


def domain_rules() -> tuple[type[Rule], ...]:
    """The rules the engine runs (every domain package's `RULES`)."""
    from infradoctor.rules.registry import all_rules

    return all_rules()


def catalogue() -> tuple[type[Rule], ...]:
    """Every known rule class sorted by code: domain rules plus the meta rules (IDX001),
    which suppression handling reports rather than the engine running them."""
    return _with_meta(domain_rules())


@cache
def _with_meta(domain: tuple[type[Rule], ...]) -> tuple[type[Rule], ...]:
    from infradoctor.rules.meta import RULES as META_RULES

    rules: dict[str, type[Rule]] = {r.code: r for r in domain}
    for meta in META_RULES:
        rules.setdefault(meta.code, meta)
    return tuple(sorted(rules.values(), key=lambda r: r.code))


@cache
def _index(rules: tuple[type[Rule], ...]) -> dict[str, type[Rule]]:
    index: dict[str, type[Rule]] = {}
    for rule in rules:
        index[rule.code] = rule
        index.setdefault(rule.name, rule)
    return index


def lookup(key: str) -> type[Rule] | None:
    """A rule by code (case-insensitive) or kebab-case name."""
    index = _index(catalogue())
    return index.get(key.strip().upper()) or index.get(key.strip().lower())


def matches(rule: type[Rule], selector: str) -> bool:
    """Selection by code prefix (`NGX`, `NGX0`, `NGX001`), category, rule name or group.
    `all` is the default set: every rule except the opt-in ones (`default_enabled=False`),
    which must be named explicitly (e.g. `--select SEC` or `--extend-select hardening`)."""
    s = selector.strip()
    if not s:
        return False
    low = s.lower()
    if low == "all":
        return rule.default_enabled
    if rule.code.startswith(s.upper()):
        return True
    return low in (rule.category, rule.name) or low in rule.groups


def selector_known(selector: str) -> bool:
    """True when `selector` (code, code prefix, category, name, group or "all") names a rule."""
    return selector.strip().lower() == "all" or any(matches(r, selector) for r in catalogue())


def unknown_selector(selector: str) -> str:
    """The message for a selector that names no rule, with the closest names it may have
    meant (codes, names, categories, groups), as `explain` does."""
    import difflib

    words: set[str] = {"all"}
    for rule in catalogue():
        words.update({rule.code, rule.name, rule.category, *rule.groups})
    s = selector.strip()
    close = difflib.get_close_matches(s.upper(), sorted(w for w in words if w.isupper()), 3, 0.6)
    close += difflib.get_close_matches(s.lower(), sorted(w for w in words if w.islower()), 3, 0.6)
    hint = (
        f" (did you mean {', '.join(close[:3])}?)" if close else " (`infradoctor rules` lists them)"
    )
    return f"unknown rule code, category or name {selector!r}{hint}"


def is_selected(rule: type[Rule], selection: Selection) -> bool:
    """Selected by `select`/`extend-select` and not removed by `ignore`."""
    wanted = any(matches(rule, s) for s in [*selection.select, *selection.extend_select])
    return wanted and not any(matches(rule, s) for s in selection.ignore)


def selected_rules(selection: Selection) -> list[type[Rule]]:
    """The rules a lint run with `selection` runs or reports (meta rules included)."""
    return [rule for rule in catalogue() if is_selected(rule, selection)]


def rules_to_run(config: LintConfig) -> list[Rule]:
    """Instances of the selected domain rules, with their options and severity."""
    chosen: list[Rule] = []
    for cls in domain_rules():
        if is_selected(cls, config):
            chosen.append(cls(rule_options(cls, config), config.severity_overrides.get(cls.code)))
    return chosen


def rule_options(cls: type[Rule], config: LintConfig) -> dict[str, Any] | None:
    """The options `config` gives rule `cls`; the `[policy]` table for policy rules."""
    options = config.rule_options.get(cls.code)
    if "policy" in cls.options and (config.policy is not None or config.source):
        from infradoctor.policy import Policy

        # a config file was read: its policy (or none), never another file's
        options = {**(options or {}), "policy": config.policy or Policy()}
    return options


def validate_config(config: LintConfig) -> LintConfig:
    """Check a config's selectors and `[rules.X]` tables against the catalogue; the
    config with severities and options keyed by rule code. Raises ConfigError naming
    the file and key. The engine calls this at its boundary; it is idempotent."""
    for key, items in (
        ("select", config.select),
        ("ignore", config.ignore),
        ("extend-select", config.extend_select),
    ):
        for item in items:
            if not selector_known(item):
                raise _error(config, f"key {key!r}: {unknown_selector(item)}")
    if not config.rule_tables:
        return config
    severities = dict(config.severity_overrides)
    options_by_code = dict(config.rule_options)
    for rule_key, settings in config.rule_tables.items():
        rule = lookup(rule_key)
        if rule is None:
            raise _error(config, f"[rules.{rule_key}]: unknown rule code")
        options: dict[str, Any] = {}
        for opt_key, value in settings.items():
            where = f"rules.{rule_key}.{opt_key}"
            if opt_key == "severity":
                severities[rule.code] = _severity(config, where, value)
                continue
            name = opt_key if opt_key in rule.options else opt_key.replace("_", "-")
            if name not in rule.options:
                known = ", ".join(["severity", *rule.options])
                raise _error(config, f"unknown key {where!r} ({rule.code} accepts: {known})")
            _check_option_type(config, where, rule.options[name], value)
            options[name] = value
        if options:
            options_by_code[rule.code] = options
    return dataclasses.replace(
        config, severity_overrides=severities, rule_options=options_by_code, rule_tables={}
    )


def _check_option_type(config: LintConfig, where: str, default: Any, value: Any) -> None:
    """An option takes the type of its default (as yamllint checks its rule options);
    a default of None accepts anything."""
    if default is None:
        return
    if isinstance(default, list | tuple):
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise _error(config, f"key {where!r} must be a list of strings")
    elif isinstance(default, bool):
        if not isinstance(value, bool):
            raise _error(config, f"key {where!r} must be true or false")
    elif isinstance(default, int | float):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _error(config, f"key {where!r} must be a number")
    elif isinstance(default, str | Mapping) and not isinstance(value, type(default)):
        raise _error(config, f"key {where!r} must be a {type(default).__name__}")


def _severity(config: LintConfig, where: str, value: Any) -> Any:
    from infradoctor.findings import Severity

    if isinstance(value, str):
        try:
            return Severity.parse(value)
        except ValueError as exc:
            raise _error(config, f"key {where!r}: {exc}") from None
    raise _error(config, f"key {where!r} must be one of info, warning, error")


def _error(config: LintConfig, message: str) -> Exception:
    from infradoctor.config import ConfigError

    return ConfigError(f"{config.source}: {message}" if config.source else message)
