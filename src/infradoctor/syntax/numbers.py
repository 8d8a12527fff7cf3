"""Total parsers for the numbers written in configuration: counts, ports, sizes, Kubernetes
quantities, JVM heap flags and durations.

Every parser here either returns a value or None ("unparseable": callers claim nothing
about it); none raises, and none returns inf or NaN. The hazards they avoid:

* `int()` of a digit string longer than Python's int/str conversion limit (4300 digits)
  raises ValueError, and the conversion is quadratic below that;
* `float()` of a long digit string or of `1e400` is inf, `int(inf)` raises OverflowError,
  and `float(nan)` makes every comparison false;
* `str.isdigit()` accepts characters `int()` rejects (`"²"`).

Numbers are read with `decimal.Decimal` from ASCII text only, and a value whose magnitude
exceeds HUGE is clamped to HUGE: a quantity that large is just "huge" (bigger than any
limit it is compared with), never a crash. Clamped values stay exact Python ints, so they
compare and format without overflow.
"""

from __future__ import annotations

import math
import re
from decimal import ROUND_DOWN, Decimal, localcontext

from infradoctor.lazyre import lazy

HUGE = 10**30  # bytes, seconds, replicas, ports: anything beyond this means "huge"
_HUGE_DIGITS = len(str(HUGE))  # 31
_SIGNIFICANT = 3 * _HUGE_DIGITS  # significant digits kept when reading a number

_DIGITS_RE = re.compile(r"[0-9]+")
_INT_RE = re.compile(r"([-+]?)0*([0-9]+)")
# A plain decimal number: digits with an optional fraction and exponent (ASCII only).
_DECIMAL_RE = re.compile(r"([-+]?)([0-9]*)(?:\.([0-9]*))?(?:[eE]([-+]?[0-9]+))?")


def clamp_int(n: int) -> int:
    """`n` limited to [-HUGE, HUGE]."""
    return HUGE if n > HUGE else -HUGE if n < -HUGE else n


def digits_value(text: str) -> int | None:
    """The value of `text` if it is ASCII digits only (`"8080"`; no sign, no spaces),
    clamped to HUGE; None otherwise."""
    if not _DIGITS_RE.fullmatch(text):
        return None
    stripped = text.lstrip("0") or "0"
    if len(stripped) > _HUGE_DIGITS:
        return HUGE
    return clamp_int(int(stripped))


def parse_int(value: object) -> int | None:
    """An integer written as an int, an integral finite float, or decimal text with an
    optional sign and surrounding whitespace (`" -3 "`); clamped to [-HUGE, HUGE].
    None for booleans, fractions, non-finite floats and anything else."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return clamp_int(value)
    if isinstance(value, float):
        if not math.isfinite(value) or not value.is_integer():
            return None
        return clamp_int(int(value))
    if not isinstance(value, str):
        return None
    m = _INT_RE.fullmatch(value.strip())
    if m is None:
        return None
    sign, digits = m.groups()
    n = HUGE if len(digits) > _HUGE_DIGITS else clamp_int(int(digits))
    return -n if sign == "-" else n


def parse_decimal(text: str) -> Decimal | None:
    """A plain decimal number (`"1.5"`, `".5"`, `"1e3"`, `"-2"`; ASCII, no spaces) as a
    finite Decimal, its magnitude clamped to HUGE (below 10**-31 it is 0)."""
    m = _DECIMAL_RE.fullmatch(text)
    if m is None:
        return None
    sign, whole, frac, exp_text = m.groups()
    frac = frac or ""
    if not whole and not frac:
        return None
    whole = whole.lstrip("0")
    if not whole and not frac.strip("0"):
        return Decimal(0)
    huge = Decimal(-HUGE if sign == "-" else HUGE)
    exponent = 0
    if exp_text is not None:
        if len(exp_text.lstrip("+-").lstrip("0")) > 9:  # 10**(+-10**9) and beyond
            return Decimal(0) if exp_text.startswith("-") else huge
        exponent = int(exp_text)
    # The power of ten of the leading digit bounds the value before building it.
    if whole:
        lead = len(whole) - 1 + exponent
    else:
        lead = -(len(frac) - len(frac.lstrip("0"))) - 1 + exponent
    if lead >= _HUGE_DIGITS:
        return huge
    if lead < -_HUGE_DIGITS:
        return Decimal(0)
    # Digits beyond the first _SIGNIFICANT cannot matter at these magnitudes: truncate
    # them so a megabyte of digits does not become a megabyte Decimal.
    digits = (whole + frac).lstrip("0")
    kept = digits[:_SIGNIFICANT]
    shift = exponent - len(frac) + (len(digits) - len(kept))
    value = Decimal(f"{sign}{kept}e{shift}")  # exact: no context rounding
    if value > HUGE:
        return Decimal(HUGE)
    if value < -HUGE:
        return Decimal(-HUGE)
    return value


def scaled_int(number: Decimal | int, factor: int | Decimal = 1) -> int:
    """`number * factor` truncated toward zero and clamped to [-HUGE, HUGE]."""
    with localcontext() as ctx:
        ctx.prec = 4 * _HUGE_DIGITS
        product = Decimal(number) * Decimal(factor)
        if product >= HUGE:
            return HUGE
        if product <= -HUGE:
            return -HUGE
        return int(product.to_integral_value(rounding=ROUND_DOWN))


def to_float(number: Decimal) -> float:
    """A clamped Decimal as a float (always finite)."""
    return float(number)


# ---------------------------------------------------------------------- sizes

DOCKER_SIZE_RE = lazy(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*([kmgt]?)(i?b?)\s*$", re.IGNORECASE)
DOCKER_UNITS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3, "t": 1024**4}


def docker_size(value: object) -> int | None:
    """Bytes of a Docker/compose size (`512m`, `1g`, `1.5GB`, `268435456`, an int);
    clamped to HUGE. None for booleans, non-finite or fractional floats' junk and text
    that is not a size."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return clamp_int(value)
    if isinstance(value, float):
        return clamp_int(int(value)) if math.isfinite(value) else None
    if not isinstance(value, str):
        return None
    m = DOCKER_SIZE_RE.match(value)
    if m is None:
        return None
    number = parse_decimal(m.group(1))
    if number is None:
        return None
    return scaled_int(number, DOCKER_UNITS[m.group(2).lower()])


K8S_QUANTITY_RE = lazy(
    r"^\s*([0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE]([0-9]+))?\s*"
    r"(Ki|Mi|Gi|Ti|Pi|Ei|k|K|M|G|T|P|E|m)?\s*$"
)
K8S_UNITS: dict[str | None, Decimal] = {
    None: Decimal(1),
    "k": Decimal(10**3),
    "K": Decimal(10**3),
    "M": Decimal(10**6),
    "G": Decimal(10**9),
    "T": Decimal(10**12),
    "P": Decimal(10**15),
    "E": Decimal(10**18),
    "Ki": Decimal(2**10),
    "Mi": Decimal(2**20),
    "Gi": Decimal(2**30),
    "Ti": Decimal(2**40),
    "Pi": Decimal(2**50),
    "Ei": Decimal(2**60),
    "m": Decimal("0.001"),
}


def k8s_quantity(text: str | None) -> int | None:
    """A Kubernetes quantity (`512Mi`, `1G`, `1e9`, `0.5`, `100m`) as an integer count of
    base units (bytes for memory), truncated and clamped to HUGE; None if not one."""
    if not text or not isinstance(text, str):
        return None
    m = K8S_QUANTITY_RE.match(text)
    if m is None:
        return None
    number = parse_decimal(m.group(1) + (f"e{m.group(2)}" if m.group(2) else ""))
    if number is None:
        return None
    return scaled_int(number, K8S_UNITS[m.group(3)])


# ---------------------------------------------------------------------- durations

GO_DURATION_PART_RE = lazy(r"([0-9]+(?:\.[0-9]+)?)(ns|us|µs|ms|s|m|h)")
GO_UNIT_NS = {
    "ns": 1,
    "us": 1_000,
    "µs": 1_000,
    "ms": 1_000_000,
    "s": 1_000_000_000,
    "m": 60_000_000_000,
    "h": 3_600_000_000_000,
}
GO_MAX_NS = 2**63 - 1  # time.Duration is an int64 of nanoseconds (~292 years)


def go_duration_ns(text: object) -> int | None:
    """Nanoseconds of a Go duration (`1m30s`, `500ms`, `0`), clamped to HUGE; None if
    the text is not one. May exceed GO_MAX_NS: see `go_duration`."""
    if isinstance(text, bool) or text is None:
        return None
    s = str(text).strip()
    if s == "0":
        return 0
    pos = 0
    total = 0
    for m in GO_DURATION_PART_RE.finditer(s):
        if m.start() != pos:
            return None
        number = parse_decimal(m.group(1))
        if number is None:
            return None
        total = clamp_int(total + scaled_int(number, GO_UNIT_NS[m.group(2)]))
        pos = m.end()
    if pos != len(s) or pos == 0:
        return None
    return total


def go_duration(text: object) -> float | None:
    """Seconds of a Go duration as Docker reads healthcheck timings; None if it is not
    one, or is longer than Go's int64 nanoseconds (~292 years), which Docker rejects."""
    ns = go_duration_ns(text)
    if ns is None or ns > GO_MAX_NS:
        return None
    return ns / 1e9


NGINX_TIME_RE = lazy(r"([0-9]+)(ms|s|m|h|d|w|M|y)?")
NGINX_TIME_MS = {
    "ms": 1,
    "s": 1000,
    "m": 60_000,
    "h": 3_600_000,
    "d": 86_400_000,
    "w": 604_800_000,
    "M": 2_592_000_000,
    "y": 31_536_000_000,
    None: 1000,
}
NGINX_MAX_MS = 2**63 - 1  # nginx refuses a time that overflows its ngx_msec_t arithmetic


def nginx_seconds(text: str) -> float | None:
    """nginx time syntax (`60`, `60s`, `1m30s`, `500ms`) in seconds; None if it is not
    one, or is too large for nginx to accept."""
    text = text.strip()
    if not text:
        return None
    pos = 0
    total = 0
    for m in NGINX_TIME_RE.finditer(text):
        if m.start() != pos:
            return None
        value = digits_value(m.group(1))
        if value is None or value >= HUGE:
            return None
        total += value * NGINX_TIME_MS[m.group(2)]
        if total > NGINX_MAX_MS:
            return None
        pos = m.end()
    if pos != len(text):
        return None
    return total / 1000


def finite_number(text: str | None) -> float | None:
    """A plain decimal number (`"30"`, `"2.5"`, `"-1"`) as a finite float clamped to
    +-HUGE; None for anything else (including `nan`, `inf` and `1_000`)."""
    if text is None:
        return None
    number = parse_decimal(text.strip())
    return None if number is None else to_float(number)


__all__ = [
    "HUGE",
    "clamp_int",
    "digits_value",
    "docker_size",
    "finite_number",
    "go_duration",
    "go_duration_ns",
    "k8s_quantity",
    "nginx_seconds",
    "parse_decimal",
    "parse_int",
    "scaled_int",
    "to_float",
]
