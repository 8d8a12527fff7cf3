"""Lint configuration: CLI flags, `.infradoctor.toml` or `[tool.infradoctor]` in
pyproject.toml. Loading from files lives in `load_config`."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from infradoctor.findings import Severity


class ConfigError(Exception):
    """A user error in configuration (exit code 2)."""


@dataclass(slots=True)
class LintConfig:
    select: list[str] = field(default_factory=lambda: ["all"])
    ignore: list[str] = field(default_factory=list)
    extend_select: list[str] = field(default_factory=list)
    severity_overrides: dict[str, Severity] = field(default_factory=dict)  # code -> severity
    rule_options: dict[str, dict[str, Any]] = field(default_factory=dict)  # code -> options
    threshold: Severity = Severity.INFO  # lowest severity that is reported / fails the run
    fail_on: Severity | None = None  # lowest severity that makes exit code 1 (default threshold)
    exclude: list[str] = field(default_factory=list)
    compose_files: list[str] = field(default_factory=list)
    profiles: list[str] = field(default_factory=list)
    env: dict[str, str] | None = None
    baseline: Path | None = None
    report_unused_suppressions: bool = True
    source: Path | None = None  # config file it came from


def load_config(root: Path) -> LintConfig:
    """Find and read `.infradoctor.toml` or pyproject's [tool.infradoctor] at or above
    `root`. (Implemented by the config module owner; default config until then.)"""
    return LintConfig()
