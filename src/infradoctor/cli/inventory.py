"""`infradoctor inventory PATH`: the services, volumes and nginx routes of the stack as a
table, Markdown, JSON, or a topology picture (Mermaid, dot, SVG/PNG with Graphviz).
Heavy modules are imported inside `run`. Exit codes: 0 written, 2 usage error (or no
Graphviz for svg/png)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

FORMATS = ("table", "markdown", "json", "mermaid", "dot", "svg", "png")


def register(subparsers: Any) -> None:
    p: argparse.ArgumentParser = subparsers.add_parser(
        "inventory",
        help="list services, ports, volumes and nginx routes; draw the topology",
        description="Describe the stack under PATH (compose projects, Kubernetes manifests, "
        "nginx configs): services with image, ports, health, restart, resources, volumes, "
        "dependencies and the nginx routes that reach them; volumes and what mounts them; "
        "routes and the service each resolves to. See `infradoctor docs inventory`.",
    )
    p.add_argument("path", nargs="?", default=".", metavar="PATH", help="directory (default: .)")
    p.add_argument(
        "--format",
        choices=FORMATS,
        default="table",
        help="table (default), markdown, json, mermaid, dot, svg or png (these two need Graphviz)",
    )
    p.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of stdout")
    p.add_argument(
        "-f",
        "--compose-file",
        action="append",
        metavar="FILE",
        default=[],
        help="compose file(s) forming the project, like docker compose -f",
    )
    p.add_argument(
        "--profile",
        action="append",
        metavar="P",
        default=[],
        help="only services compose starts with these profiles (default: every service)",
    )
    p.add_argument(
        "--exclude", action="append", metavar="GLOB", default=[], help="skip files matching GLOB"
    )
    p.add_argument("--no-color", action="store_true", help="never colour the table")
    p.set_defaults(func=run)


def _usage(message: str) -> Exception:
    from infradoctor.cli.common import UsageError

    return UsageError(message)


def run(args: argparse.Namespace) -> int:
    import io

    from infradoctor.inventory import build_inventory
    from infradoctor.inventory import render as r
    from infradoctor.loaders import LoadOptions, load_stack

    root = Path(args.path)
    if not root.exists():
        raise _usage(f"{args.path}: no such file or directory")
    profiles: list[str] = []
    for value in args.profile:
        profiles += [v.strip() for v in value.split(",") if v.strip()]
    compose_files = [
        str(Path(f).resolve()) if not Path(f).is_absolute() and Path(f).exists() else f
        for f in args.compose_file
    ]
    stack = load_stack(
        root,
        LoadOptions(compose_files=compose_files, profiles=profiles, exclude=args.exclude),
    )
    inv = build_inventory(stack)
    fmt = args.format
    if fmt in ("svg", "png"):
        from infradoctor.inventory.graphviz import GraphvizMissing, render_dot

        try:
            data = render_dot(r.dot_text(inv), fmt)
        except GraphvizMissing as exc:
            raise _usage(str(exc)) from None
        if args.output:
            Path(args.output).write_bytes(data)
        elif fmt == "png" and sys.stdout.isatty():
            raise _usage("refusing to write PNG to a terminal: use -o FILE")
        else:
            sys.stdout.buffer.write(data)
            sys.stdout.flush()
        return 0
    buf = io.StringIO()
    if fmt == "markdown":
        r.render_markdown(inv, buf)
    elif fmt == "json":
        r.render_json(inv, buf)
    elif fmt == "mermaid":
        buf.write(r.mermaid_text(inv))
    elif fmt == "dot":
        buf.write(r.dot_text(inv))
    else:
        from infradoctor.cli.color import use_color

        color = use_color(args.no_color, bool(args.output), sys.stdout)
        r.render_table(inv, buf, color=color, width=None if color else 200)
    text = buf.getvalue()
    if args.output:
        try:
            Path(args.output).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise _usage(f"{args.output}: cannot write: {exc.strerror or exc}") from None
    else:
        sys.stdout.write(text)
    for err in stack.errors:
        if err.kind in ("parse-error", "invalid", "alias-bomb"):
            from infradoctor.redact import redact_text

            where = f"{err.file}:{err.line}" if err.line else err.file
            print(f"infradoctor: {where}: {redact_text(err.message)}", file=sys.stderr)
    return 0
