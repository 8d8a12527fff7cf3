"""`infradoctor rules` (the catalogue) and `infradoctor explain CODE|NAME` (one rule's
documentation). The catalogue and rich are imported only when a command runs."""

from __future__ import annotations

import argparse
import sys
from typing import Any


def register(subparsers: Any) -> None:
    rules = subparsers.add_parser(
        "rules",
        help="list the rules",
        description="List every rule with its code, name, default "
        "severity, category, fix availability and title.",
    )
    rules.add_argument("--format", choices=("text", "json"), default="text")
    rules.set_defaults(func=run_rules)
    explain = subparsers.add_parser(
        "explain",
        help="show a rule's documentation",
        description="Print why a rule matters, how to fix it and examples.",
    )
    explain.add_argument("rule", metavar="CODE|NAME", help="rule code (XF001) or name")
    explain.set_defaults(func=run_explain)


def rule_rows() -> list[dict[str, Any]]:
    from infradoctor.catalogue import catalogue

    return [
        {
            "code": r.code,
            "name": r.name,
            "severity": r.severity.label,
            "category": r.category,
            "fixable": r.fixable,
            "title": r.title.strip(),
            "default_enabled": bool(getattr(r, "default_enabled", True)),
        }
        for r in catalogue()
    ]


def run_rules(args: argparse.Namespace) -> int:
    rows = rule_rows()
    if args.format == "json":
        import json

        json.dump(rows, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return 0
    columns = ("code", "name", "severity", "category", "fixable")
    widths = {c: max([len(c), *(len(r[c]) for r in rows)]) for c in columns}
    header = "  ".join(c.upper().ljust(widths[c]) for c in columns) + "  TITLE"
    lines = [header]
    lines += [
        "  ".join(r[c].ljust(widths[c]) for c in columns)
        + "  "
        + r["title"]
        + ("" if r["default_enabled"] else " (opt-in)")
        for r in rows
    ]
    sys.stdout.write("\n".join(lines) + "\n")
    return 0


def run_explain(args: argparse.Namespace) -> int:
    from infradoctor.catalogue import catalogue, lookup
    from infradoctor.report.ruledoc import rule_markdown

    rule = lookup(args.rule)
    if rule is None:
        import difflib

        from infradoctor.cli.common import UsageError

        keys = [r.code for r in catalogue()] + [r.name for r in catalogue()]
        close = difflib.get_close_matches(args.rule, keys, n=3, cutoff=0.5)
        hint = (
            f" (did you mean {', '.join(close)}?)" if close else " (`infradoctor rules` lists them)"
        )
        raise UsageError(f"unknown rule {args.rule!r}{hint}")
    text = rule_markdown(rule)
    if sys.stdout.isatty():
        from rich.console import Console
        from rich.markdown import Markdown

        Console().print(Markdown(text))
    else:
        sys.stdout.write(text)
    return 0
