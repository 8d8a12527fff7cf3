"""SHA-256 from the interpreter's builtin module: `import hashlib` loads OpenSSL first
(~2.5 ms of a JSON lint's start-up, spent on a few short digests). Same digests."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any


def _builtin_sha256() -> Callable[..., Any]:
    """The builtin constructor hashlib itself falls back to; hashlib's without one."""
    for name in ("_sha2", "_sha256"):  # CPython 3.12+, 3.11
        try:
            return importlib.import_module(name).sha256
        except (ImportError, AttributeError):
            continue
    import hashlib

    return hashlib.sha256


sha256 = _builtin_sha256()
