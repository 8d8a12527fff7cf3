"""Lint reporters (text, json, sarif, github) and rule docs generation.

Each reporter module exposes `render(report, stream, options)`; `FORMATS` maps the
`--format` names to modules so the CLI imports only the one it needs."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Protocol, TextIO

from infradoctor.records import record

if TYPE_CHECKING:
    from infradoctor.report.model import LintReport

FORMATS: dict[str, str] = {
    "text": "infradoctor.report.text",
    "json": "infradoctor.report.json_report",
    "sarif": "infradoctor.report.sarif",
    "github": "infradoctor.report.github",
}
# Formats that show each finding's fix (text: whether it is fixable and how safely;
# JSON/SARIF: the edits). The others never make the fixers run.
SHOWS_FIXES = frozenset({"text", "json", "sarif"})


@record
class RenderOptions:
    color: bool = False
    quiet: bool = False
    statistics: bool = False
    show_files: bool = False  # text: list the files read (as what) and those skipped


class Renderer(Protocol):
    def __call__(self, report: LintReport, stream: TextIO, options: RenderOptions) -> None: ...


def renderer(fmt: str) -> Renderer:
    """The `render` function of the reporter for `fmt` (KeyError when unknown)."""
    module = importlib.import_module(FORMATS[fmt])
    render: Renderer = module.render
    return render
