"""Benchmark: `infradoctor fix TREE --diff` against `infradoctor lint TREE`, per tree.

Each command runs in its own process (interpreter start included, bytecode cached in a
temporary PYTHONPYCACHEPREFIX), lint and fix of a tree one after the other so that both
see the same load, best CPU time of --repeat; prints fix / lint (target: <= 1.6x). CPU
time, not wall time: on a shared machine wall time swings 3x.

    .venv/bin/python bench/fix_ratio.py                      # examples/* + stack N=100
    .venv/bin/python bench/fix_ratio.py TREE... [--repeat N] [--n N]
    .venv/bin/python bench/fix_ratio.py --compare /tmp/old/src   # both trees, same run

`--compare SRC` also times every tree with PYTHONPATH=SRC (e.g. a `git archive` of main),
one after the other per tree, and prints both trees' CPU seconds and ratios side by side.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import synth  # noqa: E402  (bench/ is not a package)


def cpu_of(command: list[str], env: dict[str, str]) -> float:
    """User + system seconds of one run of `command` (output discarded)."""
    proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, _, usage = os.wait4(proc.pid, 0)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    here = Path(__file__).resolve().parents[1]
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("trees", nargs="*")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--n", type=int, default=100, help="services of the synthetic stack")
    parser.add_argument("--compare", metavar="SRC", help="also run with PYTHONPATH=SRC")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="infradoctor-fixratio-") as tmp:
        env = dict(os.environ, PYTHONPYCACHEPREFIX=str(Path(tmp) / "pyc"))
        env.pop("PYTHONDONTWRITEBYTECODE", None)  # bytecode cached, as after pip install
        env.setdefault("PYTHONPATH", str(here / "src"))
        trees = [Path(t) for t in args.trees]
        if not trees:
            trees = sorted(p for p in (here / "examples").iterdir() if p.is_dir())
            trees.append(synth.write(Path(tmp) / f"stack-{args.n}", "stack", args.n))
        py = [sys.executable, "-m", "infradoctor"]
        envs = {"": env}
        if args.compare:
            envs = {"compare ": dict(env, PYTHONPATH=args.compare), "": env}
        for e in envs.values():
            cpu_of([*py, "lint", str(trees[0])], e)  # warm the bytecode cache
        head = "".join(f" {label + 'lint s':>16} {label + 'fix s':>16}" for label in envs)
        head += "".join(f" {label + 'fix/lint':>16}" for label in envs)
        print(f"{'tree':<24}{head}")
        for tree in trees:
            ratios, cpu = [], ""
            for e in envs.values():
                lint, fix = [], []
                for _ in range(args.repeat):
                    lint.append(cpu_of([*py, "lint", str(tree)], e))
                    fix.append(cpu_of([*py, "fix", str(tree), "--diff", "-q"], e))
                cpu += f" {min(lint):>16.3f} {min(fix):>16.3f}"
                ratios.append(min(fix) / min(lint))
            cols = "".join(f" {r:>15.2f}x" for r in ratios)
            print(f"{tree.name:<24}{cpu}{cols}", flush=True)


if __name__ == "__main__":
    main()
