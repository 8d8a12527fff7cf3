"""The gate that lets redaction return an ASCII text untouched when none of its passes'
trigger words occurs (`redact._ANY_TRIGGER`) must never skip a text a pass would change:
redaction with the gate equals redaction without it, on the corpus and on generated text."""

from __future__ import annotations

import random

import pytest

from infradoctor import redact
from tests.conftest import require_corpus

# pieces of trigger words, secrets and ordinary text, glued at random
FRAGMENTS = (
    "pass",
    "word",
    "PASSWORD",
    "tok",
    "en",
    "_TOKEN",
    "key",
    "api",
    "-key",
    "secret",
    "auth",
    "orization",
    "Bearer ",
    "basic ",
    "digest ",
    "cookie",
    "proxy_set_header ",
    "add_header ",
    "Authorization: ",
    "mysql -p",
    "redis-cli -a ",
    "curl -u ",
    "sshpass -p ",
    "htpasswd -b f u ",
    "docker login -p ",
    "mongo -p ",
    "--password ",
    "--db-pass=",
    "IDENTIFIED BY '",
    "postgres://u:",
    "@db:5432",
    "user:pw@host",
    "${DB_PASS:-",
    "}",
    "ENV ",
    "ARG ",
    "AKIA",
    "ABCDEFGHIJKLMNOP",
    "ghp_",
    "sk-",
    "xoxb-",
    "hf_",
    "eyJ",
    "abcdefghijklmnopqrstuvwxyz0123456789",
    "123456789:",
    "AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw1",
    "-----BEGIN PRIVATE KEY-----\n",
    "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n",
    "-----END PRIVATE KEY-----",
    "hunter2",
    "=",
    ": ",
    ":",
    " ",
    "\n",
    "\n  ",
    "- ",
    "'",
    '"',
    "service 'web' ",
    "healthcheck:\n  test: ",
    "logging:\n  driver: json-file\n",
    "x",
)


def _texts(count: int) -> list[str]:
    rng = random.Random(6)
    return ["".join(rng.choice(FRAGMENTS) for _ in range(rng.randint(1, 8))) for _ in range(count)]


def _ungated(monkeypatch: pytest.MonkeyPatch) -> None:
    # every text runs in full: every pass's own hint decides
    monkeypatch.setattr(redact, "_trigger_words", lambda low: set(redact._MIN_TRIGGERS))


def _compare(texts: list[str], monkeypatch: pytest.MonkeyPatch) -> int:
    gated = [redact._redact(t) for t in texts]
    with monkeypatch.context() as m:
        _ungated(m)
        full = [redact._redact(t) for t in texts]
    assert [i for i, (a, b) in enumerate(zip(gated, full, strict=True)) if a != b] == []
    return sum(a != t for a, t in zip(full, texts, strict=True))


def test_gate_keeps_every_mask_on_generated_text(monkeypatch: pytest.MonkeyPatch) -> None:
    texts = _texts(6000)
    changed = _compare(texts, monkeypatch)
    assert changed > 1000  # the generator reaches the passes
    skipped = [t for t in texts if not redact._ANY_TRIGGER.search(t.lower())]
    assert len(skipped) > 100  # and the gate is exercised


def test_gate_keeps_every_mask_on_the_corpus(monkeypatch: pytest.MonkeyPatch) -> None:
    corpus = require_corpus()
    texts: list[str] = []
    for path in sorted(corpus.rglob("*")):
        if path.is_file() and path.stat().st_size < 200_000:
            try:
                text = path.read_text(encoding="utf-8")
            except (UnicodeDecodeError, OSError):
                continue
            texts.append(text)
            texts.extend(text.split("\n")[:200])
    assert len(texts) > 10_000
    assert _compare(texts, monkeypatch) > 100


def test_plain_text_skips_every_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    monkeypatch.setattr(redact, "_sub_tokens", lambda t: calls.append(t) or t)
    monkeypatch.setattr(redact, "_sub_commands", lambda t: calls.append(t) or t)
    text = "service 'web' has no restart policy: a crash leaves it down (set restart: always)"
    assert redact._redact(text) is text
    assert calls == []
    assert redact._redact("restart: always # password") is not None
    assert calls == []  # a secret word, but no flag to take it and no token shape
    assert redact._redact("restart: always # --password x") is not None
    assert len(calls) == 1  # a secret flag: the command scan runs
    assert redact._redact("restart: always # --password x ghp_") is not None
    assert len(calls) == 3  # and a token kind's literal: both run
