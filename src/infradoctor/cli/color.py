"""When a command colours its text output: one rule for every command."""

from __future__ import annotations

import os
from typing import TextIO


def use_color(no_color_flag: bool, to_file: bool, stream: TextIO) -> bool:
    """Colour on a terminal; never with --no-color, NO_COLOR (no-color.org) or into a
    file; FORCE_COLOR (force-color.org) turns it on in a pipe, e.g. a CI log."""
    if no_color_flag or os.environ.get("NO_COLOR") or to_file:
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())
