"""CMP007's work grows linearly with a project's published ports (it compared every
pair of port entries: quadratic). Work is counted in lines run, never timed."""

from __future__ import annotations

from pathlib import Path

from infradoctor.loaders import LoadOptions, load_stack
from infradoctor.model.stack import Stack
from infradoctor.rules.compose.CMP007_host_port_published_twice import HostPortPublishedTwice
from tests.worktally import assert_linear, lines_run


def _stack(root: Path, n: int, clash_every: int = 0) -> Stack:
    """One project of `n` services, each publishing its own host port (and, with
    `clash_every`, every that many services also the port of the service before)."""
    body = []
    for i in range(n):
        ports = [f'"{10000 + i}:80"']
        if clash_every and i and i % clash_every == 0:
            ports.append(f'"{10000 + i - 1}:81"')
        body.append(f"  s{i}:\n    image: acme/s:1\n    ports: [{', '.join(ports)}]\n")
    directory = root / f"n{n}-{clash_every}"
    directory.mkdir()
    (directory / "docker-compose.yml").write_text("services:\n" + "".join(body))
    return load_stack(directory, LoadOptions())


def test_cmp007_work_is_linear_in_ports(tmp_path: Path) -> None:
    stacks = {n: _stack(tmp_path, n) for n in (60, 240)}
    rule = HostPortPublishedTwice()
    small, large = assert_linear(lambda n: list(rule.check(stacks[n])), 60)
    assert large > small  # the count measures the rule, not a constant


def test_cmp007_clashes_found_at_scale(tmp_path: Path) -> None:
    stack = _stack(tmp_path, 200, clash_every=10)
    found, _ = lines_run(lambda: list(HostPortPublishedTwice().check(stack)))
    assert [(f.subject, f.data["port"], f.data["other_service"]) for f in found] == [
        (f"s{i}", 10000 + i - 1, f"s{i - 1}") for i in range(10, 200, 10)
    ]


def test_cmp007_ranges_meet_single_ports_and_ranges(tmp_path: Path) -> None:
    (tmp_path / "docker-compose.yml").write_text(
        "services:\n"
        '  a:\n    image: acme/a:1\n    ports: ["7000-7010:7000-7010", "9000:9000/udp"]\n'
        '  b:\n    image: acme/b:1\n    ports: ["7005:80", "9000:9000"]\n'
        '  c:\n    image: acme/c:1\n    ports: ["6990-7001:6990-7001"]\n'
        '  d:\n    image: acme/d:1\n    ports: ["100-200:100-200", "8000:8000"]\n'
        '  e:\n    image: acme/e:1\n    ports: ["150:150"]\n'
        '  f:\n    image: acme/f:1\n    ports: ["8000-8010:80"]\n'
        '  g:\n    image: acme/g:1\n    ports: ["8011-8020:80", "8005-8020:81"]\n'
    )
    found = list(HostPortPublishedTwice().check(load_stack(tmp_path, LoadOptions())))
    assert [(f.subject, f.data["port"], f.data["other_service"]) for f in found] == [
        ("b", 7005, "a"),
        ("c", 7000, "a"),
        ("c", 7001, "a"),
        ("e", 150, "d"),
        ("f", 8000, "d"),
        ("g", 8005, "f"),
    ]
