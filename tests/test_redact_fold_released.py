"""Redaction keeps the case-folded copy of a text only while that text's passes run:
after a large text (a bundle, a whole report) nothing of it stays referenced."""

from __future__ import annotations

from infradoctor import redact


def test_the_folded_copy_is_released_after_the_passes() -> None:
    big = ("DB_PASSWORD=hunter2secret\n" + "server_name example.com;\n" * 2000) * 4
    shown = redact.redact_text(big)
    assert "hunter2secret" not in shown and shown.count("\n") == big.count("\n")
    assert redact._last_folded == ("", "")


def test_non_ascii_texts_are_folded_and_released_too() -> None:
    text = "DB_PAſSWORD_URL=x\nAPI_TOKEN=abcdefghijklmnop1234\n" + "é\n" * 400
    shown = redact.redact_text(text)
    assert "abcdefghijklmnop1234" not in shown
    assert redact._last_folded == ("", "")
