"""JSON decoding with a nesting bound.

`json.loads` recurses once per nesting level and raises RecursionError (not ValueError)
on input like `[[[[...`; code that walks the decoded value recursively (redaction, shape
checks) would hit the limit even earlier. `loads_bounded` refuses documents nested deeper
than `max_depth` with a ValueError (json.JSONDecodeError's base class), found by one
linear, non-recursive scan before decoding, so callers only ever catch ValueError.
"""

from __future__ import annotations

import json
import re
from typing import Any

MAX_JSON_DEPTH = 100  # real documents (docker inspect, package.json, bundles) nest < 20

_TOKENS = re.compile(r'"(?:[^"\\]++|\\.)*+"?|[\[\]{}]', re.DOTALL)


def json_depth(text: str) -> int:
    """The deepest bracket nesting of a JSON text (strings skipped); an over-estimate
    for invalid JSON, which the decoder then rejects anyway."""
    if text.count("[") + text.count("{") == 0:
        return 0
    depth = deepest = 0
    for m in _TOKENS.finditer(text):
        ch = m.group()[0]
        if ch == "[" or ch == "{":
            depth += 1
            if depth > deepest:
                deepest = depth
        elif ch == "]" or ch == "}":
            depth = max(0, depth - 1)
    return deepest


def loads_bounded(text: str | bytes, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """`json.loads(text)`, but a document nested deeper than `max_depth` raises
    ValueError instead of RecursionError (and is never handed to the decoder)."""
    # latin-1 maps bytes 1:1, and brackets and quotes are ASCII in UTF-8: exact enough
    scan = text.decode("latin-1") if isinstance(text, bytes | bytearray) else text
    if scan.count("[") + scan.count("{") > max_depth and json_depth(scan) > max_depth:
        raise ValueError(f"JSON nested deeper than {max_depth} levels")
    try:
        return json.loads(text)
    except RecursionError:  # defensive: a deep call stack at the caller
        raise ValueError("JSON nested too deeply") from None


__all__ = ["MAX_JSON_DEPTH", "json_depth", "loads_bounded"]
