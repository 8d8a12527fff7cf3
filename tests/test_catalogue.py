"""The one rule catalogue: lookup, selection, opt-in, and config validation against it
at the engine boundary (config files are read as plain data)."""

from __future__ import annotations

from pathlib import Path

import pytest

from infradoctor import catalogue as cat
from infradoctor.config import ConfigError, LintConfig, load_config
from infradoctor.engine import lint
from infradoctor.findings import Severity
from infradoctor.rules.meta import UnusedSuppression
from tests.report import fakes


@pytest.fixture(autouse=True)
def _fake_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    fakes.install(monkeypatch, fakes.WITH_OPT_IN)


def test_catalogue_is_domain_rules_plus_meta_sorted() -> None:
    codes = [r.code for r in cat.catalogue()]
    assert codes == ["IDX001", "TST001", "TST002", "TST003", "TST004"]
    assert UnusedSuppression not in cat.domain_rules()


@pytest.mark.parametrize(
    "key, code",
    [("TST001", "TST001"), ("tst002", "TST002"), (" marker-info ", "TST003"), ("IDX001", "IDX001")],
)
def test_lookup_by_code_or_name(key: str, code: str) -> None:
    rule = cat.lookup(key)
    assert rule is not None and rule.code == code


def test_lookup_unknown() -> None:
    assert cat.lookup("TST9") is None and cat.lookup("") is None


def test_opt_in_rules_need_naming() -> None:
    default = [r.code for r in cat.selected_rules(LintConfig())]
    assert "TST004" not in default and "TST001" in default
    by_group = cat.selected_rules(LintConfig(extend_select=["hardening"]))
    assert "TST004" in [r.code for r in by_group]
    ignored = cat.selected_rules(LintConfig(select=["TST"], ignore=["marker-error"]))
    assert [r.code for r in ignored] == ["TST002", "TST003", "TST004"]


def test_engine_runs_what_the_catalogue_selects() -> None:
    config = LintConfig(select=["TST"], ignore=["TST002"])
    run = [r.code for r in cat.rules_to_run(config)]
    assert run == [r.code for r in cat.selected_rules(config) if r in cat.domain_rules()]


def test_selector_known() -> None:
    assert cat.selector_known("all") and cat.selector_known("TST")
    assert cat.selector_known("security") and cat.selector_known("hardening")
    assert not cat.selector_known("ZZZ")


def test_config_file_is_plain_data_until_validated(tmp_path: Path) -> None:
    (tmp_path / ".infradoctor.toml").write_text(
        'select = ["ZZZ"]\n[rules.marker-warning]\nseverity = "error"\n'
    )
    config = load_config(tmp_path)  # no catalogue look-up while reading
    assert config.select == ["ZZZ"] and config.rule_tables == {
        "marker-warning": {"severity": "error"}
    }
    with pytest.raises(ConfigError, match="unknown rule code, category or name 'ZZZ'"):
        cat.validate_config(config)
    with pytest.raises(ConfigError, match="'ZZZ'"):
        lint(tmp_path, config)  # the engine boundary validates


def test_validated_config_is_keyed_by_code_and_idempotent(tmp_path: Path) -> None:
    config = LintConfig(source=tmp_path / "x.toml")
    config.rule_tables = {"marker-warning": {"severity": "error"}}
    once = cat.validate_config(config)
    assert once.severity_overrides == {"TST002": Severity.ERROR} and once.rule_tables == {}
    assert cat.validate_config(once) == once


class _WithOptions(fakes.MarkerError):
    code = "TST005"
    name = "marker-options"
    options = {"prod-profiles": ["prod"], "limit": 3, "strict": False, "anything": None}


@pytest.mark.parametrize(
    "value, fragment",
    [
        ({"prod-profiles": "prod"}, "must be a list of strings"),
        ({"prod-profiles": [1]}, "must be a list of strings"),
        ({"limit": "3"}, "must be a number"),
        ({"limit": True}, "must be a number"),
        ({"strict": "yes"}, "must be true or false"),
        ({"colour": 1}, "unknown key 'rules.TST005.colour'"),
    ],
)
def test_rule_options_are_checked_against_their_defaults(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, value: dict[str, object], fragment: str
) -> None:
    fakes.install(monkeypatch, (*fakes.FAKE_RULES, _WithOptions))
    config = LintConfig(source=tmp_path / ".infradoctor.toml")
    config.rule_tables = {"TST005": value}
    with pytest.raises(ConfigError) as info:
        cat.validate_config(config)
    assert fragment in str(info.value) and str(tmp_path) in str(info.value)


def test_rule_options_reach_the_rule(monkeypatch: pytest.MonkeyPatch) -> None:
    fakes.install(monkeypatch, (*fakes.FAKE_RULES, _WithOptions))
    config = LintConfig(select=["TST005"])
    config.rule_tables = {
        "marker-options": {"prod_profiles": ["live"], "limit": 2.5, "anything": {}}
    }
    (rule,) = cat.rules_to_run(cat.validate_config(config))
    assert rule.opts == {"prod-profiles": ["live"], "limit": 2.5, "strict": False, "anything": {}}
