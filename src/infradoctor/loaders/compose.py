"""Compose loader (stub until implemented)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from infradoctor.loaders.files import SourceReader
from infradoctor.model.source import LoadError, SourceFile
from infradoctor.model.stack import Project


def load_compose_projects(
    sources: Sequence[SourceFile],
    reader: SourceReader,
    *,
    explicit_files: Sequence[str] = (),
    env: Mapping[str, str] | None = None,
    profiles: Sequence[str] = (),
) -> tuple[list[Project], list[LoadError]]:
    """Group compose files into projects (base + overrides per directory, or the explicit
    `-f` list), merge, interpolate and normalise them into Services."""
    return [], []
