"""Redaction of evidence bundles before anything is written or printed.

Bundles travel (tickets, chat, another machine), so collectors call `redact_bundle` before
returning, the CLI again before saving and after loading a bundle (`--from`), and every
reporter only ever sees redacted data. The policy itself (what is a secret, what stays)
lives in `infradoctor.redact`, shared with lint and fix output; this module applies it to
bundle members: JSON members structurally (`Config.Env` by name, `Cmd`/`Args` as argv,
secret-named keys), everything else as text.

Bot tokens are replaced by a short SHA-256 fingerprint (`[REDACTED:bot-token:<12 hex>]`) so
the bot-conflict analyzer can still tell "two containers run the same bot" without the
token.
"""

from __future__ import annotations

import json
from typing import Any

from infradoctor.redact import redact_json, redact_text
from infradoctor.syntax.jsondoc import loads_bounded


def _decode(data: bytes) -> str:
    return data.decode("utf-8", "surrogateescape")


def _encode(text: str) -> bytes:
    return text.encode("utf-8", "surrogateescape")


def redact_bytes(path: str, data: bytes) -> bytes:
    """Redact one bundle member by its type (JSON structurally, anything else as text)."""
    text = _decode(data)
    if path.endswith(".json"):
        try:
            obj = loads_bounded(text)
        except ValueError:
            return _encode(redact_text(text))
        return json.dumps(redact_json(obj), indent=1, sort_keys=True, default=str).encode()
    return _encode(redact_text(text))


def redact_bundle(bundle: Any) -> None:
    """Redact every file, the metadata and collector errors of a Bundle, in place."""
    for path in list(bundle.files):
        bundle.files[path] = redact_bytes(path, bundle.files[path])
    bundle.meta.update(redact_json(dict(bundle.meta)))
    for status in bundle.collectors:
        if status.error:
            status.error = redact_text(status.error)


__all__ = ["redact_bundle", "redact_bytes"]
