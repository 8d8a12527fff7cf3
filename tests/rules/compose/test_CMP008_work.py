"""CMP008's slow-interval check names the services waiting for a slow service: it
scanned every service of the project per slow service (quadratic). Counted in lines run."""

from __future__ import annotations

from pathlib import Path

from infradoctor.loaders import LoadOptions, load_stack
from infradoctor.model.stack import Stack
from infradoctor.rules.compose.CMP008_healthcheck_timing_invalid import HealthcheckTimingInvalid
from tests.worktally import assert_linear, lines_run


def _stack(root: Path, n: int) -> Stack:
    """`n` services checking health every 2 minutes, each waiting for the one before."""
    body = []
    for i in range(n):
        dep = f"    depends_on:\n      s{i - 1}:\n        condition: service_healthy\n" if i else ""
        body.append(
            f"  s{i}:\n    image: acme/s:1\n{dep}"
            '    healthcheck:\n      test: ["CMD", "true"]\n      interval: 2m\n'
        )
    directory = root / f"n{n}"
    directory.mkdir()
    (directory / "docker-compose.yml").write_text("services:\n" + "".join(body))
    return load_stack(directory, LoadOptions())


def test_cmp008_waiting_services_found_in_linear_work(tmp_path: Path) -> None:
    stacks = {n: _stack(tmp_path, n) for n in (40, 160)}
    rule = HealthcheckTimingInvalid()
    small, large = assert_linear(lambda n: list(rule.check(stacks[n])), 40)
    assert large > small


def test_cmp008_names_the_waiting_services(tmp_path: Path) -> None:
    found, _ = lines_run(lambda: list(HealthcheckTimingInvalid().check(_stack(tmp_path, 5))))
    slow = [f for f in found if "wait(s) for service_healthy" in f.message]
    assert [(f.subject, f.message.split(": ")[1].split(" wait")[0]) for f in slow] == [
        (f"s{i}", f"'s{i + 1}'") for i in range(4)
    ]
