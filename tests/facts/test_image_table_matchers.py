"""The image table's row matchers (a set lookup for literal rows, a regex for globs)
answer as the one regex per row they replaced: `^(?:a|b*)$`."""

from __future__ import annotations

import re

from infradoctor.facts import image_table as table


def _by_regex(tail: str) -> table.ImageFacts | None:
    for row in table.image_table():
        rx = "^(?:" + "|".join(table._glob(m) for m in row.match) + ")$"
        if re.match(rx, tail):
            return row
    return None


def _by_matchers(tail: str) -> table.ImageFacts | None:
    for matches, row in table._matchers():
        if matches(tail):
            return row
    return None


def test_matchers_agree_with_one_regex_per_row() -> None:
    names = [m for row in table.image_table() for m in row.match]
    tails = [
        *(m.replace("*", "x") for m in names),
        *(m.replace("*", "") + "\n" for m in names),  # `$` matches before a final newline
        *(m + "\n\n" for m in names),
        *("acme/" + m for m in names),
        *(m.upper() for m in names),
        "",
        "\n",
        "grafana/loki",
        "grafana/",
        "percona-server",
        "prom/node-exporter",
        "bitnami/redis",
    ]
    assert any(_by_regex(t) is not None for t in tails)
    assert [t for t in tails if _by_regex(t) is not _by_matchers(t)] == []
