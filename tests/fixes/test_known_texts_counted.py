"""The texts the edit checks remember are bounded in number and characters as before,
with the characters counted as texts come and go (`remember` no longer sums every held
text: a pass over many files was quadratic)."""

from __future__ import annotations

import pytest

from infradoctor.fixes import yaml_edit as ye


def _held_chars() -> int:
    return sum(map(len, ye._KNOWN))


def test_characters_are_counted_through_replacement_eviction_and_clear(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ye._KNOWN.clear()
    monkeypatch.setattr(ye, "_KNOWN_CHARS", 100)
    monkeypatch.setattr(ye, "_KNOWN_MAX", 5)
    texts = [f"k{i}: {'x' * (i * 7)}\n" for i in range(12)]
    for i, text in enumerate(texts):
        ye.remember(text, ye.parse_documents(text))
        if i % 3 == 0:  # again: moved to the newest end, counted once
            ye.remember(texts[i // 2], ye.parse_documents(texts[i // 2]))
        assert ye._KNOWN.chars == _held_chars()
        assert len(ye._KNOWN) == 1 or (len(ye._KNOWN) <= 5 and _held_chars() <= 100)
        assert text in ye._KNOWN or texts[i // 2] in ye._KNOWN  # the newest stays
    big = "k: " + "y" * 300 + "\n"
    ye.remember(big, ye.parse_documents(big))  # alone over the bound: kept alone
    assert list(ye._KNOWN) == [big] and ye._KNOWN.chars == len(big)
    ye._KNOWN.clear()
    assert ye._KNOWN.chars == 0 and ye.known_documents(big) is None


def test_remember_reads_no_other_text(monkeypatch: pytest.MonkeyPatch) -> None:
    """Work counted: remembering a text iterates over no held text but the oldest."""
    ye._KNOWN.clear()
    for i in range(50):
        ye.remember(f"a{i}: 1\n", ())
    iterations = 0
    real_iter = ye._Known.__iter__

    def counted(self: ye._Known) -> object:
        nonlocal iterations
        iterations += 1
        return real_iter(self)

    monkeypatch.setattr(ye._Known, "__iter__", counted)
    ye.remember("b: 2\n", ())
    assert iterations == 0 and ye._KNOWN.chars == _held_chars()
