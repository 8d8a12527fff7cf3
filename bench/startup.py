"""Benchmark: the start-up cost of an `infradoctor lint` process.

Times, side by side in one run (each tree's runs interleaved; CPU seconds, user + system,
of the child process; min and median of --repeat):

- `python -c pass` (the interpreter alone) and `python -m infradoctor --version`,
- `python -m infradoctor lint ONE_SERVICE_PROJECT --format json` (the fixed cost of every
  lint: interpreter, imports, catalogue, one tiny load and report),
- the CPU of importing, in a fresh interpreter, every infradoctor module that a lint of
  CORPUS imports (the list taken from each tree separately: a module a tree no longer
  imports is not counted for it),

with bytecode cached (a temporary PYTHONPYCACHEPREFIX warmed by one untimed run):

    .venv/bin/python bench/startup.py [CORPUS] [--repeat N] [--compare /tmp/base/src]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

# Prints the infradoctor modules a `lint CORPUS --format json` imports.
_LIST_MODULES = """
import contextlib, io, sys
from infradoctor.cli.main import main
with contextlib.redirect_stdout(io.StringIO()):
    main(["lint", sys.argv[1], "--format", "json"])
print("\\n".join(sorted(m for m in sys.modules if m.split(".")[0] == "infradoctor")))
"""

# Imports the modules named on stdin and prints the CPU seconds that took.
_IMPORT_ALL = """
import importlib, sys, time
names = sys.stdin.read().split()
start = time.process_time()
for name in names:
    importlib.import_module(name)
print(time.process_time() - start)
"""


def child_cpu(command: list[str], env: dict[str, str], stdin: str | None = None) -> float:
    """CPU seconds (user + system) of one child process; its stdout is dropped."""
    proc = subprocess.Popen(
        command,
        env=env,
        stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    if stdin is not None and proc.stdin is not None:
        proc.stdin.write(stdin.encode())
        proc.stdin.close()
    _, _, usage = os.wait4(proc.pid, 0)
    return usage.ru_utime + usage.ru_stime


def import_cpu(modules: str, env: dict[str, str]) -> float:
    out = subprocess.run(
        [sys.executable, "-c", _IMPORT_ALL],
        input=modules,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return float(out.stdout)


def main() -> None:
    here = Path(__file__).resolve().parents[1]
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", nargs="?", default=str(here.parent / "shared" / "corpus"))
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--compare", metavar="SRC", help="also this tree (PYTHONPATH=SRC)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="infradoctor-startup-") as tmp:
        project = Path(tmp) / "project"
        project.mkdir()
        (project / "compose.yaml").write_text(
            "services:\n  web:\n    image: nginx:1.27\n    ports: ['80:80']\n", encoding="utf-8"
        )
        base = dict(os.environ, PYTHONPYCACHEPREFIX=str(Path(tmp) / "pyc"))
        base.pop("PYTHONDONTWRITEBYTECODE", None)
        trees = {"this tree": dict(base)}
        if args.compare:
            trees["SRC"] = dict(base, PYTHONPATH=str(Path(args.compare).resolve()))
        py = sys.executable
        commands = {
            "python -c pass": [py, "-c", "pass"],
            "--version": [py, "-m", "infradoctor", "--version"],
            "lint one service": [py, "-m", "infradoctor", "lint", str(project), "--format", "json"],
        }
        modules = {}
        for name, env in trees.items():  # the module lists; also warms the bytecode cache
            modules[name] = subprocess.run(
                [py, "-c", _LIST_MODULES, args.corpus],
                env=env,
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            for command in commands.values():
                child_cpu(command, env)
        times: dict[tuple[str, str], list[float]] = {}
        for _ in range(args.repeat):
            for name, env in trees.items():
                for label, command in commands.items():
                    times.setdefault((name, label), []).append(child_cpu(command, env))
                times.setdefault((name, "imports"), []).append(import_cpu(modules[name], env))
        print(f"CPU seconds, min / median of {args.repeat}")
        for name in trees:
            count = len(modules[name].split())
            print(f"{name}:")
            for label in (*commands, "imports"):
                row = times[(name, label)]
                what = (
                    f"import the {count} modules a corpus lint imports"
                    if label == "imports"
                    else label
                )
                print(f"  {what:48} {min(row):.3f} / {statistics.median(row):.3f}")


if __name__ == "__main__":
    main()
