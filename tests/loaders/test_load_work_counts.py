"""Work the load does once, counted (never timed): discovery asks a file's name
candidate once, the HCL parser runs its operator regex only where an operator can
follow, the compose loader copies the process environment once per load."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from infradoctor.loaders import discover as discover_mod
from infradoctor.loaders.compose import load_compose_projects
from infradoctor.loaders.files import SourceReader
from infradoctor.model.source import FileKind, SourceFile
from infradoctor.syntax import hcl


def test_discovery_asks_each_name_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for i in range(5):
        d = tmp_path / f"s{i}"
        d.mkdir()
        (d / "compose.yaml").write_text("services:\n  a:\n    image: x\n")
        (d / "nginx.conf").write_text("events {}\nhttp { server { listen 80; } }\n")
        (d / "deploy.yaml").write_text("apiVersion: v1\nkind: Service\n")
    calls: list[str] = []
    real = discover_mod.by_path_text

    def counted(text: str) -> Any:
        calls.append(text)
        return real(text)

    monkeypatch.setattr(discover_mod, "by_path_text", counted)
    found = discover_mod.discover(tmp_path)
    assert len(found.compose) == len(found.nginx) == len(found.k8s) == 5
    assert len(calls) == 15


class _CountingPattern:
    def __init__(self, pattern: re.Pattern[str]) -> None:
        self.pattern = pattern
        self.calls = 0

    def match(self, text: str, pos: int = 0) -> re.Match[str] | None:
        self.calls += 1
        return self.pattern.match(text, pos)


def test_operator_regex_only_where_an_operator_can_follow(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    counting = _CountingPattern(re.compile(r"==|!=|<=|>=|&&|\|\||[-+*%<>]|/(?![/*])"))
    monkeypatch.setattr(hcl, "_OPERATOR_RE", counting)
    plain = "".join(f'resource "t" "r{i}" {{\n  name = "n{i}"\n  n = {i}\n}}\n' for i in range(50))
    body = hcl.parse(plain)
    assert len(body) == 50 and counting.calls == 0
    mixed = 'locals {\n  a = x + 1\n  b = y == 2 ? "p" : "q"\n  c = "plain"\n}\n'
    (block,) = hcl.parse(mixed)
    assert isinstance(block, hcl.Block)
    kinds = {a.name: a.expr.kind for a in block.body if isinstance(a, hcl.Attribute)}
    assert kinds == {"a": "opaque", "b": "opaque", "c": "template"}
    assert 0 < counting.calls <= 8


class _CountingEnv(Mapping[str, str]):
    def __init__(self, values: dict[str, str]) -> None:
        self.values = values
        self.iterations = 0

    def __getitem__(self, key: str) -> str:
        return self.values[key]

    def __iter__(self) -> Iterator[str]:
        self.iterations += 1
        return iter(self.values)

    def __len__(self) -> int:
        return len(self.values)


def test_compose_copies_the_environment_once(tmp_path: Path) -> None:
    sources = []
    reader = SourceReader(tmp_path.resolve())
    for i in range(6):
        d = tmp_path / f"p{i}"
        d.mkdir()
        (d / ".env").write_text(f"TAG=v{i}\n")
        (d / "compose.yaml").write_text("services:\n  a:\n    image: x:${TAG}-${HOME_X}\n")
        src = reader.read(d / "compose.yaml", FileKind.COMPOSE)
        assert isinstance(src, SourceFile)
        sources.append(src)
    env = _CountingEnv({"HOME_X": "h"})
    projects, errors = load_compose_projects(sources, reader, env=env)
    assert errors == []
    images = sorted(s.image for p in projects for s in p.services.values())
    assert images == [f"x:v{i}-h" for i in range(6)]
    assert env.iterations == 1


def test_image_ports_scans_the_table_once_per_image(monkeypatch: pytest.MonkeyPatch) -> None:
    from infradoctor.facts import listen
    from infradoctor.model import Service
    from infradoctor.model.source import Location

    calls = 0
    real = listen.port_rows

    def counted() -> Any:
        nonlocal calls
        calls += 1
        return real()

    monkeypatch.setattr(listen, "port_rows", counted)
    listen._image_ports.cache_clear()
    at = Location("compose.yml", 1, 1)
    image = "registry.test/acme/postgres:16"
    services = [Service(f"s{i}", "p", "compose.yml", at, image=image) for i in range(40)]
    found = {listen.image_ports(s) for s in services}
    assert found == {((5432,), False)}
    assert calls == 1


def test_image_ports_keeps_no_huge_name() -> None:
    from infradoctor.facts import listen
    from infradoctor.model import Service
    from infradoctor.model.source import Location

    listen._image_ports.cache_clear()
    at = Location("compose.yml", 1, 1)
    huge = Service("s", "p", "compose.yml", at, image="postgres-" + "a" * 100_000)
    assert listen.image_ports(huge) == ((5432,), False)
    assert listen._image_ports.cache_info().currsize == 0
