"""Redaction passes whose matches lie in one line and hold a literal (`redact._matches`,
`_sub_lines`, `_sub_assign`) search only the lines holding it: the result equals a search
of the whole text (on generated text with the characters case-insensitive patterns fold
to ASCII letters, and on the corpus), and a large config text is searched in a small part.
A long text's trigger words are found one first letter at a time, the same set as before.
"""

from __future__ import annotations

import random
import re

import pytest

from infradoctor import redact
from tests.conftest import bench_synth, require_corpus

# secrets, their literals in odd cases and the characters that fold to ASCII letters under
# re.IGNORECASE (`ſ` s, Kelvin sign k, `İ` / `ı` i), glued at random
FRAGMENTS = (
    "proxy_set_header ",
    "proxy_ſet_header ",
    "add_header ",
    "Authorization ",
    "AUTHORIZATION: ",
    "Cookie ",
    "\u212aey",
    "X-Api-\u212aey: ",
    '"authorization": "',
    "Bearer ",
    "baſic ",
    "set $api_token ",
    "ſecret ",
    "secure_link_md5 ",
    "ENV ",
    "arg ",
    "ARG DB_PASSWORD ",
    "İDENTİFİED BY '",
    "ıdentıfıed by ",
    "paſsword ",
    "PASSWORD '",
    "DB_PASSWORD=",
    "db_pass: ",
    "API_KEY=",
    "token: ",
    "[REDACTED:bot-token:abc]",
    "[REDACTED]",
    "postgres://u:",
    "HTTPS://",
    "@db:5432",
    "user:pw@host",
    "hunter2",
    "s3cr3tValue123",
    "'",
    '"',
    ";",
    " ",
    "\n",
    "\n  ",
    "- ",
    "|",
    "name: ",
    "value: ",
    "İ",
    "é",
    "x",
)


def _texts(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choice(FRAGMENTS) for _ in range(rng.randint(1, 24))) for _ in range(count)]


def _whole(text: str, words: tuple[str, ...]) -> list[tuple[int, int]]:
    return [(0, len(text))] if text else []


def _compare(texts: list[str], monkeypatch: pytest.MonkeyPatch) -> int:
    spans = [redact._redact(t) for t in texts]
    with monkeypatch.context() as m:
        m.setattr(redact, "_line_spans", _whole)  # every pass searches the whole text
        whole = [redact._redact(t) for t in texts]
    assert [t for t, a, b in zip(texts, spans, whole, strict=True) if a != b] == []
    return sum(a != t for a, t in zip(whole, texts, strict=True))


def test_line_spans_keep_every_mask_on_generated_text(monkeypatch: pytest.MonkeyPatch) -> None:
    texts = _texts(4000, 19)
    assert _compare(texts, monkeypatch) > 1500  # the generator reaches the passes
    assert sum(not t.isascii() for t in texts) > 1000  # and the folding characters


def test_line_spans_keep_every_mask_on_the_corpus(monkeypatch: pytest.MonkeyPatch) -> None:
    texts: list[str] = []
    for path in sorted(require_corpus().rglob("*")):
        if path.is_file() and path.stat().st_size < 200_000:
            try:
                texts.append(path.read_text(encoding="utf-8"))
            except (UnicodeDecodeError, OSError):
                continue
    assert len(texts) > 1000
    assert _compare(texts, monkeypatch) > 50


def test_folded_keeps_offsets_and_folds_what_ignorecase_folds() -> None:
    text = "İx ſ \u212a ı ÄB\nPASS"  # `İ`.lower() is two characters: offsets would move
    folded = redact._folded(text)
    assert len(folded) == len(text)
    assert folded == "ix s k i Äb\npass"  # other letters stay: no pattern word has them
    for ch in {c for c in text if not c.isascii()}:
        letters = [a for a in "abcdefghijklmnopqrstuvwxyz" if re.fullmatch("(?i)" + a, ch)]
        assert folded[text.index(ch)] == (letters[0] if letters else ch)


def test_line_spans_are_whole_lines_merged() -> None:
    text = "a key\nb\nc KEY key\nd key\n\nkey"
    assert redact._line_spans(text.lower(), ("key",)) == [(0, 6), (8, 24), (25, 28)]
    assert redact._line_spans("none here", ("key",)) == []


def test_flag_scan_matches_the_word_split() -> None:
    """The look-behind of `_FLAG_TOKEN` skips what the scan used to skip in Python: a `-`
    inside a word and a lone `-`."""
    breaks = set("\"',;|&[]()`")
    words = re.compile(r"-[^\s\"',;|&\[\]()`]*+")
    rng = random.Random(7)
    pieces = ("-", "--", "a", "-p", "db-mysql", " ", "\n", '"', "(", "é", "\u2028", "=x", ";")
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 12)))
        expected = [
            m.group()
            for m in words.finditer(text)
            if len(m.group()) > 1
            and not (
                (before := text[m.start() - 1 : m.start()])
                and not before.isspace()
                and before not in breaks
            )
        ]
        assert [m.group() for m in redact._FLAG_TOKEN.finditer(text)] == expected, text


def test_a_large_config_is_searched_in_a_small_part(monkeypatch: pytest.MonkeyPatch) -> None:
    synth = bench_synth()
    secrets = (
        '    proxy_set_header Authorization "Bearer abcdefgh12345678";\n'
        '    set $api_token "s3cr3tValue";\n'
    )
    nginx = synth.nginx_text(100) + "server {\n" + secrets + "}\n"
    compose = synth.compose_text(100) + "      DB_PASSWORD: hunter2hunter2\n"
    searched: list[tuple[int, int]] = []  # (characters in the spans, of the text)
    real = redact._line_spans

    def spans(text: str, words: tuple[str, ...]) -> list[tuple[int, int]]:
        found = real(text, words)
        searched.append((sum(e - s for s, e in found), len(text)))
        return found

    monkeypatch.setattr(redact, "_line_spans", spans)
    shown = redact._redact(nginx)
    assert 'proxy_set_header Authorization "[REDACTED]";' in shown
    assert 'set $api_token "[REDACTED]";' in shown
    assert len(searched) >= 6  # header, secret directive, bearer, assign, URLs, YAML keys
    assert sum(s for s, _ in searched) * 5 < sum(n for _, n in searched)
    searched.clear()
    assert "DB_PASSWORD: [REDACTED]" in redact._redact(compose)
    assert len(searched) >= 3  # Dockerfile ENV, assign, URLs
    assert sum(s for s, _ in searched) * 5 < sum(n for _, n in searched)


def _all_triggers(low: str) -> set[str]:
    found: set[str] = set()
    m = redact._ANY_TRIGGER.search(low)
    while m is not None:
        found.add(m.group())
        m = redact._ANY_TRIGGER.search(low, m.start() + 1)
    return found


def test_trigger_words_by_first_letter_find_the_same_words() -> None:
    """A long text's trigger words are found one first character at a time: the same set
    as the one search for all of them (overlapping words included: `keyj`, `sessalt`)."""
    from tests.test_redact_gate import FRAGMENTS as GATE_FRAGMENTS

    rng = random.Random(3)
    pieces = (*GATE_FRAGMENTS, *FRAGMENTS, "keyj", "tokenv", "sessalt", "xoxtrabackup", "aidaiza")
    texts = ["".join(rng.choice(pieces) for _ in range(rng.randint(1, 200))) for _ in range(800)]
    corpus = require_corpus()
    texts += [p.read_text(errors="replace") for p in sorted(corpus.glob("*/docker-compose*.y*ml"))]
    lows = [t.lower() for t in texts]
    assert sum(len(low) > redact._SHORT_TRIGGER_TEXT for low in lows) > 500
    for low in lows:
        assert redact._trigger_words_by_letter(low) == _all_triggers(low), low[:200]
        assert redact._trigger_words(low) == _all_triggers(low)
