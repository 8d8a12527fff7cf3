"""Number, size, quantity and duration parsers are total: a value or None, never an
exception, never inf/NaN; absurd magnitudes clamp to HUGE."""

from __future__ import annotations

import math
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from infradoctor.facts.jvm import heap_settings, heap_verdict
from infradoctor.model.source import Location
from infradoctor.rules.compose._util import human_size, parse_size
from infradoctor.rules.cross._common import fmt_seconds, nginx_seconds
from infradoctor.rules.kubernetes._k8s import human_bytes, parse_memory
from infradoctor.syntax import numbers
from infradoctor.syntax.numbers import (
    GO_MAX_NS,
    HUGE,
    digits_value,
    docker_size,
    finite_number,
    go_duration,
    go_duration_ns,
    k8s_quantity,
    parse_decimal,
    parse_int,
)

LONG = "9" * 5000  # past Python's 4300-digit int/str conversion limit
ODD: list[object] = [
    None,
    True,
    False,
    [],
    [1],
    {"a": 1},
    "",
    " ",
    "²",
    "١٢",
    "nan",
    "inf",
    "-inf",
    "1e400",
    "1e-400",
    "1e99999999999",
    LONG,
    "9" * 310,
    "9" * 400,
    LONG + "g",
    "0x10",
    "1_000",
    "-5",
    "--5",
    "5..5",
    ".",
    float("inf"),
    float("-inf"),
    float("nan"),
    1e308,
    10**400,
    -(10**400),
]


def _ok(value: object) -> None:
    if isinstance(value, float):
        assert math.isfinite(value) and abs(value) <= float(HUGE)
    elif isinstance(value, int | Decimal):
        assert -HUGE <= value <= HUGE


@pytest.mark.parametrize("value", ODD, ids=lambda v: repr(v)[:20])
def test_parsers_are_total(value: object) -> None:
    _ok(parse_int(value))
    _ok(docker_size(value))
    _ok(parse_size(value))
    _ok(go_duration(value))
    _ok(go_duration_ns(value))
    if isinstance(value, str):
        _ok(digits_value(value))
        _ok(parse_decimal(value))
        _ok(k8s_quantity(value))
        _ok(parse_memory(value))
        _ok(nginx_seconds(value))
        _ok(finite_number(value))


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="0123456789.eE+-kKmMgGiIbBsnuhµdwy ²", max_size=40))
def test_parsers_never_raise(text: str) -> None:
    for parse in (
        parse_int,
        digits_value,
        parse_decimal,
        docker_size,
        k8s_quantity,
        go_duration,
        nginx_seconds,
        finite_number,
    ):
        _ok(parse(text))  # type: ignore[operator]


def test_known_values() -> None:
    assert parse_size("512m") == 512 * 1024**2
    assert parse_size("1.5GB") == int(1.5 * 1024**3)
    assert parse_size(268435456) == 268435456
    assert parse_size("9" * 310) == HUGE
    assert parse_size(float("nan")) is None and parse_size("lots") is None
    assert parse_memory("512Mi") == 512 * 2**20
    assert parse_memory("1e3") == 1000 and parse_memory("1.5Gi") == int(1.5 * 2**30)
    assert parse_memory("0.5") == 0 and parse_memory("100m") == 0
    assert parse_memory("1e400") == HUGE == parse_memory("9" * 400)
    assert parse_int(" -3 ") == -3 and parse_int(LONG) == HUGE and parse_int("-" + LONG) == -HUGE
    assert parse_int(1e100) == HUGE and parse_int(2.5) is None and parse_int(True) is None
    assert parse_int("²") is None and digits_value("²") is None and digits_value("0080") == 80
    assert finite_number("nan") is None and finite_number("inf") is None
    assert finite_number("1e400") == float(HUGE) and finite_number("2.5") == 2.5


def test_durations() -> None:
    assert go_duration("1m30s") == 90 and go_duration("500ms") == 0.5
    assert go_duration("0") == 0 and go_duration("30") is None
    # Go's time.Duration is int64 nanoseconds: longer is rejected, as Docker does.
    assert go_duration("99999999999999999999999h") is None
    assert go_duration_ns("99999999999999999999999h") == HUGE > GO_MAX_NS
    assert go_duration("2562047h") is not None and go_duration("2562048h") is None
    assert nginx_seconds("1m30s") == 90 and nginx_seconds("500ms") == 0.5
    assert nginx_seconds("60") == 60 and nginx_seconds("5x") is None
    assert nginx_seconds(LONG) is None and nginx_seconds("9" * 400 + "y") is None
    assert fmt_seconds(float(HUGE)).endswith("s")


def test_huge_decimal_text_is_fast(monkeypatch: pytest.MonkeyPatch) -> None:
    # Work is counted, not timed: converting megabytes of digits to a Decimal or int is
    # the slow part (quadratic), so every Decimal built from text must stay short.
    built: list[int] = []
    real_decimal = numbers.Decimal

    def decimal(value: object = "0", *args: object) -> Decimal:
        if isinstance(value, str):
            built.append(len(value))
        return real_decimal(value, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(numbers, "Decimal", decimal)
    assert parse_decimal("1" * 4_000_000 + "e-3999990") is not None
    assert parse_decimal("0." + "1" * 4_000_000) is not None
    assert docker_size("9" * 4_000_000 + "g") == HUGE
    assert built and max(built) <= 200


def test_jvm_flags_with_absurd_numbers() -> None:
    loc = Location("x", 1, 1)
    (xmx,) = heap_settings("-Xmx" + "9" * 400 + "g", "JAVA_OPTS", loc)
    assert xmx.heap == HUGE
    verdict = heap_verdict([xmx], 1024**3)
    assert verdict is not None and verdict.fills_limit
    (pct,) = heap_settings("-XX:MaxRAMPercentage=" + "9" * 400, "JAVA_OPTS", loc)
    assert heap_verdict([pct], HUGE) is not None
    assert heap_settings("-XX:MaxRAMFraction=" + LONG, "JAVA_OPTS", loc)[0].percent == 100 / HUGE
    assert human_size(HUGE).endswith("g") and human_bytes(HUGE).endswith("Gi")
