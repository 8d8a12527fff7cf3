"""Dockerfile facts: stage chains and ENV values, one version for rules, fixes and loaders."""

from __future__ import annotations

from infradoctor.model.stack import Dockerfile, Stage
from infradoctor.syntax.numbers import digits_value
from infradoctor.syntax.shell import split_words


def stage_named(df: Dockerfile, name: str, before: Stage) -> Stage | None:
    """An earlier stage referenced by name or index (`FROM builder`, `COPY --from=0`)."""
    name = name.strip().lower()
    earlier: list[Stage] = []
    for st in df.stages:
        if st is before:
            break
        earlier.append(st)
    for st in reversed(earlier):
        if st.name and st.name.lower() == name:
            return st
    index = digits_value(name)
    if index is not None and index < len(earlier):
        return earlier[index]
    return None


def target_stage(df: Dockerfile, target: str | None) -> Stage | None:
    """The stage that runs: `build.target` when it names a stage, else the last one."""
    if target is not None:
        wanted = target.strip().lower()
        for st in reversed(df.stages):
            if st.name and st.name.lower() == wanted:
                return st
    return df.final


def stage_chain(
    df: Dockerfile | None, target: str | None = None, stage: Stage | None = None
) -> list[Stage]:
    """The stage that runs (`stage`, else `build.target`, else the last) and the earlier
    stages it is built FROM (by name or index), nearest first."""
    if df is None or not df.stages:
        return []
    current = stage or target_stage(df, target)
    chain: list[Stage] = []
    seen: set[int] = set()
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        chain.append(current)
        current = stage_named(df, current.base_image, current)
    return chain


def _legacy_value(rest: str) -> str:
    """Docker takes the rest of the line, whitespace kept, quotes and escapes processed."""
    if '"' not in rest and "'" not in rest and "\\" not in rest:
        return rest
    return " ".join(split_words(rest))


def parse_env(value: str) -> list[tuple[str, str]]:
    """Pairs of `ENV A=1 B="two words"` or the legacy `ENV A some value`. In the key=value
    form a word without `=` sets nothing (Docker rejects it)."""
    text = value.strip()
    if not text:
        return []
    first = text.split(None, 1)
    if "=" not in first[0]:
        return [(first[0], _legacy_value(first[1].strip()) if len(first) > 1 else "")]
    pairs: list[tuple[str, str]] = []
    for w in split_words(text):
        k, sep, v = w.partition("=")
        if k and sep:
            pairs.append((k, v))
    return pairs


def env_values(value: str) -> dict[str, str]:
    """`parse_env` as a mapping (a later assignment wins, as in Docker)."""
    return dict(parse_env(value))
