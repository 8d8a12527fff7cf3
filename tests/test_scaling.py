"""Lint and fix work grows linearly with the input (issues 7 and 8).

No timing here: the work is counted. The loaded stack's collections are swapped for
counting ones (every element an iteration yields is tallied), `Directive.walk` counts
the directives it visits, and a few per-service / per-edit helpers count their calls.
For the synthetic inputs of bench/synth.py at N and 4N, every tally may grow at most
4.5x: a rule or fixer that scans a whole tree, project or config once per finding grows
16x and fails, whatever the machine's speed."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from infradoctor.config import LintConfig
from infradoctor.engine import lint
from infradoctor.loaders import load_stack
from infradoctor.model.nginx import Directive
from infradoctor.model.stack import Stack

REPO = Path(__file__).resolve().parents[1]
GROWTH = 4.5  # allowed tally(4N) / tally(N)


def _bench_module(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"bench_{name}", REPO / "bench" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


synth = _bench_module("synth")


class CountingList(list[Any]):
    """A list that tallies every element iterated over, under `label`."""

    def __init__(self, items: Any, label: str, tally: Counter[str]) -> None:
        super().__init__(items)
        self.label, self.tally = label, tally

    def __iter__(self) -> Iterator[Any]:
        self.tally[self.label] += len(self)
        return super().__iter__()


class CountingDict(dict[Any, Any]):
    """A dict that tallies every key, value or item iterated over, under `label`."""

    def __init__(self, items: Any, label: str, tally: Counter[str]) -> None:
        super().__init__(items)
        self.label, self.tally = label, tally

    def _count(self) -> None:
        self.tally[self.label] += len(self)

    def __iter__(self) -> Iterator[Any]:
        self._count()
        return super().__iter__()

    def values(self) -> Any:
        self._count()
        return super().values()

    def items(self) -> Any:
        self._count()
        return super().items()


def instrument(stack: Stack, tally: Counter[str]) -> None:
    """Swap the stack's collections that rules and fixers look things up in."""
    for project in stack.projects:
        project.services = CountingDict(project.services, "project.services", tally)
        project.targets = CountingList(project.targets, "project.targets", tally)
        project.nginx = CountingList(project.nginx, "project.nginx", tally)
    for cfg in stack.nginx:
        cfg.routes = CountingList(cfg.routes, "config.routes", tally)
        cfg.upstreams = CountingDict(cfg.upstreams, "config.upstreams", tally)
    stack.nginx = CountingList(stack.nginx, "stack.nginx", tally)
    stack.k8s = CountingList(stack.k8s, "stack.k8s", tally)
    stack.files = CountingDict(stack.files, "stack.files", tally)
    stack.dockerfiles = CountingDict(stack.dockerfiles, "stack.dockerfiles", tally)


def count_calls(
    monkeypatch: pytest.MonkeyPatch, tally: Counter[str], owner: Any, name: str
) -> None:
    original: Callable[..., Any] = getattr(owner, name)

    def counted(*args: Any, **kwargs: Any) -> Any:
        tally[f"{getattr(owner, '__name__', owner)}.{name}"] += 1
        return original(*args, **kwargs)

    monkeypatch.setattr(owner, name, counted)


def lint_work(root: Path, monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """The tallies of one lint of `root` with every fix computed (as JSON, SARIF and
    `fix` need them)."""
    from infradoctor.fixes import apply as apply_module
    from infradoctor.loaders import link as link_module
    from infradoctor.rules.kubernetes import _guess as k8s001
    from infradoctor.syntax import nginx as syntax_nginx

    tally: Counter[str] = Counter()
    with monkeypatch.context() as patch:
        count_calls(patch, tally, Directive, "walk")  # counts every directive visited
        count_calls(patch, tally, link_module, "is_web_server_service")
        count_calls(patch, tally, link_module, "ProjectNames")
        count_calls(patch, tally, syntax_nginx, "is_nginx_t_dump")
        count_calls(patch, tally, k8s001, "_score")
        count_calls(patch, tally, apply_module, "_conflicts")
        stack = load_stack(root)
        instrument(stack, tally)
        result = lint(root, LintConfig(), stack=stack)
        fixes = [f.fix for f in result.findings]
    assert result.findings
    assert any(fixes) or not (stack.projects or stack.nginx), "compose/nginx inputs have fixes"
    tally["findings"] = len(result.findings)
    return tally


def assert_linear(small: Counter[str], big: Counter[str]) -> None:
    assert big["findings"] >= 3 * small["findings"], "4N should have about 4x the findings"
    grown = {
        key: (small[key], big[key])
        for key in sorted(set(small) | set(big))
        if big[key] > GROWTH * max(small[key], 1)
    }
    assert not grown, f"work grew faster than the input (N -> 4N): {grown}"


@pytest.mark.parametrize(
    ("kind", "n"),
    [("stack", 15), ("confd", 15), ("nginx", 40), ("compose", 40), ("k8s", 40)],
)
def test_lint_work_grows_linearly(
    kind: str, n: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    small = lint_work(synth.write(tmp_path / "small", kind, n), monkeypatch)
    big = lint_work(synth.write(tmp_path / "big", kind, 4 * n), monkeypatch)
    assert_linear(small, big)


def test_whole_file_checks_run_once_per_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`nginx -T` detection (is the edited file a dump?) is asked once per nginx file,
    not once per fix; the compose DNS index once per project, not once per target."""
    small = lint_work(synth.write(tmp_path / "small", "confd", 10), monkeypatch)
    big = lint_work(synth.write(tmp_path / "big", "stack", 40), monkeypatch)
    assert big["is_nginx_t_dump"] <= 3  # one nginx.conf: the loader and the fixers, once each
    assert small["is_nginx_t_dump"] <= 3 * 10
    assert big["infradoctor.loaders.link.ProjectNames"] == 1


def test_fix_loop_work_grows_linearly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Choosing non-overlapping fixes compares each edit with its neighbours only, and
    the diff of the fixed files does not rescan the file once per changed block."""
    from infradoctor.fixes import apply as apply_module
    from infradoctor.fixes.apply import preview_fixes
    from infradoctor.fixes.textdiff import Matcher

    scan = Matcher._scan

    def work(root: Path) -> Counter[str]:
        tally: Counter[str] = Counter()

        def counted_scan(self: Matcher, alo: int, ahi: int, blo: int, bhi: int) -> Any:
            tally["diff lines scanned"] += ahi - alo
            return scan(self, alo, ahi, blo, bhi)

        with monkeypatch.context() as patch:
            count_calls(patch, tally, apply_module, "_conflicts")
            count_calls(patch, tally, Directive, "walk")
            patch.setattr(Matcher, "_scan", counted_scan)
            run = preview_fixes(root, LintConfig())
            assert run.diff()
        assert run.applied
        tally["findings"] = sum(a.count for a in run.applied)
        return tally

    small = work(synth.write(tmp_path / "small", "stack", 15))
    big = work(synth.write(tmp_path / "big", "stack", 60))
    assert_linear(small, big)


def test_deferred_fixes_are_computed_only_when_read(tmp_path: Path) -> None:
    root = synth.write(tmp_path / "s", "stack", 5)
    result = lint(root, LintConfig())
    pending = [f for f in result.findings if f.fix_pending]
    assert pending, "fixable findings carry a deferred fix"
    first = pending[0]
    fix = first.fix
    assert not first.fix_pending and first.fix is fix  # computed once, then kept
    assert all(f.fix_pending for f in pending[1:])


def test_bench_scale_runs(tmp_path: Path) -> None:
    """bench/scale.py still runs (tiny sizes; the numbers are not looked at)."""
    out = subprocess.run(
        [
            sys.executable,
            str(REPO / "bench" / "scale.py"),
            "--n",
            "3",
            "--k8s",
            "3",
            "--nginx-servers",
            "5",
            "--compose-services",
            "5",
            "--timeout",
            "120",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    ).stdout
    assert "stack 4N" in out and "compose ~4MB" in out and "growth (this)" in out
    assert ">120" not in out
