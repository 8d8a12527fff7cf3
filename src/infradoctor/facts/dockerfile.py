"""Dockerfile facts: stage chains and ENV values, one version for rules, fixes and loaders."""

from __future__ import annotations

from infradoctor.model.stack import Dockerfile, Stage
from infradoctor.syntax.dockerenv import arg_pairs as arg_pairs  # re-exported
from infradoctor.syntax.dockerenv import parse_env as parse_env  # re-exported
from infradoctor.syntax.numbers import digits_value


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


def env_values(value: str) -> dict[str, str]:
    """`parse_env` as a mapping (a later assignment wins, as in Docker)."""
    return dict(parse_env(value))
