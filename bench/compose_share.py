"""Benchmark: the compose model's share of a load, in-process CPU per phase.

Runs `load_stack(CORPUS)` --repeat times in a fresh process per tree (gc off during each
load, best of the runs) with process_time counters around:

- load_compose_projects (all of it) and, inside it, the YAML parse (parsecache's
  compose_yaml, which belongs to syntax/yaml.py),
- link (Dockerfiles and nginx to services, listen facts, proxy targets),

and prints `share` = compose - YAML + link: the work of loaders/compose.py,
loaders/interpolate.py, loaders/link.py and the listen facts. With --compare SRC the
same runs use PYTHONPATH=SRC (a `git archive` of another commit's tree) in turns with
this tree's, and the ratio of the shares is printed.

    .venv/bin/python bench/compose_share.py [CORPUS] [--repeat N] [--compare /tmp/base/src]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

# Runs in the child: prints "compose yaml link load" (seconds, best share's run).
_CHILD = """
import gc, sys, time
from pathlib import Path
import infradoctor.loaders.compose as C
import infradoctor.loaders.link as L
from infradoctor.loaders import LoadOptions, load_stack
acc = {}
def timed(module, name, key):
    real = getattr(module, name)
    def wrapper(*args, **kwargs):
        start = time.process_time()
        try:
            return real(*args, **kwargs)
        finally:
            acc[key] = acc.get(key, 0.0) + time.process_time() - start
    setattr(module, name, wrapper)
timed(C, "load_compose_projects", "compose")
timed(C, "compose_yaml", "yaml")
timed(L, "link", "link")
best = None
for _ in range(int(sys.argv[2])):
    acc.clear()
    gc.collect()
    gc.disable()
    start = time.process_time()
    load_stack(Path(sys.argv[1]), LoadOptions(helm="off"))
    load = time.process_time() - start
    gc.enable()
    row = (acc.get("compose", 0.0), acc.get("yaml", 0.0), acc.get("link", 0.0), load)
    if best is None or row[0] - row[1] + row[2] < best[0] - best[1] + best[2]:
        best = row
print(*best)
"""


def measure(corpus: Path, repeat: int, src: Path | None) -> tuple[float, ...]:
    """(compose, yaml, link, load) CPU seconds of the best run, in a fresh process."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(src if src is not None else REPO / "src")
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, str(corpus), str(repeat)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return tuple(float(x) for x in out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?", default=str(REPO.parent / "shared" / "corpus"))
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--compare", metavar="SRC", help="another tree's src directory")
    parser.add_argument("--rounds", type=int, default=2, help="turns of the trees")
    args = parser.parse_args()
    if not Path(args.corpus).is_dir():
        parser.error(f"{args.corpus}: not a directory")
    trees: list[tuple[str, Path | None]] = [("this", None)]
    if args.compare:
        trees.append(("SRC", Path(args.compare)))
    best: dict[str, tuple[float, ...]] = {}
    for _ in range(args.rounds):
        for label, src in trees:
            row = measure(Path(args.corpus), args.repeat, src)
            if (
                label not in best
                or row[0] - row[1] + row[2] < best[label][0] - best[label][1] + best[label][2]
            ):
                best[label] = row
    print(f"{'tree':6} {'compose':>8} {'yaml':>7} {'link':>7} {'share':>7} {'load':>7}  (CPU s)")
    for label, (compose, yaml_s, link, load) in best.items():
        share = compose - yaml_s + link
        print(f"{label:6} {compose:8.4f} {yaml_s:7.4f} {link:7.4f} {share:7.4f} {load:7.4f}")
    if "SRC" in best:
        mine, theirs = (r[0] - r[1] + r[2] for r in (best["this"], best["SRC"]))
        print(f"share this / SRC: {mine / theirs:.2f}x  (SRC = {args.compare})")


if __name__ == "__main__":
    main()
