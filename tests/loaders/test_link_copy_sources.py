"""Linking a Dockerfile's COPY sources to nginx configs stays linear: the third long
mutation-fuzz round (bench/fuzz.py, issue 7) found a COPY listing 500,000 sources made a
Path per source. Counts work, never times it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from tests.conftest import write_tree

from infradoctor.loaders import link, load_stack


def _copy_stack(tmp_path: Path, sources: list[str]) -> Any:
    files = {
        "compose.yaml": "services:\n  web:\n    build: .\n    image: nginx:1.25\n",
        "Dockerfile": "FROM nginx:1.25\nCOPY " + " ".join(sources) + " /etc/nginx/\n",
        "nginx.conf": "events {}\nhttp { server { listen 80; } }\n",
    }
    return load_stack(write_tree(tmp_path / "s", files))


class _CountingPath:
    """Stands in for pathlib.Path in link.py and counts the objects made."""

    calls = 0

    def __new__(cls, *args: Any) -> Any:
        _CountingPath.calls += 1
        return Path(*args)


def test_copy_sources_cost_no_path_each(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """5,000 distinct sources: claims are strings, not a Path object per source."""
    stack = _copy_stack(tmp_path, [f"f{i}" for i in range(5000)])
    project = stack.projects[0]
    svc = project.services["web"]
    _CountingPath.calls = 0
    monkeypatch.setattr(link, "Path", _CountingPath)
    claims = link._carry_claims(stack, project, svc)
    assert len(claims) == 5000
    assert _CountingPath.calls < 10


def test_repeated_copy_source_is_one_claim(tmp_path: Path) -> None:
    """`COPY nginx.conf nginx.conf ... /etc/nginx/` claims the file once, and the config
    is still attached to the service that copies it."""
    stack = _copy_stack(tmp_path, ["nginx.conf"] * 3000)
    project = stack.projects[0]
    claims = link._carry_claims(stack, project, project.services["web"])
    assert len(claims) == 1
    assert project.nginx_service.get("nginx.conf") == "web"
