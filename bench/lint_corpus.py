"""Benchmark: lint every project of ../shared/corpus and print files/s and seconds.

python bench/lint_corpus.py [CORPUS_DIR] [--repeat N]
"""

from __future__ import annotations

import argparse
import time
from collections import Counter
from pathlib import Path


def main() -> None:
    here = Path(__file__).resolve().parents[1]
    parser = argparse.ArgumentParser()
    parser.add_argument("corpus", nargs="?", default=str(here.parent / "shared" / "corpus"))
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()

    t0 = time.perf_counter()
    from infradoctor.config import LintConfig
    from infradoctor.engine import lint
    from infradoctor.rules.registry import all_rules

    all_rules()
    import_s = time.perf_counter() - t0

    corpus = Path(args.corpus)
    projects = sorted(p for p in corpus.iterdir() if p.is_dir() and not p.name.startswith("_"))
    best = None
    for _ in range(args.repeat):
        files = errors = findings = 0
        by_rule: Counter[str] = Counter()
        by_kind: Counter[str] = Counter()
        start = time.perf_counter()
        for project in projects:
            result = lint(project, LintConfig())
            files += len(result.stack.files)
            errors += len(result.errors)
            findings += len(result.findings)
            by_rule.update(f.rule for f in result.findings)
            by_kind.update(str(f.kind) for f in result.stack.files.values())
        elapsed = time.perf_counter() - start
        best = elapsed if best is None else min(best, elapsed)
    assert best is not None
    print(f"projects      {len(projects)}")
    print(f"files         {files}  ({', '.join(f'{k} {v}' for k, v in sorted(by_kind.items()))})")
    print(f"load errors   {errors}")
    print(f"findings      {findings}")
    print(f"import+rules  {import_s:.3f} s")
    print(f"total         {best:.3f} s (best of {args.repeat})")
    print(f"throughput    {files / best:.0f} files/s")
    print("findings by rule:")
    for rule, n in sorted(by_rule.items()):
        print(f"  {rule:8} {n}")


if __name__ == "__main__":
    main()
