"""The name hint that lets redaction skip its name-driven passes (`_sub_assign`,
`_sub_yaml`) must hold for every name `is_secret_name` calls secret: otherwise a secret
would be printed."""

from __future__ import annotations

import random

import pytest

from infradoctor import redact
from infradoctor.redact import _NAME_HINT, _SECRET_WORDS, is_secret_name, redact_text

FRAGMENTS = (
    "pass",
    "pa",
    "ss",
    "word",
    "pw",
    "pwd",
    "key",
    "ke",
    "y",
    "secret",
    "sec",
    "ret",
    "token",
    "tok",
    "en",
    "cred",
    "ential",
    "dsn",
    "private",
    "salt",
    "cookie",
    "signature",
    "api",
    "conn",
    "str",
    "ing",
    "database",
    "url",
    "auth",
    "n",
    "z",
    "orization",
    "sess",
    "ion",
    "id",
    "monkey",
    "nopasswd",
    "public",
    "_",
    "-",
    ".",
    "X",
    "Db",
    "Session",
)


def _names(count: int) -> list[str]:
    rng = random.Random(8)
    out = []
    for _ in range(count):
        parts = [rng.choice(FRAGMENTS) for _ in range(rng.randint(1, 5))]
        name = "".join(parts)
        out.append(name.upper() if rng.random() < 0.3 else name)
    return out


def test_every_secret_name_carries_the_hint() -> None:
    names = [*_SECRET_WORDS, *(w.lower() for w in _SECRET_WORDS), *_names(20000)]
    secret = [n for n in names if n.isascii() and is_secret_name(n)]
    assert len(secret) > 1000  # the generator reaches the secret names
    assert [n for n in secret if not _NAME_HINT.search(n.lower())] == []


def test_texts_without_the_hint_skip_the_name_passes(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    monkeypatch.setattr(redact, "_sub_assign", lambda t: calls.append(t) or t)
    monkeypatch.setattr(redact, "_sub_yaml", lambda t: calls.append(t) or t)
    redact._redact("logging:\n  driver: json-file\n  options:\n    max-size: 10m\n")
    assert calls == []
    redact._redact("environment:\n  DB_PASSWORD: x\n")
    assert len(calls) == 2


def test_non_ascii_names_are_still_judged() -> None:
    # `ſ` matches `s` in the case-insensitive secret-word patterns, not in `.lower()`
    assert is_secret_name("PAſSWORD")
    assert redact_text("paſsword: |\n  hunter2\n") == "paſsword: |\n  [REDACTED]\n"
    assert redact_text("x: 1\npaſsword: |\n  hunter2\n") == "x: 1\npaſsword: |\n  [REDACTED]\n"
    assert redact._may_name_secret("paſsword: |")


def test_bot_token_hint_and_flag_gate_keep_every_mask() -> None:
    secret = "AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw1"
    for digits in ("123456", "123456789012", "١٢٣٤٥٦٧"):  # \d: any Unicode digit
        text = f"token: {digits}:{secret}"
        assert redact._BOT_TOKEN_HINT.search(text)
        assert secret not in redact_text(text)
    # a secret word inside a `-flag` is found only where a `-` occurs
    assert "hunter2" not in redact_text("app --db-password hunter2")
    assert redact._command_triggers("app password hunter2") == []
