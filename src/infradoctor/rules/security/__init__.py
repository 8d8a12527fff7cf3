"""security rules."""

from __future__ import annotations

from infradoctor.rules.base import Rule

RULES: tuple[type[Rule], ...] = ()
