"""Link step (stub until implemented): Dockerfiles to services, nginx configs to
projects, what each service listens on, and nginx proxy targets to services."""

from __future__ import annotations

from infradoctor.model.stack import Stack


def link(stack: Stack) -> None:
    return None
