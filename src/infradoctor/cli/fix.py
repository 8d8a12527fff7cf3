"""`infradoctor fix PATH...`: apply safe fixes (and unsafe ones with --unsafe), print what
changed; `--diff` shows the unified diff and writes nothing. `lint --fix` calls `run_fix`.

Exit codes: 0 nothing left at/above the fail threshold, 1 findings remain after fixing
(or a file does not parse, as with lint), 2 usage or internal error, or a fix that was
not written (file changed on disk, symlink out of the tree, permission denied, a fix that
failed its checks, ...). Each refusal is printed to stderr, also with -q."""

from __future__ import annotations

import argparse
import gc
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from infradoctor.findings import Finding
    from infradoctor.fixes.apply import FixRun
    from infradoctor.model.stack import Stack

SEVERITIES = ("info", "warning", "error")


def register(subparsers: Any) -> None:
    p: argparse.ArgumentParser = subparsers.add_parser(
        "fix",
        help="apply safe, format-preserving fixes to compose, nginx and Dockerfiles",
        description="Apply every safe fix under each PATH (comments, key order and quoting "
        "are kept; writes are atomic). --diff shows the changes without writing.",
    )
    p.add_argument(
        "paths",
        nargs="*",
        default=["."],
        metavar="PATH",
        help="directories or files to fix (default: .)",
    )
    p.add_argument(
        "--diff", action="store_true", help="print a unified diff of the fixes and change nothing"
    )
    p.add_argument(
        "--unsafe",
        action="store_true",
        help="also apply fixes marked unsafe (may change behaviour)",
    )
    p.add_argument(
        "--write-logrotate",
        action="store_true",
        help="write a logrotate config for nginx logs on bind-mounted host dirs",
    )
    p.add_argument(
        "--max-passes",
        type=int,
        default=5,
        metavar="N",
        help="re-lint and fix at most N times (default: 5)",
    )
    p.add_argument("-q", "--quiet", action="store_true", help="only the summary line")
    p.add_argument(
        "--no-color",
        action="store_true",
        help="never colour the output (accepted as in lint; fix prints plain text)",
    )
    from infradoctor.cli.options import add_selection_options, add_stack_options

    add_selection_options(p.add_argument_group("selection (as in lint)"), "fix")
    add_stack_options(p.add_argument_group("stack (as in lint)"))
    p.set_defaults(func=run_fix)


def _config(args: argparse.Namespace, path: str) -> Any:
    from infradoctor.cli.options import build_config

    ns = argparse.Namespace(**vars(args))
    ns.paths = [path]
    for name, default in (
        ("config", None),
        ("select", None),
        ("extend_select", None),
        ("ignore", None),
        ("severity", None),
        ("fail_on", None),
        ("exclude", []),
        ("compose_file", []),
        ("profile", []),
        ("baseline", None),
    ):
        if not hasattr(ns, name):
            setattr(ns, name, default)
    config = build_config(ns)
    config.baseline = None  # fixing ignores baselines: a baselined finding is still fixable
    return config


def run_fix(args: argparse.Namespace) -> int:
    """Entry for `infradoctor fix` and `infradoctor lint --fix/--diff`."""
    from infradoctor.cli.common import ONE_SHOT
    from infradoctor.gcpause import gc_paused

    # The fix loop keeps two or three lints' objects alive at once, and every collection
    # of the cyclic GC walks them all (40% of `fix` on 1,000 services): the garbage of a
    # pass (at most --max-passes stacks) waits until the command is done. A one-shot
    # process never collects it (re-enabled, the collector walked the whole heap once
    # more: 0.1 s of a 100-service stack) nor frees it at exit: every file is written and
    # closed (with --diff, the copy removed) before this returns.
    if ONE_SHOT["process"]:
        gc.disable()
        ONE_SHOT["fast_exit"] = True
        return _run_fix(args)
    from infradoctor.runmemo import release

    with gc_paused():
        try:
            return _run_fix(args)
        finally:
            release()  # as lint: the last stacks' memos freed here, not kept reachable


def _run_fix(args: argparse.Namespace) -> int:
    from infradoctor.cli.common import UsageError, path_problem
    from infradoctor.fixes.apply import preview_fixes, run_fixes
    from infradoctor.redact import redact_text
    from infradoctor.report.model import FAILING_ERROR_KINDS

    out: TextIO = sys.stdout
    err: TextIO = sys.stderr
    paths = list(getattr(args, "paths", None) or ["."])
    dry = bool(getattr(args, "diff", False))
    unsafe = bool(getattr(args, "unsafe", False))
    quiet = bool(getattr(args, "quiet", False))
    passes = int(getattr(args, "max_passes", 5) or 5)
    exit_code = 0
    for path in paths:
        problem = path_problem(path)
        if problem is not None:
            raise UsageError(problem)
        config = _config(args, path)
        if getattr(args, "write_logrotate", False):
            exit_code = max(exit_code, _logrotate(Path(path), config, dry, out))
        runner = preview_fixes if dry else run_fixes
        run = runner(Path(path), config, unsafe=unsafe, max_passes=passes)
        _report(run, out, dry=dry, quiet=quiet, unsafe=unsafe)
        for msg in run.refused:  # always, even with -q: something was not written
            err.write(f"not written: {redact_text(msg)}\n")
        err.flush()
        threshold = config.fail_on or config.threshold
        remaining = [f for f in run.remaining if f.severity >= threshold]
        errors = run.final.errors if run.final is not None else []
        for load_error in errors:
            if not quiet:
                where = (
                    f"{load_error.file}:{load_error.line}" if load_error.line else load_error.file
                )
                label = "warning" if load_error.kind == "encoding" else "error"
                out.write(
                    f"{label} {where}: {load_error.kind}: {redact_text(load_error.message)}\n"
                )
        if run.failed or any(e.kind == "internal" for e in errors):
            exit_code = 2
        elif remaining or run.declined or any(e.kind in FAILING_ERROR_KINDS for e in errors):
            exit_code = max(exit_code, 1)  # as lint: a file that does not parse fails
    return exit_code


def _report(run: FixRun, out: TextIO, *, dry: bool, quiet: bool, unsafe: bool) -> None:
    from infradoctor.findings import Applicability
    from infradoctor.redact import redact_text

    # everything printed is redacted (docs/output.md, "Secrets"); files are written as is
    verb = "would fix" if dry else "fixed"
    if dry:
        diff = run.diff()
        if diff:
            out.write(diff)
    if not quiet:
        from infradoctor.fixes.attach import resolve_fixes

        resolve_fixes(run.remaining)  # suggestions and the --unsafe count need them all
        for a in run.applied:
            extra = f" ({a.count} findings)" if a.count > 1 else ""
            out.write(f"{verb} {', '.join(a.files)}: {a.rule} {redact_text(a.title)}{extra}\n")
        suggestions = [
            f
            for f in run.remaining
            if f.fix is not None and f.fix.applicability is Applicability.DISPLAY_ONLY
        ]
        if dry:  # nothing was written: point into the files as they are on disk
            suggestions = sorted(
                run.as_before(suggestions),
                key=lambda f: (f.location.file, f.location.line, f.location.column),
            )
        for f in suggestions:
            assert f.fix is not None
            out.write(f"suggestion {f.location}: {f.rule} {redact_text(f.fix.title)}\n")
        if not unsafe:
            n_unsafe = sum(
                1
                for f in run.remaining
                if f.fix is not None and f.fix.applicability is Applicability.UNSAFE
            )
            if n_unsafe:
                out.write(
                    f"{n_unsafe} more fix{'es' if n_unsafe != 1 else ''} available with --unsafe\n"
                )
    files = run.changed_files
    lines_added, lines_removed = run.changed_lines()
    fixed = sum(a.count for a in run.applied)  # written fixes only: refusals are not fixed
    refused = len(run.refused)
    out.write(
        f"{verb.capitalize()} {fixed} finding{'s' if fixed != 1 else ''} in "
        f"{len(files)} file{'s' if len(files) != 1 else ''} "
        f"(+{lines_added} -{lines_removed} lines, {run.passes} pass"
        f"{'es' if run.passes != 1 else ''}); {len(run.remaining)} "
        f"{'finding remains' if len(run.remaining) == 1 else 'findings remain'}"
        + (f"; {refused} not written (see stderr)" if refused else "")
        + ".\n"
    )


# ---------------------------------------------------------------- logrotate companion

LOGROTATE_NAME = "nginx-logrotate.conf"


LogrotateEntry = tuple[Path, str, tuple[str, ...]]


def logrotate_targets(stack: Stack, findings: list[Finding]) -> dict[str, list[LogrotateEntry]]:
    """Project directory -> [(host log directory, nginx service, names of log files there
    that `*.log` misses)] from the XF013 findings (nginx log files written to a
    bind-mounted host directory that nothing rotates)."""
    from infradoctor.rules.cross.XF013_nginx_logs_bind_mounted_without_rotation import BoundLogs

    found: dict[str, list[LogrotateEntry]] = {}
    for f in findings:
        logs = f.detail_as(BoundLogs) if f.rule == "XF013" else None
        if logs is None or not logs.host_path:
            continue
        project = next((p for p in stack.projects if p.name == logs.project), None)
        if project is None:
            continue
        host = Path(logs.host_path)
        if not host.is_absolute():
            host = stack.root / project.directory / host
        target = (logs.target or "").rstrip("/")
        files = list(logs.log_files or ())
        if not files:
            files = [(logs.log_dir or target).rstrip("/") + "/access.log"]
        by_dir: dict[Path, list[str]] = {}
        for file in files:
            directory, name = os.path.split(file)
            sub = directory[len(target) :].strip("/") if directory.startswith(target) else ""
            names = by_dir.setdefault(Path(os.path.normpath(host / sub)), [])
            if not name.endswith(".log") and name not in names:
                names.append(name)
        service = logs.service or "nginx"
        entries = found.setdefault(project.directory, [])
        for host_dir, names in by_dir.items():
            entry = (host_dir, service, tuple(names))
            if entry not in entries:
                entries.append(entry)
    return found


def logrotate_text(entries: list[LogrotateEntry], compose_dir: Path) -> str:
    out = [
        "# logrotate config for nginx logs written to bind-mounted host directories.",
        "# Written by `infradoctor fix --write-logrotate`; install it with",
        f"#   sudo cp {LOGROTATE_NAME} /etc/logrotate.d/nginx-compose",
    ]
    for host_dir, service, names in entries:
        base = host_dir.as_posix().rstrip("/")
        patterns = " ".join([f"{base}/*.log", *(f"{base}/{n}" for n in names)])
        out += [
            f"{patterns} {{",
            "    daily",
            "    rotate 14",
            "    maxsize 100M",
            "    missingok",
            "    notifempty",
            "    compress",
            "    delaycompress",
            "    sharedscripts",
            "    postrotate",
            f"        cd {compose_dir.as_posix()} && docker compose exec -T {service} "
            "nginx -s reopen >/dev/null 2>&1 || true",
            "    endscript",
            "}",
        ]
    return "\n".join(out) + "\n"


def _logrotate(path: Path, config: Any, dry: bool, out: TextIO) -> int:
    """Show, then (unless --diff) create the logrotate companion; never overwrites."""
    import dataclasses

    from infradoctor.engine import lint
    from infradoctor.fixes.write import create_file

    only = dataclasses.replace(config, select=["XF013"], ignore=[], extend_select=[])
    result = lint(path, only, with_fixes=False)
    stack = result.stack
    code = 0
    targets = logrotate_targets(stack, result.findings)
    if not targets:
        out.write("no unrotated nginx log directory is bind-mounted: no logrotate config needed\n")
    for directory, entries in sorted(targets.items()):
        compose_dir = (stack.root / directory).resolve()
        dest = compose_dir / LOGROTATE_NAME
        text = logrotate_text(entries, compose_dir)
        out.write(f"--- {dest} ---\n{text}")
        if dry:
            continue
        try:
            create_file(dest, text)
            out.write(f"wrote {dest}\n")
        except FileExistsError:
            sys.stderr.write(f"not written: {dest}: exists (never overwritten)\n")
        except OSError as exc:
            sys.stderr.write(f"not written: {dest}: {exc.strerror or exc}\n")
            code = 2
    return code
