"""Benchmark: the corpus lint per input kind (compose, nginx, Dockerfile, Kubernetes
manifests, Helm, kustomize, Terraform): files, findings and CPU seconds of each, and the
share of Helm and kustomize rendering.

One in-process `lint CORPUS` (as `infradoctor lint CORPUS --format json` runs it), with
CPU timers around the parts that belong to one kind: reading its files
(`SourceReader._read`), its loader (`load_compose_projects`, `load_nginx_configs` and the
ConfigMap nginx, `load_dockerfile`, `load_kubernetes`, `render_kustomizations`,
`load_helm`, `load_terraform`) and the rules of its group (rules/compose, nginx,
dockerfile, kubernetes; rules/cross and rules/security are "cross"). Timers are
exclusive (a read inside a loader counts once, for the read). What no timer covers
(discovery, linking, facts shared by groups, suppressions, fixes, report) is "other".
Helm charts are rendered by `helm template` processes: their CPU (children of this
process) is a separate column, beside the in-process wall time of the rendering.

A finding belongs to the kind of the file it points at; a Kubernetes file belongs to
kustomize when its directory holds a kustomization (a base, an overlay, its patches).

    .venv/bin/python bench/corpus_kinds.py [CORPUS_DIR] [--helm PATH]

Runs twice: with an empty Helm cache (cold: every chart rendered) and again with the
cache the first run filled (warm), and prints one table per run.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import posixpath
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

KINDS = ("compose", "nginx", "dockerfile", "k8s", "helm", "kustomize", "terraform")
RULE_GROUPS = {
    "compose": "compose",
    "nginx": "nginx",
    "dockerfile": "dockerfile",
    "kubernetes": "k8s",
}
FILE_KINDS = {"env": "compose", "config": "terraform"}


class Timers:
    """Exclusive CPU seconds per label: entering a timed part pauses the enclosing one."""

    def __init__(self) -> None:
        self.cpu: Counter[str] = Counter()
        self.wall: Counter[str] = Counter()
        self.stack: list[list[Any]] = []  # [label, cpu start, cpu spent in children]

    @contextlib.contextmanager
    def part(self, label: str) -> Iterator[None]:
        start, wall = time.process_time(), time.perf_counter()
        self.stack.append([label, start, 0.0])
        try:
            yield
        finally:
            _, _, children = self.stack.pop()
            spent = time.process_time() - start
            self.cpu[label] += spent - children
            self.wall[label] += time.perf_counter() - wall
            if self.stack:
                self.stack[-1][2] += spent

    def wrap(self, fn: Callable[..., Any], label: Callable[..., str] | str) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            with self.part(label(*args, **kwargs) if callable(label) else label):
                return fn(*args, **kwargs)

        return timed


def _instrument(timers: Timers) -> Callable[[], None]:
    """Wrap the loaders, the reader and the rule runner; returns the undo."""
    from infradoctor import engine, loaders
    from infradoctor.loaders import (
        compose,
        discover,
        dockerfile,
        files,
        helm,
        kubernetes,
        kustomize,
        link,
        nginx,
        terraform,
    )

    def read_kind(self: Any, path: Any, rel: str, kind: Any) -> str:
        return FILE_KINDS.get(str(kind), str(kind))

    patches = [
        (files.SourceReader, "_read", read_kind),
        (compose, "load_compose_projects", "compose"),
        (nginx, "load_nginx_configs", "nginx"),
        (loaders, "_add_embedded_nginx", "nginx"),
        (dockerfile, "load_dockerfile", "dockerfile"),
        (kubernetes, "load_kubernetes", "k8s"),
        (kustomize, "render_kustomizations", "kustomize"),
        (helm, "load_helm", "helm"),
        (helm, "_render_all", "helm render"),
        (terraform, "load_terraform", "terraform"),
        (discover, "discover", "discovery"),
        (link, "link", "link"),
    ]
    saved = [(owner, name, getattr(owner, name)) for owner, name, _ in patches]
    for owner, name, label in patches:
        setattr(owner, name, timers.wrap(getattr(owner, name), label))
    original_run = engine.run_rules

    def run_rules(stack: Any, rules: list[Any], budget: float | None = None) -> Any:
        findings: list[Any] = []
        errors: list[Any] = []
        for rule in rules:
            group = type(rule).__module__.split(".")[2:3] or ["?"]
            with timers.part(RULE_GROUPS.get(group[0], "cross")):
                f, e = original_run(stack, [rule], budget)
            findings.extend(f)
            errors.extend(e)
        return findings, errors

    engine.run_rules = run_rules  # type: ignore[assignment]

    def undo() -> None:
        for owner, name, fn in saved:
            setattr(owner, name, fn)
        engine.run_rules = original_run  # type: ignore[assignment]

    return undo


def _kustomize_dirs(files: dict[str, Any]) -> set[str]:
    names = ("kustomization.yaml", "kustomization.yml", "Kustomization")
    return {posixpath.dirname(p) for p in files if posixpath.basename(p) in names}


def _kind_of(path: str, src: Any, kustomized: set[str]) -> str:
    kind = FILE_KINDS.get(str(src.kind), str(src.kind))
    if kind == "k8s" and posixpath.dirname(path) in kustomized:
        return "kustomize"
    return kind


def run_once(corpus: Path, helm: str | None) -> dict[str, Any]:
    from infradoctor.config import LintConfig
    from infradoctor.engine import lint
    from infradoctor.fixes.attach import resolve_fixes
    from infradoctor.loaders import helm as helm_loader

    helm_loader._memory_cache.clear()  # the disk cache decides cold or warm
    timers = Timers()
    undo = _instrument(timers)
    config = LintConfig()
    config.helm = helm
    children = os.times()
    start, cpu = time.perf_counter(), time.process_time()
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            result = lint(corpus, config)
            with timers.part("fixes"):
                resolve_fixes(result.findings)  # the JSON report computes every fix
    finally:
        undo()
    total_cpu, total_wall = time.process_time() - cpu, time.perf_counter() - start
    after = os.times()
    helm_children = (after.children_user - children.children_user) + (
        after.children_system - children.children_system
    )
    files = result.stack.files
    kustomized = _kustomize_dirs(files)
    file_counts = Counter(_kind_of(p, s, kustomized) for p, s in files.items())
    finding_counts = Counter(
        _kind_of(f.location.file, files[f.location.file], kustomized)
        if f.location.file in files
        else "other"
        for f in result.findings
    )
    return {
        "cpu": timers.cpu,
        "wall": timers.wall,
        "files": file_counts,
        "findings": finding_counts,
        "total_cpu": total_cpu,
        "total_wall": total_wall,
        "helm_children": helm_children,
        "helm_stats": result.stack.helm_stats,
    }


def report(title: str, r: dict[str, Any]) -> None:
    cpu: Counter[str] = r["cpu"]
    print(f"\n{title}: lint {r['total_cpu']:.2f} s CPU ({r['total_wall']:.2f} s wall)")
    print(f"{'kind':<11} {'files':>6} {'findings':>9} {'CPU s':>7} {'share':>6}")
    covered = 0.0
    for kind in (*KINDS, "cross"):
        seconds = cpu[kind] + (cpu["helm render"] if kind == "helm" else 0.0)
        covered += seconds
        share = seconds / r["total_cpu"] if r["total_cpu"] else 0.0
        print(
            f"{kind:<11} {r['files'].get(kind, 0):>6} {r['findings'].get(kind, 0):>9}"
            f" {seconds:>7.3f} {share:>6.1%}"
        )
    parts = {p: cpu[p] for p in ("discovery", "link", "fixes")}
    other = r["total_cpu"] - covered
    rest = other - sum(parts.values())
    print(
        f"{'other':<11} {'':>6} {r['findings'].get('other', 0):>9} {other:>7.3f}"
        f" {other / r['total_cpu'] if r['total_cpu'] else 0:>6.1%}  ("
        + ", ".join(f"{k} {v:.3f}" for k, v in parts.items())
        + f", load glue, suppressions, sorting {rest:.3f})"
    )
    render_wall = r["wall"]["helm render"]
    print(
        f"helm rendering: {render_wall:.2f} s wall in-process (of {r['total_wall']:.2f} s,"
        f" {render_wall / r['total_wall'] if r['total_wall'] else 0:.1%}),"
        f" {r['helm_children']:.2f} s CPU in helm processes; stats.helm {r['helm_stats']}"
    )
    kustomize = cpu["kustomize"]
    print(
        f"kustomize rendering (in Python): {kustomize:.3f} s CPU"
        f" ({kustomize / r['total_cpu'] if r['total_cpu'] else 0:.1%} of the lint)"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    here = Path(__file__).resolve().parent
    parser.add_argument("corpus", nargs="?", default=str(here.parent.parent / "shared/corpus"))
    parser.add_argument("--helm", default=None, help="helm binary (default: as lint finds it)")
    args = parser.parse_args(argv)
    corpus = Path(args.corpus)
    with tempfile.TemporaryDirectory(prefix="infradoctor-bench-") as cache:
        os.environ["XDG_CACHE_HOME"] = cache
        os.environ.pop("INFRADOCTOR_HELM_CACHE", None)
        import infradoctor.engine  # noqa: F401  (imports done before timing)

        report("cold (empty Helm cache)", run_once(corpus, args.helm))
        report("warm (Helm cache filled by the first run)", run_once(corpus, args.helm))
    return 0


if __name__ == "__main__":
    sys.exit(main())
