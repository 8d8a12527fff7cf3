"""`infradoctor lint PATH...`: load each path, run the selected rules, merge the results
and render them. Heavy modules (engine, rules, reporters) are imported inside `run`.

Exit codes: 0 nothing at/above the fail threshold, 1 findings (or files that could not be
parsed), 2 usage, configuration or internal error. See docs/output.md."""

from __future__ import annotations

import argparse
import gc
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from infradoctor.cli.common import UsageError
from infradoctor.cli.options import add_selection_options, add_stack_options, build_config

if TYPE_CHECKING:
    from infradoctor.config import LintConfig
    from infradoctor.engine import LintResult
    from infradoctor.report.model import LintReport

FORMAT_NAMES = ("text", "json", "sarif", "github")
EPILOG = """\
exit status:
  0  nothing at or above the fail threshold
  1  findings at or above it, or a file that could not be parsed
  2  usage, configuration or internal error
suppress inline with `# infradoctor: ignore[CODE]`; output formats, config keys and
baselines are described in `infradoctor docs output`."""


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
    out.add_argument(
        "--show-files",
        action="store_true",
        help="list the files read (and as what) and those not analysed, with why",
    )
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


def lint_paths(paths: list[str], config: LintConfig) -> LintReport:
    """Lint every path and merge the results; the baseline is applied by the caller.
    File arguments are one stack: the project around them is loaded once (cross-file
    rules intact) and only findings on the given files are kept."""
    import dataclasses

    from infradoctor.catalogue import selected_rules
    from infradoctor.cli.project import group_paths
    from infradoctor.engine import lint
    from infradoctor.report.model import merge_results

    engine_config = dataclasses.replace(config, baseline=None)
    results = []
    for arg, only in group_paths(paths):
        result = lint(Path(arg), engine_config)
        if only is not None:
            result = _only_files(result, only)
        results.append((arg, result))
    return merge_results(results, selected_rules(config))


def _only_files(result: LintResult, only: set[str]) -> LintResult:
    """`result` keeping the findings and load errors on `only` (paths relative to its root)."""
    import dataclasses

    return dataclasses.replace(
        result,
        findings=[f for f in result.findings if f.location.file in only],
        errors=[e for e in result.errors if e.file in only],
    )


def _use_color(args: argparse.Namespace, stream: TextIO) -> bool:
    from infradoctor.cli.color import use_color

    return use_color(args.no_color, bool(args.output), stream)


def run(args: argparse.Namespace) -> int:
    if getattr(args, "fix", False) or getattr(args, "diff", False):
        from infradoctor.cli.fix import run_fix

        return int(run_fix(args))
    from infradoctor.cli.common import ONE_SHOT
    from infradoctor.gcpause import gc_paused

    # One pass that keeps the whole stack alive to the end and makes next to no cyclic
    # garbage: the collector would only walk the loaded model again and again (a tenth
    # of a corpus lint), and a one-shot process need not free it at exit (a sixth).
    # Measured: peak RSS unchanged (bench/README.md).
    if ONE_SHOT["process"]:
        gc.disable()
        ONE_SHOT["fast_exit"] = True
        return _lint(args)
    from infradoctor.runmemo import release

    with gc_paused():
        try:
            return _lint(args)
        finally:
            release()  # the last stack's memos: freed here, never walked by the collector


def _lint(args: argparse.Namespace) -> int:
    """`lint` without `--fix`/`--diff`: lint, apply the baseline, render."""
    from infradoctor.cli.common import path_problem
    from infradoctor.report import SHOWS_FIXES, RenderOptions, renderer

    for arg in args.paths:
        problem = path_problem(arg)
        if problem is not None:
            raise UsageError(problem)
    config = build_config(args)
    report = lint_paths(list(args.paths), config)
    notes: list[str] = []
    if args.write_baseline:
        from infradoctor.baseline import write_baseline_file

        try:
            count = write_baseline_file(
                Path(args.write_baseline), report.findings, report.line_text
            )
        except OSError as exc:
            raise UsageError(
                f"{args.write_baseline}: cannot write baseline: {exc.strerror or exc}"
            ) from None
        notes.append(
            f"wrote {count} finding{'' if count == 1 else 's'} to baseline {args.write_baseline}"
        )
    elif config.baseline is not None:
        from infradoctor.baseline import apply_baseline

        new, known = apply_baseline(report.findings, config.baseline, report.line_text)
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
                render(
                    report, fh, RenderOptions(False, args.quiet, args.statistics, args.show_files)
                )
        except OSError as exc:
            raise UsageError(f"{args.output}: cannot write report: {exc.strerror or exc}") from None
    else:
        render(
            report,
            sys.stdout,
            RenderOptions(
                _use_color(args, sys.stdout), args.quiet, args.statistics, args.show_files
            ),
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
