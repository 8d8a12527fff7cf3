"""`infradoctor lint PATH...`: load each path, run the selected rules, merge the results
and render them. Heavy modules (engine, rules, reporters) are imported inside `run`.

Exit codes: 0 nothing at/above the fail threshold, 1 findings (or files that could not be
parsed), 2 usage, configuration or internal error. See docs/output.md."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from infradoctor.config import LintConfig
    from infradoctor.report.model import LintReport

SEVERITIES = ("info", "warning", "error")
FORMAT_NAMES = ("text", "json", "sarif", "github")
EPILOG = """\
exit status:
  0  nothing at or above the fail threshold
  1  findings at or above it, or a file that could not be parsed
  2  usage, configuration or internal error
suppress inline with `# infradoctor: ignore[CODE]`; output formats, config keys and
baselines are described in docs/output.md."""


def register(subparsers: Any) -> None:
    p: argparse.ArgumentParser = subparsers.add_parser(
        "lint",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=EPILOG,
        help="check compose, nginx and Dockerfile configuration for known problems",
        description="Check the Docker Compose, nginx and Dockerfile configuration under each "
        "PATH as one stack and report problems with file:line and how to fix them.",
    )
    p.add_argument(
        "paths",
        nargs="*",
        default=["."],
        metavar="PATH",
        help="directories or files to check (default: .)",
    )
    out = p.add_argument_group("output")
    out.add_argument(
        "--format", choices=FORMAT_NAMES, default="text", help="report format (default: text)"
    )
    out.add_argument("-o", "--output", metavar="FILE", help="write the report to FILE")
    out.add_argument("--no-color", action="store_true", help="never colour the text report")
    out.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        help="only the finding lines: no source excerpts, no summary when clean",
    )
    out.add_argument("--statistics", action="store_true", help="add counts per rule")
    add_selection_options(p.add_argument_group("selection"))
    add_stack_options(p.add_argument_group("stack"))
    base = p.add_argument_group("baseline")
    base.add_argument(
        "--baseline", metavar="FILE", help="hide findings recorded in this baseline file"
    )
    base.add_argument(
        "--write-baseline", metavar="FILE", help="record the current findings in FILE and exit 0"
    )
    fix = p.add_argument_group("fixing")
    fix.add_argument("--fix", action="store_true", help="apply safe fixes")
    fix.add_argument(
        "--diff", action="store_true", help="show the fixes as a unified diff without writing"
    )
    fix.add_argument("--unsafe", action="store_true", help="also apply unsafe fixes")
    p.set_defaults(func=run)


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
    """`-f/--compose-file` and `--profile`, shared by `lint` and `fix`."""
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


def _usage_error(message: str) -> Exception:
    from infradoctor.cli.main import UsageError

    return UsageError(message)


def build_config(args: argparse.Namespace) -> LintConfig:
    """The config file (found or named) with the command-line flags laid over it."""
    from infradoctor.config import load_config, load_config_file
    from infradoctor.findings import Severity
    from infradoctor.report.catalogue import selector_known

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
                raise _usage_error(f"{option}: unknown rule code, category or name {value!r}")
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
    return config


def _compose_path(value: str) -> str:
    """`-f` is relative to the current directory, as with docker compose."""
    path = Path(value)
    if not path.is_absolute() and os.path.exists(path):
        return str(path.resolve())
    return value


def lint_paths(paths: list[str], config: LintConfig) -> LintReport:
    """Lint every path and merge the results; the baseline is applied by the caller."""
    import dataclasses

    from infradoctor.engine import lint
    from infradoctor.report.catalogue import selected_rules
    from infradoctor.report.model import merge_results

    engine_config = dataclasses.replace(config, baseline=None)
    results = []
    seen: set[Path] = set()
    for arg in paths:
        resolved = Path(arg).resolve()
        if resolved in seen:
            continue
        seen.add(resolved)
        results.append((arg, lint(Path(arg), engine_config)))
    return merge_results(results, selected_rules(config))


def _use_color(args: argparse.Namespace, stream: TextIO) -> bool:
    if args.no_color or os.environ.get("NO_COLOR") or args.output:
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def run(args: argparse.Namespace) -> int:
    if getattr(args, "fix", False) or getattr(args, "diff", False):
        try:
            from infradoctor.cli.fix import run_fix  # type: ignore[attr-defined]
        except ImportError:
            raise _usage_error("--fix/--diff are not available in this build") from None
        return int(run_fix(args))
    from infradoctor.baseline import read_baseline, split_baselined, write_baseline_file
    from infradoctor.cli.main import path_problem
    from infradoctor.report import SHOWS_FIXES, RenderOptions, renderer

    for arg in args.paths:
        problem = path_problem(arg)
        if problem is not None:
            raise _usage_error(problem)
    config = build_config(args)
    report = lint_paths(list(args.paths), config)
    notes: list[str] = []
    if args.write_baseline:
        try:
            count = write_baseline_file(
                Path(args.write_baseline), report.findings, report.line_text
            )
        except OSError as exc:
            raise _usage_error(
                f"{args.write_baseline}: cannot write baseline: {exc.strerror or exc}"
            ) from None
        notes.append(
            f"wrote {count} finding{'' if count == 1 else 's'} to baseline {args.write_baseline}"
        )
    elif config.baseline is not None:
        new, known = split_baselined(
            report.findings, read_baseline(config.baseline), report.line_text
        )
        report.findings = new
        report.baselined += len(known)
        report.refresh_stats()
        if known:
            notes.append(
                f"{len(known)} finding{'' if len(known) == 1 else 's'} hidden by "
                f"baseline {config.baseline}"
            )
    if args.format in SHOWS_FIXES:
        from infradoctor.fixes.attach import resolve_fixes

        resolve_fixes(report.findings)  # all at once, before the reporter asks one by one
    render = renderer(args.format)
    if args.output:
        try:
            with open(args.output, "w", encoding="utf-8") as fh:
                render(report, fh, RenderOptions(False, args.quiet, args.statistics))
        except OSError as exc:
            raise _usage_error(
                f"{args.output}: cannot write report: {exc.strerror or exc}"
            ) from None
    else:
        render(
            report,
            sys.stdout,
            RenderOptions(_use_color(args, sys.stdout), args.quiet, args.statistics),
        )
        sys.stdout.flush()
    if not args.quiet:
        for note in notes:
            print(f"infradoctor: {note}", file=sys.stderr)
    if report.internal_errors:
        from infradoctor.redact import redact_text

        for err in report.internal_errors:
            print(f"infradoctor: internal error: {redact_text(err.message)}", file=sys.stderr)
    if args.write_baseline:
        return 2 if report.internal_errors else 0
    return report.exit_code(config.fail_threshold)
