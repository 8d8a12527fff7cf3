"""JVM heap flags and the heap-vs-memory-limit judgement, shared by the compose (CMP006) and
Kubernetes (K8S006) rules so both read `-Xmx`/`MaxRAMPercentage` and judge headroom alike."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from infradoctor.lazyre import lazy
from infradoctor.model.source import Location
from infradoctor.records import record
from infradoctor.syntax.numbers import clamp_int, digits_value, parse_decimal, scaled_int, to_float

XMX_RE = re.compile(r"(?<![\w-])-Xmx([0-9]+(?:\.[0-9]+)?)([kKmMgGtT]?)(?![\w.])")
PERCENT_RE = lazy(r"-XX:MaxRAMPercentage=([0-9]+(?:\.[0-9]+)?)")
FRACTION_RE = lazy(r"-XX:MaxRAMFraction=([0-9]+)")
UNIT = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3, "t": 1024**4}
MIN_HEADROOM = 512 * 1024**2  # metaspace, thread stacks, code cache, direct buffers, GC


@record(frozen=True)
class HeapSetting:
    heap: int | None  # bytes (absolute -Xmx)
    percent: float | None  # of the container limit
    text: str  # the flag as written
    where: str  # what set it: "command", "JAVA_OPTS", "Dockerfile ENV", ...
    location: Location


def heap_settings(text: str, where: str, location: Location) -> list[HeapSetting]:
    out: list[HeapSetting] = []
    for m in XMX_RE.finditer(text):
        number = parse_decimal(m.group(1))
        if number is not None:
            size = scaled_int(number, UNIT[m.group(2).lower()])
            out.append(HeapSetting(size, None, m.group(0), where, location))
    for m in PERCENT_RE.finditer(text):
        percent = parse_decimal(m.group(1))
        if percent is not None:
            out.append(HeapSetting(None, to_float(percent), m.group(0), where, location))
    for m in FRACTION_RE.finditer(text):
        frac = digits_value(m.group(1))
        if frac is not None and frac > 0:
            out.append(HeapSetting(None, 100.0 / frac, m.group(0), where, location))
    return out


@record(frozen=True)
class HeapVerdict:
    heap: int  # bytes the largest heap setting allows under the limit
    setting: HeapSetting
    headroom: int  # limit - heap
    fills_limit: bool  # True: heap >= limit (error); False: too little headroom (warning)

    def reason(self, human: Callable[[int], str]) -> str:
        """Why the container gets OOM-killed; `human` formats bytes in the rule's own units."""
        if self.fills_limit:
            return "the heap alone can fill the limit"
        return f"only {human(self.headroom)} is left for metaspace, threads and native memory"


def heap_verdict(settings: Iterable[HeapSetting], limit: int) -> HeapVerdict | None:
    """The largest heap among `settings` under a `limit`-byte container when it fills the
    limit, or takes over 75% of it and leaves less than MIN_HEADROOM; None when it fits."""
    worst: tuple[int, HeapSetting] | None = None
    for s in settings:
        heap = s.heap if s.heap is not None else clamp_int(int(limit * (s.percent or 0) / 100))
        if worst is None or heap > worst[0]:
            worst = (heap, s)
    if worst is None:
        return None
    heap, setting = worst
    headroom = limit - heap
    if heap >= limit:
        return HeapVerdict(heap, setting, headroom, True)
    if heap > 0.75 * limit and headroom < MIN_HEADROOM:
        return HeapVerdict(heap, setting, headroom, False)
    return None
