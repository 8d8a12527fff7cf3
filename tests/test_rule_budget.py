"""Each rule has a wall-clock budget per run: a rule that overruns gives up with a
`timeout` error entry naming the rule and the file it was working on, keeps the findings
it yielded before, and every other rule still runs."""

from __future__ import annotations

import json
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from infradoctor import engine
from infradoctor.cli.main import main
from infradoctor.config import LintConfig
from infradoctor.engine import RuleTimeout, lint, run_rules
from infradoctor.findings import Finding, Severity
from infradoctor.model.stack import Service, Stack
from infradoctor.rules.base import Rule
from infradoctor.rules.registry import all_rules
from tests.report import fakes

COMPOSE = """\
services:
  api:
    image: ghcr.io/acme/api:1.2.3
  worker:
    image: ghcr.io/acme/worker:1.2.3
"""


class _SlowRule(Rule):
    """Test-only: reports the first service, then spins on the second one."""

    code = "TST900"
    name = "slow-rule"
    title = "A deliberately slow rule"
    severity = Severity.WARNING
    category = "availability"
    why = "Exercises the engine's time budget."
    how_to_fix = "Nothing to fix."

    def check(self, stack: Stack) -> Iterator[Finding]:
        services = sorted(stack.services, key=lambda s: s.name)
        yield self.finding(services[0].location, f"first: {services[0].name}")
        yield from self._spin(services[1])

    def _spin(self, svc: Service) -> Iterator[Finding]:
        # The rule budget is a wall-clock feature, so this spin is about wall time: it
        # must outlast the 0.5 s budget by far, whatever the load (a 300 s hang guard).
        # Without the alarm it ends and yields "never reached", which the tests reject.
        deadline = time.perf_counter() + 300
        while time.perf_counter() < deadline:  # busy, never yields: only the alarm stops it
            try:
                sum(range(1000))
            except Exception:  # noqa: BLE001 - a rule's broad except must not swallow it
                pass
        yield self.finding(svc.location, "never reached")


class _SlowYieldingRule(_SlowRule):
    """Test-only: yields a finding every 50 ms for a long time (the step check's case)."""

    code = "TST901"
    name = "slow-yielding-rule"

    def _spin(self, svc: Service) -> Iterator[Finding]:
        for i in range(600):
            time.sleep(0.05)
            yield self.finding(svc.location, f"tick {i}")


def _catalogue(*extra: type[Rule]) -> tuple[type[Rule], ...]:
    return (*all_rules(), *extra)


def _stack(tmp_path: Path) -> Path:
    root = tmp_path / "stack"
    root.mkdir()
    (root / "docker-compose.yml").write_text(COMPOSE)
    return root


def _check_result(errors: list, findings: list[Finding], code: str) -> None:
    timeouts = [e for e in errors if e.kind == "timeout"]
    assert len(timeouts) == 1, errors
    err = timeouts[0]
    assert err.file == "docker-compose.yml" and err.line == 4  # the `worker:` key
    assert err.message.startswith(f"rule {code} gave up on file docker-compose.yml after ")
    assert not [e for e in errors if e.kind == "internal"]
    mine = [f for f in findings if f.rule == code]
    assert mine and mine[0].message == "first: api"  # findings before the budget are kept
    assert "never reached" not in {f.message for f in mine}
    # the other rules ran, before and after the slow one
    assert {"CMP001", "CMP002", "SEC001"} <= {f.rule for f in findings}


def test_alarm_stops_a_rule_that_never_yields(tmp_path: Path, monkeypatch) -> None:
    fakes.install(monkeypatch, _catalogue(_SlowRule))
    result = lint(_stack(tmp_path), LintConfig(rule_time_budget=0.5))
    # No duration check: without the alarm the spin ends by itself (see _spin) and
    # _check_result fails on the missing timeout entry and the "never reached" finding.
    _check_result(result.errors, result.findings, "TST900")
    assert signal.getsignal(signal.SIGALRM) == signal.SIG_DFL  # handler restored
    assert signal.getitimer(signal.ITIMER_REAL)[0] == 0


def test_outside_the_main_thread_the_budget_is_checked_between_findings(
    tmp_path: Path, monkeypatch
) -> None:
    fakes.install(monkeypatch, _catalogue(_SlowYieldingRule))
    root = _stack(tmp_path)
    out: list = []
    worker = threading.Thread(
        target=lambda: out.append(lint(root, LintConfig(rule_time_budget=0.5)))
    )
    worker.start()
    worker.join(300)  # a hang guard, far past any loaded run
    assert out, "lint did not finish"
    result = out[0]
    _check_result(result.errors, result.findings, "TST901")
    ticks = [f for f in result.findings if f.message.startswith("tick")]
    assert 0 < len(ticks) < 100


def test_a_foreign_alarm_is_left_alone(tmp_path: Path, monkeypatch) -> None:
    """With SIGALRM already in use (a test-timeout plugin, an embedding program) the
    engine does not touch it and falls back to checking between findings."""
    fakes.install(monkeypatch, _catalogue(_SlowYieldingRule))
    fired: list[int] = []
    old = signal.signal(signal.SIGALRM, lambda signum, frame: fired.append(signum))
    try:
        result = lint(_stack(tmp_path), LintConfig(rule_time_budget=0.5))
        assert signal.getsignal(signal.SIGALRM) not in (signal.SIG_DFL, None)
    finally:
        signal.signal(signal.SIGALRM, old)
    _check_result(result.errors, result.findings, "TST901")
    assert not fired


def test_run_rules_api_and_unlimited_budget(tmp_path: Path) -> None:
    from infradoctor.loaders import load_stack

    stack = load_stack(_stack(tmp_path))

    class Quick(_SlowYieldingRule):
        def _spin(self, svc: Service) -> Iterator[Finding]:
            for i in range(3):
                time.sleep(0.05)
                yield self.finding(svc.location, f"tick {i}")

    findings, errors = run_rules(stack, [Quick()], time_budget=0)
    assert errors == [] and len(findings) == 4
    findings, errors = run_rules(stack, [Quick()], time_budget=0.01)
    assert [e.kind for e in errors] == ["timeout"]
    assert issubclass(RuleTimeout, BaseException) and not issubclass(RuleTimeout, Exception)


def test_cli_reports_the_timeout_and_exits_1(tmp_path: Path, monkeypatch, capsys) -> None:
    fakes.install(monkeypatch, _catalogue(_SlowRule))
    monkeypatch.setattr(engine, "RULE_TIME_BUDGET", 0.5)
    code = main(["lint", str(_stack(tmp_path)), "--format", "json", "--select", "TST900"])
    doc = json.loads(capsys.readouterr().out)
    assert code == 1
    (err,) = doc["errors"]
    assert err["kind"] == "timeout" and err["file"] == "docker-compose.yml"
    assert "rule TST900 gave up on file docker-compose.yml after" in err["message"]
    assert [f["message"] for f in doc["findings"]] == ["first: api"]
