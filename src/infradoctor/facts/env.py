"""Environment facts shared by loaders and rules."""

from __future__ import annotations

# Stands in for the value of an unset variable after interpolation: such a value is
# unknown at deploy time, not the "" compose substitutes.
UNSET_MARK = "\x00"
