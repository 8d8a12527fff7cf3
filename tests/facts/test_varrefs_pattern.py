"""The `${VAR}` pattern starts with its literal `$` (searched for, not tried at every
position) and finds what the look-behind-first pattern it replaced found."""

from __future__ import annotations

import random
import re

from infradoctor.facts.varrefs import REF_RE

LOOK_BEHIND_FIRST = re.compile(
    r"(?<!\$)\$\{(?P<name>[_a-zA-Z][_a-zA-Z0-9]*)(?:(?P<op>:?[-?+])(?P<word>[^}]*))?\}"
    r"|(?<!\$)\$(?P<bare>[_a-zA-Z][_a-zA-Z0-9]*)"
)


def _found(
    pattern: re.Pattern[str], text: str
) -> list[tuple[tuple[int, int], tuple[str | None, ...]]]:
    return [(m.span(), m.groups()) for m in pattern.finditer(text)]


def test_pattern_finds_what_the_look_behind_first_one_found() -> None:
    rng = random.Random(6)
    texts = ["$$X ${A} $B ${C:-d} ${D:?e} $${F} $1 ${ } ${G", "x: $$${H}", "$", "$$", "${"]
    texts += [
        "".join(rng.choice("$${}:-?+aZ_9 x") for _ in range(rng.randint(0, 30)))
        for _ in range(20000)
    ]
    assert REF_RE.groupindex == LOOK_BEHIND_FIRST.groupindex
    assert sum(len(_found(LOOK_BEHIND_FIRST, t)) for t in texts) > 10000
    assert [t for t in texts if _found(REF_RE, t) != _found(LOOK_BEHIND_FIRST, t)] == []
