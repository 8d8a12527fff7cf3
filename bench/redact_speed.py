"""Benchmark: redact_lines over the texts `fix --diff` redacts (the whole original and
fixed text of every changed file) and over lint reports, CPU time, best of --repeat.

    .venv/bin/python bench/redact_speed.py                         # this tree
    .venv/bin/python bench/redact_speed.py --compare /tmp/old/src  # both, side by side

Texts: `fix --diff` of the synthetic stack (bench/synth.py stack, --n 100), of
laradock__laradock and docker__awesome-compose (../shared/corpus), and the text and
JSON lint reports of the whole corpus. They are collected once with this tree's code
(the inputs do not depend on the redaction) and then redacted in one process per source
tree (PYTHONPATH=SRC). The first call (cold regex compiles included) is shown apart.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import synth  # noqa: E402  (bench/ is not a package)

HERE = Path(__file__).resolve().parents[1]
CORPUS = HERE.parent / "shared" / "corpus"

_CAPTURE = """
import json, sys, contextlib, io
from infradoctor.fixes import apply
from infradoctor.cli.main import main
seen = []
real = apply.redact_lines
def spy(text):
    seen.append(text)
    return real(text)
apply.redact_lines = spy
with contextlib.redirect_stdout(io.StringIO()):
    main(["fix", sys.argv[1], "--diff", "-q"])
print(json.dumps(seen))
"""

_TIME = """
import json, sys, time
from infradoctor import redact
groups = json.load(open(sys.argv[1]))
repeat = int(sys.argv[2])
def clear():
    for v in vars(redact).values():
        if hasattr(v, "cache_clear"):
            v.cache_clear()
out = {}
first = True
for name, texts in groups.items():
    best = None
    for i in range(repeat + 1):
        clear()
        t = time.process_time()
        for text in texts:
            redact.redact_lines(text)
        dt = time.process_time() - t
        if first and i == 0:
            out["(first call, cold)"] = dt
        elif i:
            best = dt if best is None else min(best, dt)
        first = False
    out[name] = best
print(json.dumps(out))
"""


def _fix_texts(tree: Path, env: dict[str, str]) -> list[str]:
    out = subprocess.run(
        [sys.executable, "-c", _CAPTURE, str(tree)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return list(json.loads(out.splitlines()[-1]))


def _report(fmt: str, env: dict[str, str]) -> str:
    return subprocess.run(
        [sys.executable, "-m", "infradoctor", "lint", str(CORPUS), "--format", fmt],
        env=env,
        capture_output=True,
        text=True,
    ).stdout


def collect(tmp: Path, n: int, env: dict[str, str]) -> dict[str, list[str]]:
    stack = synth.write(tmp / f"stack-{n}", "stack", n)
    groups = {f"fix --diff stack-{n}": _fix_texts(stack, env)}
    for name in ("laradock__laradock", "docker__awesome-compose"):
        groups[f"fix --diff {name}"] = _fix_texts(CORPUS / name, env)
    groups["corpus lint text"] = [_report("text", env)]
    groups["corpus lint json"] = [_report("json", env)]
    return groups


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--n", type=int, default=100)
    parser.add_argument("--compare", metavar="SRC", help="also run with PYTHONPATH=SRC")
    args = parser.parse_args()
    env = dict(os.environ, PYTHONPATH=str(HERE / "src"))
    with tempfile.TemporaryDirectory(prefix="infradoctor-redact-") as tmp:
        groups = collect(Path(tmp), args.n, env)
        data = Path(tmp) / "texts.json"
        data.write_text(json.dumps(groups))
        runs = {"this": env}
        if args.compare:
            runs = {"compare": dict(env, PYTHONPATH=args.compare), "this": env}
        results = {}
        for label, e in runs.items():
            proc = subprocess.run(
                [sys.executable, "-c", _TIME, str(data), str(args.repeat)],
                env=e,
                capture_output=True,
                text=True,
                check=True,
            )
            results[label] = json.loads(proc.stdout)
    sizes = {name: sum(len(t) for t in texts) for name, texts in groups.items()}
    head = "".join(f" {label + ' ms':>12}" for label in runs)
    print(f"{'texts':<36} {'KB':>6}{head}" + (f" {'ratio':>7}" if args.compare else ""))
    for name in results["this"]:
        kb = f"{sizes[name] / 1000:6.0f}" if name in sizes else " " * 6
        cols = "".join(f" {results[label][name] * 1000:12.1f}" for label in runs)
        ratio = ""
        if args.compare and results["this"][name]:
            ratio = f" {results['compare'][name] / results['this'][name]:6.2f}x"
        print(f"{name:<36} {kb}{cols}{ratio}")


if __name__ == "__main__":
    main()
