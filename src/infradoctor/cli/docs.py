"""`infradoctor docs [TOPIC]`: the documentation shipped inside the package (the same
pages as docs/ in the repository), so `--help` and error messages can point to pages an
installed copy really has."""

from __future__ import annotations

import argparse
import sys
from importlib import resources
from importlib.abc import Traversable
from typing import Any


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "docs",
        help="show the bundled documentation",
        description="Print a documentation page (output, fix, reading, diagnose, helm, "
        "kustomize, terraform, ...); without TOPIC, list them. Rule pages: "
        "`infradoctor explain CODE`.",
    )
    p.add_argument("topic", nargs="?", metavar="TOPIC", help="page name, e.g. output")
    p.set_defaults(func=run)


def pages() -> dict[str, Traversable]:
    """Topic name -> page, from the docs shipped with the package."""
    root = resources.files("infradoctor") / "docs"
    if not root.is_dir():
        return {}
    return {
        entry.name.removesuffix(".md").lower(): entry
        for entry in root.iterdir()
        if entry.name.endswith(".md") and entry.is_file()
    }


def run(args: argparse.Namespace) -> int:
    from infradoctor.cli.common import UsageError

    found = pages()
    if not args.topic:
        for name in sorted(found):
            print(name)
        return 0
    page = found.get(args.topic.lower().removesuffix(".md"))
    if page is None:
        import difflib

        close = difflib.get_close_matches(args.topic.lower(), sorted(found), 3, 0.5)
        hint = (
            f" (did you mean {', '.join(close)}?)" if close else " (`infradoctor docs` lists them)"
        )
        raise UsageError(f"no documentation page {args.topic!r}{hint}")
    text = page.read_text(encoding="utf-8")
    if sys.stdout.isatty():
        from rich.console import Console
        from rich.markdown import Markdown

        Console().print(Markdown(text))
    else:
        sys.stdout.write(text)
    return 0
