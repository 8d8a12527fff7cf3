"""listen.image_ports on a long image name: the third long mutation-fuzz round found a
1 MB image name scanned once per well-known image. Counts work, never times it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from infradoctor.facts import listen
from infradoctor.loaders import load_stack
from tests.conftest import write_tree


class _CountingPattern:
    def __init__(self, pattern: re.Pattern[str]) -> None:
        self.pattern = pattern
        self.calls = 0

    def search(self, text: str) -> re.Match[str] | None:
        self.calls += 1
        return self.pattern.search(text)


def test_image_name_scanned_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A long unknown image name is searched for admin/exporter words once, not once per
    entry of the well-known image table."""
    name = "s1" + "a" * 10_000
    root = write_tree(tmp_path / "s", {"compose.yaml": f"services:\n  api:\n    image: {name}\n"})
    svc = load_stack(root).projects[0].services["api"]
    counting = _CountingPattern(listen.NOT_THE_SERVER_RE)
    monkeypatch.setattr(listen, "NOT_THE_SERVER_RE", counting)
    assert listen.image_ports(svc) is None
    assert counting.calls == 1


def test_image_ports_still_known(tmp_path: Path) -> None:
    """The single scan keeps the answers: a table image has its ports, an admin UI none."""
    root = write_tree(
        tmp_path / "s",
        {"compose.yaml": "services:\n  db:\n    image: postgres:16\n  ui:\n    image: redis-ui\n"},
    )
    services = load_stack(root).projects[0].services
    found = listen.image_ports(services["db"])
    assert found is not None and 5432 in found[0]
    assert listen.image_ports(services["ui"]) is None
