"""`infradoctor smoke PATH`: probe the stack's services once and every nginx route through
nginx and directly (loopback only). Exit 0 all good, 1 something failed, 2 usage.
See docs/wait.md (`infradoctor docs wait`)."""

from __future__ import annotations

import argparse
import sys
from typing import Any


def register(subparsers: Any) -> None:
    p: argparse.ArgumentParser = subparsers.add_parser(
        "smoke",
        help="check every service and nginx route once: directly, then through nginx",
        description="Probe the services of the stack under PATH once (as `wait --from`), then "
        "request every nginx route through nginx on 127.0.0.1 and the proxied service "
        "directly on its published port, naming the nginx-side cause of a failing route.",
    )
    p.add_argument("path", nargs="?", default=".", metavar="PATH", help="stack (default: .)")
    p.add_argument(
        "--timeout", type=float, default=5.0, metavar="S", help="per request (default 5)"
    )
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument("--no-lint", action="store_true", help="do not attach lint findings to routes")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import json
    from pathlib import Path

    from infradoctor.cli.common import UsageError

    path = Path(args.path)
    if not path.exists():
        raise UsageError(f"{args.path}: no such file or directory")
    if args.timeout <= 0:
        raise UsageError("--timeout must be positive")
    from infradoctor.smoke import report_json, report_text, smoke

    report = smoke(path, args.timeout, args.timeout, with_lint=not args.no_lint)
    if args.format == "json":
        json.dump(report_json(report), sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(report_text(report))
    return 0 if report.ok else 1
