"""The curated image table (data/images.toml): what popular images do by themselves.

One source of truth for the user an image runs as, whether it defines a HEALTHCHECK,
its default ports and whether it waits for its database. Every fact carries its source;
a fact missing from the table is unknown, and rules must say so instead of asserting."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from functools import cache
from typing import Any

from infradoctor.records import record

ROOT = "root"
DROPS = "drops"  # the entrypoint switches to a service user (gosu, su-exec, s6)
NON_ROOT = "non-root"  # the image sets a non-root USER
USERS = frozenset({ROOT, DROPS, NON_ROOT})


class ImageTableError(ValueError):
    """A malformed row in data/images.toml (a packaging bug, caught by the tests)."""


@record(frozen=True)
class ImageFacts:
    """One row of the table. None means unknown."""

    name: str
    match: tuple[str, ...]
    user: str | None = None
    healthcheck: bool | None = None
    ports: tuple[int, ...] = ()
    ports_key: str | None = None
    web_server: bool = False
    waits_for_dependency: bool | None = None
    # the documented HTTP endpoint answering "ready for traffic" (path, port): a
    # readinessProbe can use it without guessing
    ready_path: str | None = None
    ready_port: int | None = None
    sources: tuple[tuple[str, str], ...] = ()

    @property
    def drops_root(self) -> bool:
        return self.user in (DROPS, NON_ROOT)

    def source(self, fact: str) -> str | None:
        return dict(self.sources).get(fact)


FACT_SOURCES = {
    "user": "source_user",
    "healthcheck": "source_healthcheck",
    "ports": "source_ports",
    "waits_for_dependency": "source_waits",
    "ready_path": "source_ready",
}


def _row(raw: dict[str, Any], index: int) -> ImageFacts:
    """Validate one [[image]] table: every stated fact needs its source."""
    name = raw.get("name")
    match = raw.get("match")
    if not isinstance(name, str) or not isinstance(match, list) or not match:
        raise ImageTableError(f"images.toml: row {index} needs `name` and a `match` list")
    for fact, key in FACT_SOURCES.items():
        if raw.get(fact) not in (None, [], ()) and not raw.get(key):
            raise ImageTableError(f"images.toml: {name}: `{fact}` has no `{key}`")
    user = raw.get("user")
    if user is not None and user not in USERS:
        raise ImageTableError(f"images.toml: {name}: user {user!r} not in {sorted(USERS)}")
    sources = tuple((f, str(raw[k])) for f, k in FACT_SOURCES.items() if raw.get(k))
    return ImageFacts(
        name=name,
        match=tuple(str(m) for m in match),
        user=user,
        healthcheck=raw.get("healthcheck"),
        ports=tuple(int(p) for p in raw.get("ports", ())),
        ports_key=raw.get("ports_key"),
        web_server=bool(raw.get("web_server", False)),
        waits_for_dependency=raw.get("waits_for_dependency"),
        ready_path=_ready_path(name, raw),
        ready_port=int(raw["ready_port"]) if raw.get("ready_port") else None,
        sources=sources,
    )


def _ready_path(name: str, raw: dict[str, Any]) -> str | None:
    path = raw.get("ready_path")
    if path is None:
        return None
    if not isinstance(path, str) or not path.startswith("/") or not raw.get("ready_port"):
        raise ImageTableError(f"images.toml: {name}: `ready_path` needs a /path and `ready_port`")
    return path


@cache
def image_table() -> tuple[ImageFacts, ...]:
    """The rows in file order, from the module generated from images.toml (cached
    bytecode: parsing the TOML cost every lint process ~9 ms with tomllib's import)."""
    from infradoctor.data.images_table import ROWS

    return tuple(_row(raw, i) for i, raw in enumerate(ROWS))


def _glob(pattern: str) -> str:
    """`bitnami/*` -> a regex where `*` stays inside one path segment."""
    return r"[\w.-]*".join(re.escape(p) for p in pattern.split("*"))


@cache
def _matchers() -> tuple[tuple[Callable[[str], bool], ImageFacts], ...]:
    """Per row, in file order, whether a path matches it: a regex for the rows with a
    glob, a set lookup for the ~90 literal rows (compiling a regex each cost more than
    the lookups of a whole lint)."""
    out: list[tuple[Callable[[str], bool], ImageFacts]] = []
    for row in image_table():
        if any("*" in m for m in row.match):
            rx = re.compile("^(?:" + "|".join(_glob(m) for m in row.match) + ")$")
            out.append((functools.partial(_regex, rx), row))
        else:
            out.append((functools.partial(_literal, frozenset(row.match)), row))
    return tuple(out)


def _regex(rx: re.Pattern[str], tail: str) -> bool:
    return rx.match(tail) is not None


def _literal(names: frozenset[str], tail: str) -> bool:
    """`^(?:name|...)$` for literal names (`$` also matches before a final newline)."""
    return tail in names or (tail[-1:] == "\n" and tail[:-1] in names)


@cache
def _row_index() -> tuple[dict[str, int], re.Pattern[str] | None, tuple[int, ...]]:
    """The literal names -> their first row's position, and one regex for the glob rows:
    alternative k (capture group k + 1) is the glob row at position `positions[k]`, so a
    match names the first glob row that matches. A miss costs a dict lookup and a regex."""
    literal: dict[str, int] = {}
    alternatives: list[str] = []
    positions: list[int] = []
    for i, row in enumerate(image_table()):
        if any("*" in m for m in row.match):
            alternatives.append("(^(?:" + "|".join(_glob(m) for m in row.match) + ")$)")
            positions.append(i)
        else:
            for name in row.match:
                literal.setdefault(name, i)
    globs = re.compile("|".join(alternatives)) if alternatives else None
    return literal, globs, tuple(positions)


def first_row(tail: str) -> ImageFacts | None:
    """The first row in file order whose matcher accepts `tail` (as `_matchers` walked
    in turn)."""
    literal, globs, positions = _row_index()
    best = literal.get(tail)
    if best is None and tail[-1:] == "\n":
        best = literal.get(tail[:-1])
    m = globs.match(tail) if globs is not None else None
    if m is not None and m.lastindex is not None:
        i = positions[m.lastindex - 1]
        if best is None or i < best:
            return image_table()[i]
    return image_table()[best] if best is not None else None


@cache
def lookup_path(path: str, mirrors: bool = True) -> ImageFacts | None:
    """The row for a repository path (`bitnami/redis`, `postgres`). With `mirrors`, a
    path that keeps an upstream path at its end (`oss/bitnami/redis`) matches too, the
    longest matching tail first (so `bitnami/redis` is bitnami's, not redis's)."""
    parts = path.split("/")
    tails = [path]
    if mirrors:
        # a one-word official name is only a mirror's tail under a longer path
        # (`oss/library/postgres`), not `dockercloud/haproxy`, another image entirely
        tails += [
            "/".join(parts[i:])
            for i in range(1, len(parts))
            if len(parts) - i > 1 or len(parts) > 2 or row_is_legacy(parts[-1])
        ]
    for tail in tails:
        row = first_row(tail)
        if row is not None:
            return row
    return None


# One-word names the old non-root pattern matched under any namespace (`acme/postgres`);
# kept so the root findings do not change for them.
LEGACY_SUFFIX_NAMES = frozenset(
    "postgres redis mysql mariadb mongo rabbitmq memcached elasticsearch kibana logstash "
    "sonarqube zookeeper cassandra couchdb neo4j consul vault solr adminer emqx "
    "eclipse-mosquitto telegraf kong odoo clickhouse".split()
)


def row_is_legacy(name: str) -> bool:
    return name in LEGACY_SUFFIX_NAMES or name.startswith("percona")


@cache
def port_rows() -> tuple[ImageFacts, ...]:
    """Rows with default ports, in file order (the first matching needle wins); built
    once (every distinct image of a stack scans them)."""
    return tuple(row for row in image_table() if row.ports and row.ports_key)
