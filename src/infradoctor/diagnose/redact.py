"""Redaction of evidence bundles before anything is written or printed.

Bundles travel (tickets, chat, another machine), so collectors call `redact_bundle` before
returning, the CLI again before saving and after loading a bundle (`--from`), and every
reporter only ever sees redacted data. The policy and its application to bundle members
live in the neutral `infradoctor.redact`, shared with lint and fix output; this module
re-exports the bundle half for the diagnose side.

Bot tokens are replaced by a short SHA-256 fingerprint (`[REDACTED:bot-token:<12 hex>]`) so
the bot-conflict analyzer can still tell "two containers run the same bot" without the
token.
"""

from __future__ import annotations

from infradoctor.redact import redact_bundle, redact_bytes

__all__ = ["redact_bundle", "redact_bytes"]
