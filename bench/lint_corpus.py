"""Benchmark: whole-corpus `infradoctor lint CORPUS --format json` against the parse floor.

Times, side by side in one run (a busy machine slows every column alike):

- the parse floor of the same tree (bench/parse_floor.py: libyaml + one regex tokenizer),
- `infradoctor lint CORPUS --format json` in-process (one path, as a monorepo user runs
  it; imports done beforehand, best of --repeat),
- the same command as a subprocess (interpreter start and imports included; bytecode
  cached in a temporary PYTHONPYCACHEPREFIX, warmed by one untimed run) with its peak RSS,
  divided both by the in-process floor and by the floor run as a process (`python
  bench/parse_floor.py CORPUS`: interpreter start and `import yaml` included, so that
  process is compared with process),
- with --profile, the in-process lint under cProfile, and the ratio once the cumulative
  time of loaders/link.py:_attach_nginx is taken out (what remains after that hot spot
  moves to the facts layer),

and prints each CPU time divided by the floor's (target: lint <= 6x the floor). CPU
time, not wall time, is the ratio's base: on a shared machine wall time swings 3x.

    .venv/bin/python bench/lint_corpus.py [CORPUS_DIR] [--repeat N] [--profile]
    .venv/bin/python bench/lint_corpus.py --compare /tmp/old/src  # + another tree (process, in-proc)
    .venv/bin/python bench/lint_corpus.py --per-project     # the old per-project table
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import parse_floor  # noqa: E402  (bench/ is not a package)

HOT_SPOT = ("link.py", "_attach_nginx")


def lint_in_process(corpus: Path) -> tuple[float, float, int]:
    """One in-process `lint CORPUS --format json`: wall and CPU seconds, output length."""
    from infradoctor.cli.main import main

    out = io.StringIO()
    start, cpu = time.perf_counter(), time.process_time()
    with contextlib.redirect_stdout(out):
        main(["lint", str(corpus), "--format", "json"])
    return time.perf_counter() - start, time.process_time() - cpu, len(out.getvalue())


# Runs the command and prints its CPU seconds and peak RSS: measured from a small
# process, since a child forked from this one (holding a whole corpus lint in memory)
# inherits its RSS high-water mark.
_RUSAGE_HELPER = """
import os, subprocess, sys
proc = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL)
_, _, u = os.wait4(proc.pid, 0)
print(u.ru_utime + u.ru_stime, u.ru_maxrss / 1024)
"""


def _measured(command: list[str], env: dict[str, str]) -> tuple[float, float, float]:
    """Run `command` under the rusage helper: wall and CPU seconds, peak RSS (MB)."""
    start = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", _RUSAGE_HELPER, *command],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return time.perf_counter() - start, float(out[0]), float(out[1])


def lint_subprocess(corpus: Path, env: dict[str, str]) -> tuple[float, float, float]:
    """One `python -m infradoctor lint CORPUS --format json`: wall and CPU seconds, peak
    RSS (MB)."""
    return _measured(
        [sys.executable, "-m", "infradoctor", "lint", str(corpus), "--format", "json"], env
    )


def in_process_of(corpus: Path, env: dict[str, str]) -> tuple[float, float]:
    """`lint_in_process` under another tree (env's PYTHONPATH; its own interpreter, since
    two trees cannot share one): wall and CPU seconds of the second of two lints."""
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]); import lint_corpus as b; "
        "from infradoctor.cli.main import build_parser; build_parser(); "
        "b.lint_in_process(b.Path(sys.argv[2])); w, c, _ = b.lint_in_process(b.Path(sys.argv[2])); "
        "print(w, c)"
    )
    here = str(Path(__file__).resolve().parent)
    out = subprocess.run(
        [sys.executable, "-c", code, here, str(corpus)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return float(out[0]), float(out[1])


def floor_subprocess(corpus: Path, env: dict[str, str]) -> tuple[float, float]:
    """One `python bench/parse_floor.py CORPUS --repeat 1` process: wall and CPU seconds
    (interpreter start and `import yaml` included, as in the lint process)."""
    script = str(Path(__file__).resolve().parent / "parse_floor.py")
    wall, cpu, _ = _measured([sys.executable, script, str(corpus), "--repeat", "1"], env)
    return wall, cpu


def profiled(corpus: Path) -> tuple[float, float]:
    """In-process lint under cProfile: (total seconds, cumulative seconds of the hot spot)."""
    import cProfile
    import pstats

    prof = cProfile.Profile()
    prof.enable()
    lint_in_process(corpus)
    prof.disable()
    stats = pstats.Stats(prof)
    hot = 0.0
    for (path, _, name), row in stats.stats.items():  # type: ignore[attr-defined]
        if path.endswith(HOT_SPOT[0]) and name == HOT_SPOT[1]:
            hot += row[3]
    return stats.total_tt, hot  # type: ignore[attr-defined]


def per_project(corpus: Path) -> None:
    """Lint every project of the corpus separately (files/s and findings by rule)."""
    from infradoctor.config import LintConfig
    from infradoctor.engine import lint

    projects = sorted(p for p in corpus.iterdir() if p.is_dir() and not p.name.startswith("_"))
    files = findings = 0
    by_rule: Counter[str] = Counter()
    start = time.perf_counter()
    for project in projects:
        result = lint(project, LintConfig())
        files += len(result.stack.files)
        findings += len(result.findings)
        by_rule.update(f.rule for f in result.findings)
    elapsed = time.perf_counter() - start
    print(f"projects {len(projects)}  files {files}  findings {findings}  {elapsed:.3f} s")
    for rule, n in sorted(by_rule.items()):
        print(f"  {rule:8} {n}")


def main() -> None:
    here = Path(__file__).resolve().parents[1]
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", nargs="?", default=str(here.parent / "shared" / "corpus"))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--profile", action="store_true", help="also the hot-spot-free ratio")
    parser.add_argument("--per-project", action="store_true")
    parser.add_argument(
        "--compare",
        metavar="SRC",
        action="append",
        default=[],
        help="also time the process and in-process lint with PYTHONPATH=SRC (before); repeatable",
    )
    args = parser.parse_args()
    corpus = Path(args.corpus).resolve()
    if args.per_project:
        per_project(corpus)
        return

    from infradoctor.cli.main import build_parser
    from infradoctor.rules.registry import all_rules

    build_parser()  # imports every command module, as a run does
    all_rules()
    lint_in_process(corpus)  # warm: lazy imports, regex compilation
    with tempfile.TemporaryDirectory(prefix="infradoctor-pyc-") as pyc:
        env = dict(os.environ, PYTHONPYCACHEPREFIX=pyc)
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env.setdefault("PYTHONPATH", str(here / "src"))
        lint_subprocess(corpus, env)  # warm the bytecode cache
        rows: dict[str, list[tuple[float, float]]] = {
            "floor": [],
            "floor process": [],
            "in-proc": [],
            "process": [],
        }
        others = {
            f"process SRC{i + 1}" if len(args.compare) > 1 else "process SRC": dict(
                env, PYTHONPATH=str(Path(src).resolve())
            )
            for i, src in enumerate(args.compare)
        }
        for name, other in others.items():
            rows[name] = []
            rows[name.replace("process", "in-proc")] = []
            lint_subprocess(corpus, other)  # warm its bytecode cache too
        rss = 0.0
        size = 0
        for _ in range(args.repeat):  # interleaved: the same load on every column
            start = time.perf_counter()
            cpu = parse_floor.measure(corpus)[0]
            rows["floor"].append((time.perf_counter() - start, cpu))
            rows["floor process"].append(floor_subprocess(corpus, env))
            wall, cpu, size = lint_in_process(corpus)
            rows["in-proc"].append((wall, cpu))
            wall, cpu, peak = lint_subprocess(corpus, env)
            rows["process"].append((wall, cpu))
            rss = max(rss, peak)
            for name, other in others.items():
                wall, cpu, _ = lint_subprocess(corpus, other)
                rows[name].append((wall, cpu))
                rows[name.replace("process", "in-proc")].append(in_process_of(corpus, other))
    floor_cpu = min(c for _, c in rows["floor"])
    floor_process_cpu = min(c for _, c in rows["floor process"])
    print(f"corpus {corpus}  (json {size / 1024:.0f} KB), best of {args.repeat}")
    print(f"{'':14} {'wall s':>7} {'CPU s':>7} {'CPU/floor':>9} {'/floor process':>14}")
    for name, values in rows.items():
        wall, cpu = min(w for w, _ in values), min(c for _, c in values)
        versus = f"{cpu / floor_process_cpu:13.1f}x" if name.startswith("process") else ""
        print(f"{name:14} {wall:7.3f} {cpu:7.3f} {cpu / floor_cpu:8.1f}x {versus}")
    for i, src in enumerate(args.compare):
        print(f"SRC{i + 1 if len(args.compare) > 1 else ''} = {src}")
    print(f"peak RSS of the lint process: {rss:.0f} MB")
    if args.profile:
        total, hot = profiled(corpus)
        share = (total - hot) / total
        inproc = min(c for _, c in rows["in-proc"])
        print(
            f"profiled: {HOT_SPOT[1]} {hot:.3f} s of {total:.3f} s ({hot / total:.0%}); "
            f"in-proc minus it {inproc * share:.3f} s = {inproc * share / floor_cpu:.1f}x floor"
        )


if __name__ == "__main__":
    main()
