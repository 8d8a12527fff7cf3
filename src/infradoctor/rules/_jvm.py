"""Moved to infradoctor.facts.jvm; kept for diagnose/kube, which imports it from here."""

from __future__ import annotations

from infradoctor.facts.jvm import (
    MIN_HEADROOM,
    UNIT,
    XMX_RE,
    HeapSetting,
    heap_settings,
    heap_verdict,
)

__all__ = ["MIN_HEADROOM", "UNIT", "XMX_RE", "HeapSetting", "heap_settings", "heap_verdict"]
