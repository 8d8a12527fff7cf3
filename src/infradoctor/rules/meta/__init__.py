"""Meta rules: findings about infradoctor's own directives (suppression comments)."""

from __future__ import annotations

from infradoctor.rules.base import Rule
from infradoctor.rules.meta.IDX001_unused_suppression import UnusedSuppression

RULES: tuple[type[Rule], ...] = (UnusedSuppression,)

__all__ = ["RULES", "UnusedSuppression"]
