"""`infradoctor scaffold SERVICE_DIR`: write a Dockerfile, kustomize base + dev/prod
overlays and, with --compose, a compose service block and an nginx snippet for a service,
from what its code says. Exit 0 written (or --dry-run), 1 would overwrite existing files
(without --force), 2 usage or nothing detectable. See docs/scaffold.md."""

from __future__ import annotations

import argparse
import sys
from typing import Any


def register(subparsers: Any) -> None:
    p: argparse.ArgumentParser = subparsers.add_parser(
        "scaffold",
        help="write Dockerfile, k8s kustomize base/overlays, compose and nginx for a service",
        description="Detect the language, framework, port and health path of the service in "
        "SERVICE_DIR and write a multi-stage Dockerfile, k8s/base + k8s/overlays/{dev,prod} "
        "and, with --compose, a compose service and an nginx upstream/location snippet.",
    )
    p.add_argument("service_dir", metavar="SERVICE_DIR")
    p.add_argument("--name", help="service name (default: the directory name)")
    p.add_argument("--port", type=int, help="port the service listens on (default: detected)")
    p.add_argument("--health-path", help="HTTP health path (default: detected)")
    p.add_argument("--compose", metavar="FILE", help="merge a service block into this compose file")
    p.add_argument(
        "--nginx-out",
        metavar="FILE",
        help="with --compose: where to write the nginx snippet "
        "(default: nginx/conf.d/NAME.conf next to the compose file)",
    )
    p.add_argument("--ingress", metavar="HOST", help="add an Ingress for HOST")
    p.add_argument("--hpa", action="store_true", help="add a HorizontalPodAutoscaler")
    p.add_argument("--pdb", action="store_true", help="add a PodDisruptionBudget")
    p.add_argument("--replicas", type=int, default=2, help="base replicas (default 2)")
    p.add_argument("--force", action="store_true", help="overwrite existing files")
    p.add_argument("--dry-run", action="store_true", help="print what would be written")
    p.add_argument(
        "-i", "--interactive", action="store_true", help="confirm name, port and health path"
    )
    p.set_defaults(func=run)


def _ask(label: str, default: str) -> str:
    try:
        answer = input(f"{label} [{default}]: ").strip()
    except EOFError:
        return default
    return answer or default


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from infradoctor.cli.common import UsageError
    from infradoctor.scaffold import (
        DetectError,
        Options,
        ScaffoldError,
        conflicts,
        plan,
        write_plan,
    )
    from infradoctor.scaffold.detect import detect

    root = Path(args.service_dir)
    if args.port is not None and not 0 < args.port < 65536:
        raise UsageError("--port must be 1-65535")
    if args.health_path is not None and not args.health_path.startswith("/"):
        raise UsageError("--health-path must start with /")
    if args.replicas < 1:
        raise UsageError("--replicas must be at least 1")
    try:
        d = detect(root, args.port, args.health_path, args.name)
        if args.interactive:
            from infradoctor.scaffold.detect import _slug

            print(f"detected {d.language}/{d.framework}", file=sys.stderr)
            d.name = _slug(_ask("service name", d.name))
            if d.language != "php":
                port = _ask("port", str(d.port))
                if not port.isdigit() or not 0 < int(port) < 65536:
                    raise UsageError(f"invalid port {port!r}")
                if int(port) != d.port:
                    d = detect(root, int(port), args.health_path, d.name)
                if d.http:
                    d.health_path = _ask("health path", d.health_path or "/")
                    if not d.health_path.startswith("/"):
                        raise UsageError("the health path must start with /")
        opts = Options(args.ingress, args.hpa, args.pdb, args.replicas)
        compose = Path(args.compose) if args.compose else None
        nginx_out = Path(args.nginx_out) if args.nginx_out else None
        pl = plan(root, d, opts, compose, nginx_out, args.force)
    except (DetectError, ScaffoldError) as exc:
        raise UsageError(str(exc)) from None
    err = sys.stderr
    print(
        f"{d.name}: {d.language}/{d.framework}, port {d.port}, health "
        f"{d.health_path or 'tcp'}, CMD {' '.join(d.command)}",
        file=err,
    )
    for fact in d.facts:
        print(f"  found: {fact}", file=err)
    for warning in d.warnings:
        print(f"  warning: {warning}", file=err)
    if args.dry_run:
        for path, text in pl.files.items():
            verb = "merge into" if path in pl.merged else "write"
            print(f"==> {verb} {path}")
            sys.stdout.write(text if text.endswith("\n") else text + "\n")
        return 0
    clash = conflicts(pl, args.force)
    if clash:
        for path in clash:
            print(f"infradoctor: {path} exists (use --force to overwrite)", file=err)
        return 1
    for path in write_plan(pl):
        print(f"{'merged' if path in pl.merged else 'wrote'} {path}")
    return 0
