"""The rule selection, config and stack flags `lint` and `fix` share, and the config
they make: the config file found (or named) with the flags laid over it."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from infradoctor.cli.common import UsageError

if TYPE_CHECKING:
    from infradoctor.config import LintConfig

SEVERITIES = ("info", "warning", "error")


def add_selection_options(sel: Any, verb: str = "run") -> None:
    """The rule selection and config flags, shared by `lint` and `fix` (`verb`: what
    happens to the selected rules)."""
    sel.add_argument(
        "--severity", choices=SEVERITIES, help="report only findings at or above this severity"
    )
    sel.add_argument(
        "--fail-on",
        choices=SEVERITIES,
        help="exit 1 only for findings at or above this (default: --severity)",
    )
    sel.add_argument(
        "--select",
        action="append",
        metavar="X,Y",
        help=f"rules to {verb} by code, code prefix, category or name",
    )
    sel.add_argument(
        "--extend-select",
        action="append",
        metavar="X,Y",
        help=f"rules to {verb} in addition (e.g. opt-in rules: `--extend-select hardening`)",
    )
    sel.add_argument("--ignore", action="append", metavar="X,Y", help=f"rules not to {verb}")
    sel.add_argument(
        "--config",
        metavar="FILE",
        help="config file (default: .infradoctor.toml or pyproject.toml "
        "[tool.infradoctor] at or above the first PATH)",
    )
    sel.add_argument(
        "--exclude",
        action="append",
        metavar="GLOB",
        default=[],
        help="skip files matching GLOB (relative to PATH; repeatable)",
    )


def add_stack_options(stack: Any) -> None:
    """`-f/--compose-file`, `--profile` and the Helm options, shared by `lint` and `fix`."""
    stack.add_argument(
        "-f",
        "--compose-file",
        action="append",
        metavar="FILE",
        default=[],
        help="compose file(s) forming the project, like docker compose -f",
    )
    stack.add_argument(
        "--profile",
        action="append",
        metavar="P",
        default=[],
        help="active compose profile ('*' for all; repeatable)",
    )
    stack.add_argument(
        "--helm",
        metavar="PATH",
        help="helm binary to render charts with ('off': read values.yaml only)",
    )
    stack.add_argument(
        "--helm-values",
        action="append",
        metavar="FILE",
        default=[],
        help="extra values file for every Helm chart (repeatable, like helm -f)",
    )


def _split(values: list[str] | None) -> list[str]:
    out: list[str] = []
    for value in values or []:
        out.extend(part.strip() for part in value.replace(" ", ",").split(",") if part.strip())
    return out


def build_config(args: argparse.Namespace) -> LintConfig:
    """The config file (found or named) with the command-line flags laid over it."""
    from infradoctor.catalogue import selector_known, unknown_selector, validate_config
    from infradoctor.config import load_config, load_config_file
    from infradoctor.findings import Severity

    if getattr(args, "config", None):
        config = load_config_file(Path(args.config))
    else:
        config = load_config(Path(args.paths[0]))
    for flag in ("select", "extend_select", "ignore"):
        values = _split(getattr(args, flag, None))
        if not values:
            continue
        for value in values:
            if not selector_known(value):
                option = "--" + flag.replace("_", "-")
                raise UsageError(f"{option}: {unknown_selector(value)}")
        if flag == "select":
            config.select = values
            config.extend_select = []
        elif flag == "extend_select":
            config.extend_select = [*config.extend_select, *values]
        else:
            config.ignore = values
    if args.severity:
        config.threshold = Severity.parse(args.severity)
    if args.fail_on:
        config.fail_on = Severity.parse(args.fail_on)
    if args.exclude:
        config.exclude = [*config.exclude, *args.exclude]
    if args.compose_file:
        config.compose_files = [_compose_path(f) for f in args.compose_file]
    if getattr(args, "helm", None):
        config.helm = args.helm
    for value in getattr(args, "helm_values", None) or []:
        config.helm_values.append(str(Path(value).resolve()))
    profiles = _split(args.profile)
    if profiles:
        config.profiles = profiles
    if args.baseline:
        config.baseline = Path(args.baseline)
    return validate_config(config)


def _compose_path(value: str) -> str:
    """`-f` is relative to the current directory, as with docker compose."""
    path = Path(value)
    if not path.is_absolute() and os.path.exists(path):
        return str(path.resolve())
    return value
