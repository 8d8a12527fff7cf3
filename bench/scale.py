"""Benchmark: does lint (and fix) time grow linearly with the input?

Generates the synthetic inputs of bench/synth.py into a temporary directory and times
`infradoctor lint` on each, every run in its own process (wall time and peak RSS of that
process), all in this one run so that the numbers compare on a busy machine:

- a compose + nginx stack with N and 4N services (the 4N/N ratio should stay near 4),
- an nginx.conf with 2,000 servers,
- one compose file of about 4 MB (just under the loader's 4 MiB cap),
- a Kubernetes multi-document file with K and 4K workloads.

    .venv/bin/python bench/scale.py                   # N=400, K=1000, text output
    .venv/bin/python bench/scale.py --format json     # JSON: every fix computed
    .venv/bin/python bench/scale.py --fix             # also `fix --diff` on the stacks
    .venv/bin/python bench/scale.py --compare /tmp/old/src   # same cases, another tree

`--compare SRC` runs every case a second time with PYTHONPATH=SRC (e.g. a `git archive`
of an older commit's tree) and prints both columns side by side.

Not part of the test suite: tests never time things (tests/test_bench_scale.py only
runs it with tiny sizes so that it does not rot)."""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import synth  # noqa: E402  (bench/ is not a package)

COMPOSE_4MB_SERVICES = 19_500  # ~4.0 MB with synth.compose_text, under the 4 MiB cap


@dataclass
class Case:
    name: str
    kind: str  # synth kind
    n: int
    command: str = "lint"  # lint | fix


@dataclass
class Measure:
    seconds: float | None  # None: timed out
    rss_mb: float
    code: int
    cpu: float = 0.0  # user + system seconds of the child (steadier on a busy machine)


def run(command: list[str], env: dict[str, str], timeout: float) -> Measure:
    """Run `command`, discard its output; wall time and the child's own peak RSS."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        command,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = start + timeout
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            elapsed = time.perf_counter() - start
            proc.returncode = os.waitstatus_to_exitcode(status)
            cpu = usage.ru_utime + usage.ru_stime
            return Measure(elapsed, usage.ru_maxrss / 1024, proc.returncode, cpu)
        if time.perf_counter() > deadline:
            os.killpg(proc.pid, signal.SIGKILL)
            _, status, usage = os.wait4(proc.pid, 0)
            proc.returncode = -9
            return Measure(None, usage.ru_maxrss / 1024, -9)
        time.sleep(0.02)


def command_for(case: Case, root: Path, fmt: str) -> list[str]:
    if case.command == "fix":
        return [sys.executable, "-m", "infradoctor", "fix", str(root), "--diff", "-q"]
    return [sys.executable, "-m", "infradoctor", "lint", str(root), "--format", fmt]


def size_kb(root: Path) -> float:
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file()) / 1024


def fmt_seconds(m: Measure | None, timeout: float) -> str:
    if m is None:
        return "-"
    return f">{timeout:.0f}" if m.seconds is None else f"{m.seconds:.2f}"


def ratio(a: Measure | None, b: Measure | None) -> str:
    if a is None or b is None or a.seconds is None or b.seconds is None or not a.seconds:
        return "-"
    cpu = f" (CPU {b.cpu / a.cpu:.2f}x)" if a.cpu and b.cpu else ""
    return f"{b.seconds / a.seconds:.2f}x{cpu}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=400, help="services of the small stack")
    parser.add_argument("--k8s", type=int, default=1000, help="workloads of the small k8s file")
    parser.add_argument("--nginx-servers", type=int, default=2000)
    parser.add_argument("--compose-services", type=int, default=COMPOSE_4MB_SERVICES)
    parser.add_argument("--format", choices=("text", "json", "sarif", "github"), default="text")
    parser.add_argument("--fix", action="store_true", help="also time `fix --diff`")
    parser.add_argument("--compare", metavar="SRC", help="also run with PYTHONPATH=SRC")
    parser.add_argument("--timeout", type=float, default=600, help="seconds per run")
    args = parser.parse_args(argv)

    cases = [
        Case("stack N", "stack", args.n),
        Case("stack 4N", "stack", 4 * args.n),
        Case("nginx servers", "nginx", args.nginx_servers),
        Case("compose ~4MB", "compose", args.compose_services),
        Case("k8s K", "k8s", args.k8s),
        Case("k8s 4K", "k8s", 4 * args.k8s),
    ]
    if args.fix:
        cases += [
            Case("fix stack N", "stack", args.n, "fix"),
            Case("fix stack 4N", "stack", 4 * args.n, "fix"),
            Case("fix nginx", "nginx", args.nginx_servers, "fix"),
        ]
    here = Path(__file__).resolve().parents[1]
    trees = {"this": os.environ.get("PYTHONPATH", str(here / "src"))}
    if args.compare:
        trees["compare"] = str(Path(args.compare).resolve())

    results: dict[tuple[str, str], Measure] = {}
    with tempfile.TemporaryDirectory(prefix="infradoctor-scale-") as tmp:
        inputs: dict[tuple[str, int], Path] = {}
        for case in cases:
            key = (case.kind, case.n)
            if key not in inputs:
                inputs[key] = synth.write(Path(tmp) / f"{case.kind}-{case.n}", case.kind, case.n)
        header = f"{'case':<14} {'n':>6} {'KB':>6} {'s':>8} {'CPU s':>7} {'RSS MB':>7}"
        if args.compare:
            header += f" | {'compare':>8} {'CPU s':>7} {'RSS MB':>7}"
        print(header)
        for case in cases:
            root = inputs[(case.kind, case.n)]
            row = f"{case.name:<14} {case.n:>6} {size_kb(root):>6.0f}"
            for label, path in trees.items():
                env = dict(os.environ, PYTHONPATH=path)
                m = run(command_for(case, root, args.format), env, args.timeout)
                results[(case.name, label)] = m
                sep = " |" if label != "this" else ""
                row += f"{sep} {fmt_seconds(m, args.timeout):>8} {m.cpu:>7.2f} {m.rss_mb:>7.0f}"
            print(row, flush=True)
    print()
    for label in trees:
        pairs = [("stack 4N / N", "stack N", "stack 4N"), ("k8s 4K / K", "k8s K", "k8s 4K")]
        if args.fix:
            pairs.append(("fix stack 4N / N", "fix stack N", "fix stack 4N"))
        text = ", ".join(
            f"{name} {ratio(results.get((a, label)), results.get((b, label)))}"
            for name, a, b in pairs
        )
        print(f"growth ({label}): {text}")
    if args.compare:
        speedups = ", ".join(
            f"{c.name} {ratio(results[(c.name, 'this')], results[(c.name, 'compare')])}"
            for c in cases
        )
        print(f"compare / this: {speedups}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
