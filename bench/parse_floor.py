"""The parse floor: the least any linter must spend to read a tree, for bench ratios.

Walks the tree once and parses every file the way the cheapest possible tool would:
every YAML file through libyaml's `yaml.compose_all` (CSafeLoader, nodes only), every
nginx-looking file through one regex tokenizer, Dockerfiles and `.env` files read as
lines. No model, no rules, no output. bench/lint_corpus.py divides the lint time by
this (measured in the same run, so a busy machine slows both alike).

    .venv/bin/python bench/parse_floor.py [TREE] [--repeat N]
"""

from __future__ import annotations

import argparse
import os
import re
import time
from collections import Counter
from pathlib import Path

import yaml

# One token per match: a quoted string, a comment, a brace/semicolon, or a bare word.
NGINX_TOKEN = re.compile(
    r"\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*'|#[^\n]*|[{};]|[^\s{};\"'#]+", re.DOTALL
)
YAML_SUFFIXES = (".yml", ".yaml")
NGINX_SUFFIXES = (".conf", ".conf.template", ".nginx", ".vhost")
MAX_BYTES = 4 * 1024 * 1024  # the loader's per-file cap (docs/reading.md)


def kind_of(name: str) -> str | None:
    """Classify by name only, as cheaply as possible."""
    lower = name.lower()
    if lower.endswith(YAML_SUFFIXES):
        return "yaml"
    if lower.endswith(NGINX_SUFFIXES) or "nginx" in lower:
        return "nginx"
    if lower.startswith(("dockerfile", "containerfile")) or lower.endswith(".dockerfile"):
        return "text"
    if lower == ".env" or lower.startswith(".env.") or lower.endswith(".env"):
        return "text"
    return None


def parse_yaml(text: str) -> int:
    """Node trees of every document; a syntax error ends the file (as in a linter)."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    n = 0
    try:
        for _ in yaml.compose_all(text, Loader=loader):
            n += 1
    except yaml.YAMLError:
        pass
    return n


def parse_tree(root: Path) -> Counter[str]:
    """Parse every recognised file under `root`; counts by kind (files) and tokens."""
    counts: Counter[str] = Counter()
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in (".git", "node_modules"))
        for name in filenames:
            kind = kind_of(name)
            if kind is None:
                continue
            path = os.path.join(dirpath, name)
            try:
                if os.path.getsize(path) > MAX_BYTES:
                    continue
                with open(path, encoding="utf-8", errors="replace") as fh:
                    text = fh.read()
            except OSError:
                continue
            counts[kind] += 1
            if kind == "yaml":
                counts["documents"] += parse_yaml(text)
            elif kind == "nginx":
                counts["tokens"] += len(NGINX_TOKEN.findall(text))
            else:
                counts["lines"] += len(text.splitlines())
    return counts


def measure(root: Path, repeat: int = 1) -> tuple[float, Counter[str]]:
    """Best CPU time of `repeat` parses of the tree, and what the last one counted (CPU
    time: wall time on a shared machine swings with the other load)."""
    best = float("inf")
    counts: Counter[str] = Counter()
    for _ in range(repeat):
        start = time.process_time()
        counts = parse_tree(root)
        best = min(best, time.process_time() - start)
    return best, counts


def main() -> None:
    here = Path(__file__).resolve().parents[1]
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("tree", nargs="?", default=str(here.parent / "shared" / "corpus"))
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    best, counts = measure(Path(args.tree), args.repeat)
    print(", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    print(f"parse floor   {best:.3f} s CPU (best of {args.repeat})")


if __name__ == "__main__":
    main()
