"""Analyzers: pure functions (Bundle, Facts) -> list[Diagnosis], one module per layer.
The engine builds the Facts once, runs them all, then merges symptoms into root causes
and ranks."""

from __future__ import annotations

from collections.abc import Callable

from infradoctor.diagnose.analyzers import bot, containers, disk, limits, nginx, probes, upstream
from infradoctor.diagnose.analyzers.base import Diagnosis
from infradoctor.diagnose.analyzers.facts import Facts
from infradoctor.diagnose.evidence import Bundle

Analyzer = Callable[[Bundle, Facts], list[Diagnosis]]

ANALYZERS: tuple[tuple[str, Analyzer], ...] = (
    ("nginx", nginx.analyze),
    ("upstream", upstream.analyze),
    ("containers", containers.analyze),
    ("disk", disk.analyze),
    ("bot", bot.analyze),
    ("limits", limits.analyze),
    ("probes", probes.analyze),
)

__all__ = ["ANALYZERS", "Analyzer", "Diagnosis"]
