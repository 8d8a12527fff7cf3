"""`infradoctor wait TARGET...`: block until every target is ready or the timeout passes.

Exit codes: 0 every target ready, 1 at least one timed out (named on stderr with its last
error), 2 usage error (bad target, nothing to wait for). See docs/wait.md. Nothing is
imported at module level beyond argparse: probes load inside `run`."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

EPILOG = """\
targets:
  http(s)://HOST[:PORT]/PATH          2xx/3xx (redirects not followed); --expect-body TEXT
  tcp://HOST:PORT                     the port accepts a connection
  postgres://USER:PASS@HOST[:PORT]/DB connects, logs in and runs SELECT 1
  redis://[:PASS@]HOST[:PORT][/DB]    AUTH when given, then PING -> PONG
  kafka://HOST[:PORT]                 the broker answers an ApiVersions request
  amqp://HOST[:PORT]                  the broker answers the AMQP 0-9-1 header
  schema-registry+http://HOST[:PORT]  GET /subjects returns a JSON array
  kube://deployment|statefulset|service/NAME[?namespace=NS]  rolled out / ready endpoints
exit status:
  0  every target ready
  1  a target did not become ready in time (named, with its last error)
  2  usage error"""


def register(subparsers: Any) -> None:
    p: argparse.ArgumentParser = subparsers.add_parser(
        "wait",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=EPILOG,
        help="wait until databases, brokers, HTTP services or k8s workloads are ready",
        description="Block until every TARGET is really ready (a query answered, a PING "
        "returned, an HTTP 2xx) or the timeout passes; exponential backoff with jitter.",
    )
    p.add_argument("targets", nargs="*", metavar="TARGET", help="URL of a thing to wait for")
    p.add_argument(
        "--timeout", type=float, default=60.0, metavar="S", help="global timeout (default 60)"
    )
    p.add_argument(
        "--target-timeout",
        type=float,
        metavar="S",
        help="timeout of each target (default: the global timeout)",
    )
    p.add_argument(
        "--interval",
        type=float,
        default=0.5,
        metavar="S",
        help="first retry delay; doubles after each failure, with jitter (default 0.5)",
    )
    p.add_argument(
        "--max-interval", type=float, default=5.0, metavar="S", help="retry delay cap (default 5)"
    )
    p.add_argument(
        "--attempt-timeout",
        type=float,
        default=5.0,
        metavar="S",
        help="timeout of one connection attempt (default 5)",
    )
    p.add_argument("--expect-body", metavar="TEXT", help="http(s) targets: body must contain TEXT")
    p.add_argument("-k", "--insecure", action="store_true", help="do not verify TLS certificates")
    p.add_argument(
        "--from",
        dest="from_path",
        metavar="PATH",
        help="also wait for the services of the compose stack under PATH (published ports)",
    )
    p.add_argument(
        "--kube",
        action="store_true",
        help="also wait for every Deployment/StatefulSet rollout and Service endpoints",
    )
    p.add_argument("-n", "--namespace", help="--kube: namespace (default: kubectl's)")
    p.add_argument("--context", help="--kube: kubectl context")
    p.add_argument("--format", choices=("text", "json"), default="text", help="final report")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress, only failures")
    p.set_defaults(func=run)


def _usage(message: str) -> Exception:
    from infradoctor.cli.common import UsageError

    return UsageError(message)


def collect_targets(args: argparse.Namespace) -> list[Any]:
    from pathlib import Path

    from infradoctor.wait.targets import TargetError, parse_target

    targets = []
    for raw in args.targets:
        try:
            targets.append(parse_target(raw, args.expect_body, args.insecure))
        except TargetError as exc:
            raise _usage(str(exc)) from None
    if args.from_path:
        from infradoctor.wait.from_stack import load_targets

        path = Path(args.from_path)
        if not path.exists():
            raise _usage(f"--from {args.from_path}: no such file or directory")
        found, skipped, errors = load_targets(path)
        for err in errors:
            print(f"infradoctor: warning: {err}", file=sys.stderr)
        for sk in skipped:
            print(f"infradoctor: skipping service {sk.service}: {sk.reason}", file=sys.stderr)
        targets.extend(found)
    if args.kube:
        from infradoctor.wait.kube import KubeError, discover_kube

        try:
            targets.extend(discover_kube(args.namespace, args.context, args.attempt_timeout))
        except KubeError as exc:
            raise _usage(f"--kube: {exc}") from None
    return targets


def run(args: argparse.Namespace) -> int:
    import json

    from infradoctor.redact import redact_text
    from infradoctor.wait.display import Progress, as_json, table
    from infradoctor.wait.runner import READY, WaitOptions, wait_all

    for name in ("timeout", "interval", "max_interval", "attempt_timeout"):
        if getattr(args, name) <= 0:
            raise _usage(f"--{name.replace('_', '-')} must be positive")
    if args.target_timeout is not None and args.target_timeout <= 0:
        raise _usage("--target-timeout must be positive")
    targets = collect_targets(args)
    if not targets:
        raise _usage("nothing to wait for: give TARGET URLs, --from PATH or --kube")
    opts = WaitOptions(
        timeout=args.timeout,
        target_timeout=args.target_timeout,
        interval=args.interval,
        max_interval=args.max_interval,
        attempt_timeout=args.attempt_timeout,
    )
    err = sys.stderr
    tty = bool(getattr(err, "isatty", lambda: False)()) and not os.environ.get("NO_COLOR")
    width = max(len(t.display) for t in targets)
    progress = Progress(err, tty and not args.quiet, len(targets), width)
    on_change = None if args.quiet or args.format == "json" else progress
    if on_change is not None and progress.tty:
        import threading

        done = threading.Event()

        def tick() -> None:
            while not done.wait(0.2):
                progress.redraw()

        ticker = threading.Thread(target=tick, daemon=True)
        ticker.start()
        try:
            states = wait_all(targets, opts, on_change)
        finally:
            done.set()
            ticker.join()
            progress.clear()
    else:
        states = wait_all(targets, opts, on_change)
    failed = [st for st in states if st.state != READY]
    if args.format == "json":
        json.dump({"ready": not failed, "targets": as_json(states)}, sys.stdout, indent=2)
        sys.stdout.write("\n")
    elif not args.quiet:
        sys.stdout.write(table(states))
    for st in failed:
        last = st.last.message if st.last else "no attempt"
        print(
            f"infradoctor: {st.target.display} not ready after {st.elapsed():.1f}s "
            f"({st.attempts} attempts): {redact_text(last)}",
            file=err,
        )
    sys.stdout.flush()
    return 1 if failed else 0
