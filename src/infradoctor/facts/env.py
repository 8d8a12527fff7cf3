"""Environment facts shared by loaders and rules."""

from __future__ import annotations

# Stands in for the value of an unset variable after interpolation: such a value is
# unknown at deploy time, not the "" compose substitutes.
UNSET_MARK = "\x00"

# Env-file samples a project documents its variables in, in the order they are looked for.
SAMPLE_NAMES = (".env.sample", ".env.example", ".env.dist", ".env.template", "example.env")
