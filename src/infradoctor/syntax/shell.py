"""POSIX-shell-like word splitting that never raises and runs in linear time.

`split_words` gives the same words as the standard library's
`shlex.shlex(text, posix=True)` with `whitespace_split = True` (and `punctuation_chars` =
`operators`, `commenters` = "#" when `comments` else ""), which is what the loaders and
rules used before. It differs where shlex gives up or is slow:

* an unterminated quote does not raise: the rest of the text is the last word, quotes
  removed (what `sh` would have read had the quote been closed at the end);
* a trailing escape character is kept as a literal backslash;
* words are built from slices, not one character at a time (shlex grows its token with
  `+=` on an attribute, which is quadratic on a multi-megabyte word).

No recursion anywhere: callers that re-split quoted scripts (`sh -c "..."`) do it with
an explicit work list and a depth bound.
"""

from __future__ import annotations

import re
from functools import lru_cache

from infradoctor.lazyre import lazy

WHITESPACE = " \t\r\n"  # shlex's whitespace (not \v, \f or Unicode spaces)


@lru_cache(maxsize=16)
def _plain_run(operators: str, comments: bool) -> re.Pattern[str]:
    """A run of characters that only extend the current word."""
    special = WHITESPACE + "'\"\\" + operators + ("#" if comments else "")
    return re.compile("[^" + re.escape(special) + "]+")


@lru_cache(maxsize=16)
def _simple_words(operators: str) -> re.Pattern[str]:
    """Words and operator runs of text without quotes, escapes or comments."""
    ws = re.escape(WHITESPACE)
    if not operators:
        return re.compile(f"[^{ws}]+")
    ops = re.escape(operators)
    return re.compile(f"[{ops}]+|[^{ws}{ops}]+")


_NEEDS_LEXER = lazy(r"['\"\\]")
_DQ_STOP = lazy(r'["\\]')


def split_words(
    text: str, operators: str = "", *, comments: bool = False, max_words: int | None = None
) -> list[str]:
    """Words of `text`. Runs of `operators` characters are words of their own (`&&`,
    `;`, `|`, `()` with operators=";&|()"); with `comments`, `#` starts a comment that
    runs to the end of the line (anywhere outside quotes, as in shlex). With `max_words`,
    splitting stops after that many words (the rest of the text is not read)."""
    limit = max_words if max_words is not None else len(text) + 1
    if not _NEEDS_LEXER.search(text) and not (comments and "#" in text):
        # no quotes or escapes: one regex
        pattern = _simple_words(operators)
        if max_words is None:
            return pattern.findall(text)
        return [m.group() for _, m in zip(range(limit), pattern.finditer(text), strict=False)]
    words: list[str] = []
    plain = _plain_run(operators, comments)
    n = len(text)
    i = 0
    while i < n and len(words) < limit:
        c = text[i]
        if c in WHITESPACE:
            i += 1
            continue
        if comments and c == "#":
            nl = text.find("\n", i)
            i = n if nl < 0 else nl + 1
            continue
        if c in operators:
            j = i + 1
            while j < n and text[j] in operators:
                j += 1
            words.append(text[i:j])
            i = j
            continue
        # A word: plain runs, quoted parts and escapes until whitespace/operator/comment.
        parts: list[str] = []
        quoted = False
        while i < n:
            c = text[i]
            if c in WHITESPACE or c in operators:
                break
            if comments and c == "#":
                nl = text.find("\n", i)
                i = n if nl < 0 else nl + 1
                break
            if c == "\\":
                if i + 1 < n:
                    parts.append(text[i + 1])
                    i += 2
                else:  # a trailing escape: keep it literally
                    parts.append("\\")
                    i += 1
                continue
            if c == "'":
                quoted = True
                close = text.find("'", i + 1)
                if close < 0:  # unterminated: the rest is this word
                    parts.append(text[i + 1 :])
                    i = n
                else:
                    parts.append(text[i + 1 : close])
                    i = close + 1
                continue
            if c == '"':
                quoted = True
                i = _double_quoted(text, i + 1, parts)
                continue
            m = plain.match(text, i)
            if m is None:  # defensive: every other character is plain
                parts.append(c)
                i += 1
                continue
            parts.append(m.group())
            i = m.end()
        if parts or quoted:
            words.append("".join(parts))
    return words


def _double_quoted(text: str, i: int, parts: list[str]) -> int:
    """Append the body of a double-quoted string starting at `i` (after the opening quote)
    to `parts`; return the offset after the closing quote (or the end of the text).
    Inside, a backslash escapes only `"` and `\\`; before anything else it stays."""
    n = len(text)
    while i < n:
        m = _DQ_STOP.search(text, i)
        if m is None:  # unterminated: the rest is this word
            parts.append(text[i:])
            return n
        parts.append(text[i : m.start()])
        if m.group() == '"':
            return m.end()
        j = m.end()  # after the backslash
        if j >= n:
            parts.append("\\")
            return n
        nxt = text[j]
        parts.append(nxt if nxt in '"\\' else "\\" + nxt)
        i = j + 1
    return n


__all__ = ["WHITESPACE", "split_words"]
