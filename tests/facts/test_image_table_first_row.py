"""`first_row` (a dict of literal names plus one regex for the glob rows) picks the row the walk over
every row's matcher in file order picks."""

from __future__ import annotations

from infradoctor.facts import image_table as table


def _walk(tail: str) -> table.ImageFacts | None:
    for matches, row in table._matchers():
        if matches(tail):
            return row
    return None


def test_first_row_agrees_with_walking_every_matcher() -> None:
    names = [m for row in table.image_table() for m in row.match]
    tails = [
        *names,
        *(m.replace("*", "x") for m in names),
        *(m.replace("*", "") + "\n" for m in names),
        *(m + "\n\n" for m in names),
        *("acme/" + m for m in names),
        *(m.upper() for m in names),
        "",
        "\n",
        "grafana/loki",
        "bitnami/redis",
        "bitnami/postgresql",
        "percona-server",
    ]
    assert sum(_walk(t) is not None for t in tails) > len(names)
    assert [t for t in tails if table.first_row(t) is not _walk(t)] == []


def test_a_literal_row_before_a_matching_glob_row_wins() -> None:
    """Rows overlap (`grafana/loki` is a row and matches the later `grafana/*`): the
    earlier row in the file wins, as when every matcher was walked in turn."""
    literal = table._row_index()[0]
    globs = [(j, m) for j, (m, row) in enumerate(table._matchers()) if "*" in "".join(row.match)]
    overlaps = [name for name, i in literal.items() if any(j > i and m(name) for j, m in globs)]
    assert "grafana/loki" in overlaps
    for name in overlaps:
        assert table.first_row(name) is table.image_table()[literal[name]] is _walk(name)
