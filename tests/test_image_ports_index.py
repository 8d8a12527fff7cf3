"""facts/listen._image_ports looks rows up by needle; it must answer as the table scan
it replaced does (first matching row wins), on generated names and a huge one."""

from __future__ import annotations

import random

from infradoctor.facts import listen
from infradoctor.facts.listen import NOT_THE_SERVER_RE, image_repository, port_rows

Answer = tuple[tuple[int, ...], bool] | None


def _scan(image: str) -> Answer:
    """The reference: every row of the port table in order."""
    repo = image_repository(image)
    last = repo.rsplit("/", 1)[-1]
    tag = image.split("@", 1)[0].rsplit("/", 1)[-1]
    tag = tag.rsplit(":", 1)[1] if ":" in tag else ""
    if last == "php":
        return ((9000,), True) if "fpm" in tag else None
    not_the_server = NOT_THE_SERVER_RE.search(last) is not None
    for row in port_rows():
        needle = row.ports_key or row.name
        if "/" in needle:
            if repo == needle or repo.startswith(needle + "-"):
                return row.ports, row.web_server
            continue
        if not_the_server and needle != "mongo-express":
            continue
        if (
            last == needle
            or last.startswith(needle + "-")
            or last.endswith("-" + needle)
            or (last.startswith(needle) and needle in ("postgres", "mongo", "redis"))
        ):
            return row.ports, row.web_server
    return None


def _names(count: int) -> list[str]:
    rnd = random.Random(7)
    words = [r.ports_key or r.name for r in port_rows()]
    words += ["exporter", "admin", "ui", "cli", "web", "app", "library", "mongo-express"]
    words += ["postgresql", "redis-stack", "php", "docker.io", "localhost", "registry:5000"]
    names = []
    for _ in range(count):
        name = rnd.choice(["-", "_", ""]).join(rnd.choices(words, k=rnd.randint(1, 4)))
        if rnd.random() < 0.4:
            name = rnd.choice(words) + "/" + name
        if rnd.random() < 0.5:
            name += ":" + rnd.choice(["16", "fpm-alpine", "latest"])
        if rnd.random() < 0.1:
            name = rnd.choice(["-", ""]) + name + "-"
        names.append(name)
    return names


def test_lookup_answers_as_the_scan() -> None:
    names = _names(20_000)
    answers = [listen._image_ports.__wrapped__(n) for n in names]
    assert answers == [_scan(n) for n in names]
    assert sum(a is not None for a in answers) > 5_000  # the names do hit the table


def test_lookup_of_a_huge_dashed_name() -> None:
    huge = "postgres-" + "a-" * 50_000 + "x"
    assert listen._image_ports.__wrapped__(huge) == _scan(huge) == ((5432,), False)
