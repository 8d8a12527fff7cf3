"""`infradoctor diagnose` (collect or load evidence, analyze, report) and
`infradoctor bundle` (collect evidence into a .tar.gz for analysis elsewhere).

Both are read-only on the host. Heavy modules (collectors, analyzers, rich) are imported
inside the handlers. Exit codes: 0 healthy, 1 problems found, 2 could not run."""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import Any

EXIT_HEALTHY = 0
EXIT_PROBLEMS = 1
EXIT_CANNOT_RUN = 2


def parse_duration(text: str) -> float:
    """'30m', '2h', '90s', '1d', '45' (seconds) -> seconds."""
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*", text)
    if m is None:
        raise argparse.ArgumentTypeError(f"bad duration {text!r} (e.g. 30m, 2h, 90s)")
    value = float(m.group(1))
    return value * {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}[m.group(2)]


def _collection_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "path",
        nargs="?",
        metavar="PATH",
        help="directory with the compose/nginx files (adds the static model)",
    )
    g = p.add_argument_group("collection")
    g.add_argument(
        "--nginx-conf", metavar="FILE", help="nginx.conf to read (default: the running master's -c)"
    )
    g.add_argument(
        "--error-log",
        action="append",
        default=[],
        metavar="FILE",
        help="extra nginx error log to read (repeatable)",
    )
    g.add_argument(
        "--access-log",
        action="append",
        default=[],
        metavar="FILE",
        help="extra nginx access log to read (repeatable)",
    )
    g.add_argument(
        "--docker-host",
        metavar="URL",
        help="Docker engine (default: $DOCKER_HOST or unix:///var/run/docker.sock)",
    )
    g.add_argument(
        "--since",
        type=parse_duration,
        default=parse_duration("30m"),
        metavar="DURATION",
        help="log window to read, from the end (default: 30m)",
    )
    g.add_argument(
        "--timeout",
        type=float,
        default=10.0,
        metavar="S",
        help="time budget per collector in seconds (default: 10)",
    )
    g.add_argument(
        "--no-probe",
        action="store_true",
        help="do not send HTTP probes to the upstreams and through nginx",
    )
    k = p.add_argument_group("kubernetes")
    k.add_argument(
        "--kube",
        action="store_true",
        help="diagnose the Kubernetes cluster kubectl points at (read-only kubectl calls)",
    )
    k.add_argument("--context", metavar="C", help="kubeconfig context (default: current)")
    k.add_argument("--namespace", metavar="N", help="only this namespace (default: all)")


def register(subparsers: Any) -> None:
    p: argparse.ArgumentParser = subparsers.add_parser(
        "diagnose",
        help="find the root cause of 502/504s on a live nginx + Docker host",
        description="Read nginx's logs and config, the Docker engine, disks and probes "
        "(read-only), correlate them and report the most likely root cause with "
        "evidence, a fix plan and verification steps. Exit 0 healthy, 1 problems "
        "found, 2 could not run.",
    )
    _collection_options(p)
    p.add_argument(
        "--from",
        dest="from_bundle",
        metavar="BUNDLE",
        help="analyze a saved bundle (.tar.gz or directory) instead of this host",
    )
    p.add_argument(
        "--format",
        choices=("text", "json", "markdown"),
        default="text",
        help="output format (default: text)",
    )
    p.add_argument("-o", "--output", metavar="FILE", help="write the report to FILE")
    p.add_argument("--no-color", action="store_true", help="never colour the text output")
    p.set_defaults(func=run_diagnose)

    b: argparse.ArgumentParser = subparsers.add_parser(
        "bundle",
        help="collect diagnose evidence into a redacted .tar.gz",
        description="Collect the same evidence as `diagnose` (redacted) into an archive that "
        "`infradoctor diagnose --from FILE` analyzes on another machine.",
    )
    _collection_options(b)
    b.add_argument(
        "-o",
        "--output",
        required=True,
        metavar="FILE.tar.gz",
        help="archive to write (.tar.gz / .tgz, or a directory)",
    )
    b.set_defaults(func=run_bundle)


def _collect(args: argparse.Namespace) -> Any:
    import time

    from infradoctor.diagnose.collect import CollectOptions, collect_bundle
    from infradoctor.diagnose.hygiene import progress_printer
    from infradoctor.diagnose.redact import redact_bundle

    opts = CollectOptions(
        path=Path(args.path) if args.path else None,
        nginx_conf=Path(args.nginx_conf) if args.nginx_conf else None,
        error_logs=[Path(x) for x in args.error_log],
        access_logs=[Path(x) for x in args.access_log],
        docker_host=args.docker_host,
        since_seconds=args.since,
        timeout=args.timeout,
        probe=not args.no_probe,
        progress=progress_printer(sys.stderr),
    )
    bundle = collect_bundle(opts)
    # error.log timestamps are local time: remember the offset for analysis elsewhere
    bundle.meta.setdefault("utc_offset", time.localtime().tm_gmtoff)
    redact_bundle(bundle)  # idempotent; never trust that it already happened
    return bundle


def load_static_stack(bundle: Any) -> Any:
    """Rebuild the static stack model from the bundle's files/ (None if there are none)."""
    members = [p for p in bundle.files if p.startswith("files/")]
    if not members:
        return None
    import atexit
    import shutil
    import tempfile

    from infradoctor.loaders import load_stack

    tmp = tempfile.mkdtemp(prefix="infradoctor-bundle-files-")
    atexit.register(shutil.rmtree, tmp, True)  # kept while rules may look at the files
    root = Path(tmp)
    for member in members:
        rel = member[len("files/") :]
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(bundle.files[member])
    try:
        return load_stack(root)
    except Exception:  # noqa: BLE001 - the static model is optional for diagnose
        return None


def _write(text: str, output: str | None) -> None:
    if output:
        Path(output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
        sys.stdout.flush()


def wants_kube(args: argparse.Namespace) -> bool:
    """`--kube`, or a `--from` that is a Kubernetes recording."""
    if getattr(args, "kube", False):
        return True
    source = getattr(args, "from_bundle", None)
    if not source:
        return False
    from infradoctor.diagnose.kube.layout import looks_like_kube_source

    return looks_like_kube_source(Path(source))


def _collect_kube(args: argparse.Namespace) -> Any:
    from infradoctor.diagnose.kube.collect import KubeOptions, collect_kube

    return collect_kube(
        KubeOptions(
            context=getattr(args, "context", None),
            namespace=getattr(args, "namespace", None),
            timeout=float(getattr(args, "timeout", 10.0) or 10.0),
            since_seconds=getattr(args, "since", None),
        )
    )


class _CannotRun(Exception):
    """Evidence could not be loaded or collected (exit 2, message on stderr)."""


def _docker_result(args: argparse.Namespace) -> Any:
    from infradoctor.diagnose.engine import analyze
    from infradoctor.diagnose.evidence import Bundle, BundleError
    from infradoctor.diagnose.redact import redact_bundle

    if args.from_bundle:
        try:
            bundle = Bundle.load(Path(args.from_bundle))
        except BundleError as exc:
            raise _CannotRun(str(exc)) from None
        redact_bundle(bundle)
    else:
        try:
            bundle = _collect(args)
        except ImportError as exc:
            raise _CannotRun(f"live collection is not available: {exc}") from None
    return analyze(bundle, load_static_stack(bundle))


def _kube_result(args: argparse.Namespace) -> Any:
    from infradoctor.diagnose.evidence import BundleError
    from infradoctor.diagnose.kube.engine import analyze_kube
    from infradoctor.diagnose.kube.layout import load_source
    from infradoctor.diagnose.kube.redact import redact_kube_bundle

    if args.from_bundle:
        try:
            bundle = load_source(Path(args.from_bundle))
        except BundleError as exc:
            raise _CannotRun(str(exc)) from None
    else:
        bundle = _collect_kube(args)
    redact_kube_bundle(bundle)  # idempotent; a foreign recording is redacted too
    return analyze_kube(bundle)


def run_diagnose(args: argparse.Namespace) -> int:
    from infradoctor.diagnose.report import render

    try:
        result = _kube_result(args) if wants_kube(args) else _docker_result(args)
    except _CannotRun as exc:
        print(f"infradoctor: error: {exc}", file=sys.stderr)
        return EXIT_CANNOT_RUN
    from infradoctor.cli.color import use_color

    color = args.format == "text" and use_color(args.no_color, bool(args.output), sys.stdout)
    _write(render(result, args.format, color=color), args.output)
    return int(result.exit_code)


def run_bundle(args: argparse.Namespace) -> int:
    kube = bool(args.kube)
    try:
        bundle = _collect_kube(args) if kube else _collect(args)
    except ImportError as exc:
        if kube:
            raise
        print(f"infradoctor: error: live collection is not available: {exc}", file=sys.stderr)
        return EXIT_CANNOT_RUN
    target = Path(args.output)
    try:
        bundle.save(target)
    except OSError as exc:
        print(f"infradoctor: error: cannot write {target}: {exc}", file=sys.stderr)
        return EXIT_CANNOT_RUN
    failed = [c for c in bundle.collectors if c.status == "error"]
    # the Kubernetes collectors' errors are kubectl advice: print them too
    names = [f"{c.name}: {c.error}" if kube else c.name for c in failed]
    print(
        f"wrote {target}: {len(bundle.files)} files, "
        f"{len(bundle.collectors) - len(failed)}/{len(bundle.collectors)} collectors ok"
        + (f" (failed: {', '.join(names)})" if failed else ""),
        file=sys.stderr,
    )
    if kube and not bundle.has("kube/pods.json"):
        return EXIT_CANNOT_RUN
    return EXIT_HEALTHY
