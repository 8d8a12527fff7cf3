"""Typed finding subjects shared by several rules (`Finding.detail`): a compose
service, a Dockerfile. A rule with more to say subclasses one in its own module; the
dict view (`Finding.data`, what fixers read) lists its fields."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from infradoctor.findings import subject_dict


@dataclass(frozen=True, slots=True)
class ServiceSubject:
    """A compose service, by name within its project (what `FixContext.service` finds)."""

    service: str
    project: str

    def to_dict(self) -> dict[str, Any]:
        return subject_dict(self)


@dataclass(frozen=True, slots=True)
class DockerfileSubject:
    """A Dockerfile, by its path relative to the scan root."""

    dockerfile: str

    def to_dict(self) -> dict[str, Any]:
        return subject_dict(self)
