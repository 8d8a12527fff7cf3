"""Moved to infradoctor.facts.listen; this alias keeps old imports working."""

from __future__ import annotations

from typing import Any

from infradoctor.facts import listen as _listen


def __getattr__(name: str) -> Any:
    return getattr(_listen, name)
