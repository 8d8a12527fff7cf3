"""infradoctor.lazyre: a pattern compiles at its first use, answers as `re.compile` would,
and the module global naming it becomes the compiled pattern."""

from __future__ import annotations

import re
import types

import pytest

from infradoctor.lazyre import lazy


def _module(source: str) -> types.ModuleType:
    """A throwaway module whose globals hold lazy patterns, as a real module's do."""
    module = types.ModuleType("lazyre_probe")
    module.__dict__["lazy"] = lazy
    exec(source, module.__dict__)  # noqa: S102 - test-local source
    return module


def test_compiles_on_first_use_and_rebinds_the_global(monkeypatch: pytest.MonkeyPatch) -> None:
    compiled: list[str] = []
    real = re.compile

    def counting(pattern: str, flags: int = 0) -> re.Pattern[str]:
        compiled.append(pattern)
        return real(pattern, flags)

    monkeypatch.setattr(re, "compile", counting)
    mod = _module(
        "WORD = lazy(r'(?P<w>[a-z]+)-(\\d+)', 0)\ndef first(text):\n    return WORD.search(text)\n"
    )
    assert compiled == []  # defining it compiles nothing
    assert not isinstance(mod.WORD, re.Pattern)
    m = mod.first("xx abc-12 yy")
    assert m is not None and m.group("w") == "abc" and m.group(2) == "12"
    assert compiled == [r"(?P<w>[a-z]+)-(\d+)"]
    assert isinstance(mod.WORD, re.Pattern)  # the module now holds the real pattern
    assert mod.first("q-1") is not None
    assert compiled == [r"(?P<w>[a-z]+)-(\d+)"]  # compiled once


def test_a_stand_in_kept_elsewhere_answers_like_the_compiled_pattern() -> None:
    held = (lazy(r"(?i)b(a)r"),)  # in a tuple: nothing to rebind
    real = re.compile(r"(?i)b(a)r")
    text = "foo BAR bar"
    pattern = held[0]
    assert [m.span() for m in pattern.finditer(text)] == [m.span() for m in real.finditer(text)]
    assert pattern.sub("x", text) == real.sub("x", text)
    assert pattern.subn("x", text) == real.subn("x", text)
    assert pattern.split(text) == real.split(text)
    assert pattern.findall(text) == real.findall(text)
    assert pattern.fullmatch("bar") is not None and pattern.match("xbar") is None
    assert (pattern.pattern, pattern.flags, pattern.groups) == (
        real.pattern,
        real.flags,
        real.groups,
    )
    assert pattern.groupindex == real.groupindex
    with pytest.raises(AttributeError):
        pattern.no_such_attribute  # noqa: B018


def test_flags_are_kept() -> None:
    pattern = lazy(r"^b$", re.MULTILINE | re.IGNORECASE)
    assert pattern.findall("a\nB\nc") == ["B"]


def test_a_bad_pattern_fails_at_first_use() -> None:
    pattern = lazy(r"(unclosed")
    with pytest.raises(re.error):
        pattern.search("x")
