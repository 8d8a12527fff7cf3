"""nginx loader (stub until implemented)."""

from __future__ import annotations

from collections.abc import Sequence

from infradoctor.loaders.files import SourceReader
from infradoctor.model.nginx import NginxConfig
from infradoctor.model.source import LoadError, SourceFile


def load_nginx_configs(
    sources: Sequence[SourceFile], reader: SourceReader
) -> tuple[list[NginxConfig], list[LoadError]]:
    """Parse every nginx file; files included by another one are spliced into it, the
    rest become roots of their own NginxConfig."""
    return [], []
