"""`_dollar_lines` (found with str.find) yields the lines a split on `\\n` would keep."""

from __future__ import annotations

import random

from infradoctor.facts.varrefs import _dollar_lines


def _by_split(text: str) -> list[tuple[int, str]]:
    return [(n, line) for n, line in enumerate(text.split("\n"), start=1) if "$" in line]


def test_dollar_lines_match_a_split_on_newlines() -> None:
    rng = random.Random(8)
    texts = ["", "$", "\n$", "$\n", "a\n\nb $X\r\nc\n$$\n", "x: ${A}\n# $B\n"]
    texts += [
        "".join(rng.choice("ab$\n\r #") for _ in range(rng.randint(0, 60))) for _ in range(500)
    ]
    assert sum(len(_by_split(t)) for t in texts) > 500
    assert [t for t in texts if list(_dollar_lines(t)) != _by_split(t)] == []
