"""Lint configuration: CLI flags, `.infradoctor.toml` or `[tool.infradoctor]` in
pyproject.toml. Loading from files lives in `load_config`.

A config file is searched at the scanned path and each directory above it; the first
directory holding `.infradoctor.toml`, or a pyproject.toml with a `[tool.infradoctor]`
table, wins (`.infradoctor.toml` first). The search stops after a directory containing
`.git`, so a config outside the repository never leaks in. Unknown keys and unknown
rule codes are errors naming the file and the key: a typo must not silently disable
a check."""

from __future__ import annotations

import os
from dataclasses import field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from infradoctor.findings import Severity
from infradoctor.records import record

if TYPE_CHECKING:
    from infradoctor.policy import Policy

CONFIG_FILE = ".infradoctor.toml"
PYPROJECT = "pyproject.toml"
MAX_CONFIG_BYTES = 4 * 1024 * 1024

# file key -> LintConfig attribute (hyphenated keys are canonical; underscores accepted)
_LIST_KEYS = {
    "select": "select",
    "ignore": "ignore",
    "extend-select": "extend_select",
    "exclude": "exclude",
    "compose-files": "compose_files",
    "profiles": "profiles",
}
KNOWN_KEYS = (
    *_LIST_KEYS,
    "severity",
    "fail-on",
    "baseline",
    "report-unused-suppressions",
    "rules",
    "policy",
)


class ConfigError(Exception):
    """A user error in configuration (exit code 2)."""


@record
class LintConfig:
    select: list[str] = field(default_factory=lambda: ["all"])
    ignore: list[str] = field(default_factory=list)
    extend_select: list[str] = field(default_factory=list)
    severity_overrides: dict[str, Severity] = field(default_factory=dict)  # code -> severity
    rule_options: dict[str, dict[str, Any]] = field(default_factory=dict)  # code -> options
    # `[rules.X]` tables as written (X a code or name), resolved into severity_overrides
    # and rule_options by catalogue.validate_config at the engine boundary
    rule_tables: dict[str, dict[str, Any]] = field(default_factory=dict)
    threshold: Severity = Severity.INFO  # lowest severity that is reported / fails the run
    fail_on: Severity | None = None  # lowest severity that makes exit code 1 (default threshold)
    exclude: list[str] = field(default_factory=list)
    compose_files: list[str] = field(default_factory=list)
    helm: str | None = None  # `--helm PATH` ("off": never render charts)
    helm_values: list[str] = field(default_factory=list)  # `--helm-values FILE`
    profiles: list[str] = field(default_factory=list)
    env: dict[str, str] | None = None
    baseline: Path | None = None
    report_unused_suppressions: bool = True
    source: Path | None = None  # config file it came from
    policy: Any = None  # infradoctor.policy.Policy from the `[policy]` table, for POL rules
    # Wall-clock seconds each rule may spend per run; a rule that overruns gives up with a
    # `timeout` error entry. None: engine.RULE_TIME_BUDGET (10 s); 0 or less: no budget.
    rule_time_budget: float | None = None

    @property
    def fail_threshold(self) -> Severity:
        """The severity at or above which a finding makes the exit code 1."""
        return self.fail_on if self.fail_on is not None else self.threshold


def find_config(start: Path) -> tuple[Path, dict[str, Any]] | None:
    """The config file governing `start` and its raw `infradoctor` table, or None."""
    start = start.resolve()
    directory = start if os.path.isdir(start) else start.parent
    for candidate in (directory, *directory.parents):
        # os.path.* never raise (an unsearchable directory is "no file here").
        dedicated = candidate / CONFIG_FILE
        if os.path.isfile(dedicated):
            return dedicated, _read_toml(dedicated)
        pyproject = candidate / PYPROJECT
        if os.path.isfile(pyproject):
            data = _read_toml(pyproject)
            tool = data.get("tool")
            if isinstance(tool, dict) and "infradoctor" in tool:
                table = tool["infradoctor"]
                if not isinstance(table, dict):
                    raise ConfigError(f"{pyproject}: [tool.infradoctor] must be a table")
                return pyproject, table
        if os.path.lexists(candidate / ".git"):
            break
    return None


def _read_toml(path: Path) -> dict[str, Any]:
    import tomllib

    from infradoctor.loaders.files import Refusal, read_regular

    data = read_regular(path, MAX_CONFIG_BYTES)  # never blocks on a FIFO
    if isinstance(data, Refusal):
        raise ConfigError(f"{path}: {data.message}")
    try:
        return tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not valid UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None


def load_config(root: Path) -> LintConfig:
    """Find and read `.infradoctor.toml` or pyproject's [tool.infradoctor] at or above
    `root`; the default config when there is none."""
    found = find_config(root)
    if found is None:
        return LintConfig()
    path, table = found
    return parse_config(table, path)


def root_policy(root: Path) -> Policy | None:
    """The `[policy]` of the config governing `root`, for callers that passed no config:
    read at the engine boundary so that policy rules never read files. None when there is
    none or it is invalid (the CLI reports that as a configuration error)."""
    try:
        found = find_config(root)
    except ConfigError:
        return None
    if found is None or not isinstance(found[1], dict) or "policy" not in found[1]:
        return None
    from infradoctor.policy import PolicyError, parse_policy

    try:
        return parse_policy(found[1]["policy"], found[0])
    except PolicyError:
        return None


def load_config_file(path: Path) -> LintConfig:
    """Read an explicitly named config file (`--config FILE`)."""
    if not os.path.isfile(path):
        raise ConfigError(f"{path}: config file not found")
    data = _read_toml(path)
    if path.name == PYPROJECT:
        tool = data.get("tool", {})
        table = tool.get("infradoctor", {}) if isinstance(tool, dict) else {}
        if not isinstance(table, dict):
            raise ConfigError(f"{path}: [tool.infradoctor] must be a table")
        return parse_config(table, path)
    return parse_config(data, path)


def _norm_key(key: str) -> str:
    return key.replace("_", "-")


def _string_list(path: Path, key: str, value: Any) -> list[str]:
    if isinstance(value, str):
        value = [part for part in value.replace(" ", ",").split(",") if part]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{path}: key {key!r} must be a list of strings")
    return [v.strip() for v in value if v.strip()]


def _severity(path: Path, key: str, value: Any) -> Severity:
    if not isinstance(value, str):
        raise ConfigError(f"{path}: key {key!r} must be one of info, warning, error")
    try:
        return Severity.parse(value)
    except ValueError as exc:
        raise ConfigError(f"{path}: key {key!r}: {exc}") from None


def parse_config(table: dict[str, Any], path: Path) -> LintConfig:
    """Read a raw config table (from `path`, for messages) into a LintConfig: plain data,
    checked for shape here and against the rule catalogue by `catalogue.validate_config`."""
    config = LintConfig(source=path)
    for raw_key, value in table.items():
        key = _norm_key(raw_key)
        if key not in KNOWN_KEYS:
            raise ConfigError(f"{path}: unknown key {raw_key!r} (known: {', '.join(KNOWN_KEYS)})")
        if key in _LIST_KEYS:
            setattr(config, _LIST_KEYS[key], _string_list(path, raw_key, value))
        elif key == "severity":
            config.threshold = _severity(path, raw_key, value)
        elif key == "fail-on":
            config.fail_on = _severity(path, raw_key, value)
        elif key == "baseline":
            if not isinstance(value, str) or not value:
                raise ConfigError(f"{path}: key {raw_key!r} must be a file path")
            config.baseline = (path.parent / value).resolve()
        elif key == "report-unused-suppressions":
            if not isinstance(value, bool):
                raise ConfigError(f"{path}: key {raw_key!r} must be true or false")
            config.report_unused_suppressions = value
        elif key == "policy":
            from infradoctor.policy import PolicyError, parse_policy

            try:
                config.policy = parse_policy(value, path)
            except PolicyError as exc:
                raise ConfigError(f"{path}: {exc}") from None
        elif key == "rules":
            config.rule_tables = _rule_tables(path, value)
    return config


def _rule_tables(path: Path, value: Any) -> dict[str, dict[str, Any]]:
    if not isinstance(value, dict):
        raise ConfigError(f"{path}: key 'rules' must be a table of [rules.CODE]")
    for rule_key, settings in value.items():
        if not isinstance(settings, dict):
            raise ConfigError(f"{path}: [rules.{rule_key}] must be a table")
    return {str(k): dict(v) for k, v in value.items()}
