"""Dockerfile loader (stub until implemented)."""

from __future__ import annotations

from infradoctor.model.source import LoadError, SourceFile
from infradoctor.model.stack import Dockerfile


def load_dockerfile(src: SourceFile) -> tuple[Dockerfile | None, list[LoadError]]:
    return None, []
