"""Config discovery and validation: .infradoctor.toml, [tool.infradoctor], errors naming
the file and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from infradoctor.catalogue import validate_config
from infradoctor.config import ConfigError, LintConfig, load_config, load_config_file
from infradoctor.findings import Severity
from tests.report import fakes


@pytest.fixture(autouse=True)
def _fake_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    fakes.install(monkeypatch)


FULL = """\
select = ["TST", "IDX001"]
ignore = ["marker-info"]
extend-select = ["nginx"]
severity = "warning"
fail-on = "error"
exclude = ["legacy/**"]
compose-files = ["compose.yaml", "compose.prod.yaml"]
profiles = ["prod"]
baseline = "infra/baseline.json"
report-unused-suppressions = false

[rules.TST001]
severity = "info"

[rules.marker-warning]
limit = 5
"""


def test_full_dedicated_file(tmp_path: Path) -> None:
    (tmp_path / ".infradoctor.toml").write_text(FULL)
    cfg = validate_config(load_config(tmp_path))
    assert cfg.select == ["TST", "IDX001"]
    assert cfg.ignore == ["marker-info"]
    assert cfg.extend_select == ["nginx"]
    assert cfg.threshold is Severity.WARNING
    assert cfg.fail_on is Severity.ERROR and cfg.fail_threshold is Severity.ERROR
    assert cfg.exclude == ["legacy/**"]
    assert cfg.compose_files == ["compose.yaml", "compose.prod.yaml"]
    assert cfg.profiles == ["prod"]
    assert cfg.baseline == (tmp_path / "infra" / "baseline.json").resolve()
    assert cfg.report_unused_suppressions is False
    assert cfg.severity_overrides == {"TST001": Severity.INFO}
    assert cfg.rule_options == {"TST002": {"limit": 5}}
    assert cfg.source == tmp_path / ".infradoctor.toml"


def test_found_above_the_path_in_pyproject(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.infradoctor]\nignore = ["TST003"]\n'
    )
    deep = tmp_path / "a" / "b"
    deep.mkdir(parents=True)
    cfg = load_config(deep)
    assert cfg.ignore == ["TST003"] and cfg.source == tmp_path / "pyproject.toml"


def test_dedicated_file_wins_and_pyproject_without_table_is_skipped(tmp_path: Path) -> None:
    (tmp_path / ".infradoctor.toml").write_text('ignore = ["TST001"]\n')
    sub = tmp_path / "sub"
    sub.mkdir()
    (sub / "pyproject.toml").write_text('[project]\nname = "x"\n')
    assert load_config(sub).ignore == ["TST001"]
    (tmp_path / "pyproject.toml").write_text('[tool.infradoctor]\nignore = ["TST002"]\n')
    assert load_config(tmp_path).ignore == ["TST001"]


def test_search_stops_at_repository_root(tmp_path: Path) -> None:
    (tmp_path / ".infradoctor.toml").write_text('ignore = ["TST001"]\n')
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    assert load_config(repo) == LintConfig()


def test_explicit_file(tmp_path: Path) -> None:
    path = tmp_path / "custom.toml"
    path.write_text('select = ["TST001"]\n')
    assert load_config_file(path).select == ["TST001"]
    with pytest.raises(ConfigError, match="not found"):
        load_config_file(tmp_path / "missing.toml")


@pytest.mark.parametrize(
    "text, fragment",
    [
        ('selct = ["TST"]\n', "unknown key 'selct'"),
        ('select = ["ZZZ9"]\n', "key 'select': unknown rule code, category or name 'ZZZ9'"),
        ('ignore = "TST001"\nextend-select = [1]\n', "key 'extend-select' must be a list"),
        ('severity = "fatal"\n', "key 'severity'"),
        ("report-unused-suppressions = 1\n", "true or false"),
        ('[rules.XYZ123]\nseverity = "info"\n', "[rules.XYZ123]: unknown rule code"),
        ("[rules.TST001]\nlimit = 3\n", "unknown key 'rules.TST001.limit'"),
        ("select = [\n", "invalid TOML"),
    ],
)
def test_errors_name_file_and_key(tmp_path: Path, text: str, fragment: str) -> None:
    path = tmp_path / ".infradoctor.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as info:
        validate_config(load_config(tmp_path))  # shape at load, rule codes at the engine
    assert fragment in str(info.value)
    assert str(path) in str(info.value)


def test_string_lists_accept_commas(tmp_path: Path) -> None:
    (tmp_path / ".infradoctor.toml").write_text('select = "TST001, TST002"\n')
    assert load_config(tmp_path).select == ["TST001", "TST002"]
