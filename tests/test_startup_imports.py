"""A `lint` process pays only for what a lint needs at start-up: no other subcommand's
module, no policy/inventory, no helm process machinery, and module-level regexes only for
patterns nearly every lint runs (the rest use infradoctor.lazyre.lazy). Counted in a fresh
interpreter, never timed."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

# Module-level re.compile calls in infradoctor modules during a lint of a one-service
# project (72 when this was written, 217 before lazyre). A pattern most lints never
# run belongs in `lazy(...)`; raise this only for one that nearly every lint runs.
MODULE_LEVEL_PATTERN_BUDGET = 80

# Imported only by the commands, inputs or failures that need them.
NOT_FOR_A_LINT = (
    "infradoctor.cli.completion",
    "infradoctor.cli.diagnose",
    "infradoctor.cli.docs",
    "infradoctor.cli.fix",
    "infradoctor.cli.inventory",
    "infradoctor.cli.rules",
    "infradoctor.cli.scaffold",
    "infradoctor.cli.smoke",
    "infradoctor.cli.wait",
    "infradoctor.inventory",
    "infradoctor.policy",
    "importlib.resources",
    "concurrent.futures",
    "subprocess",
    "tempfile",
    "logging",
    "difflib",
)

PROBE = """
import contextlib, io, json, sys
import re._compiler

module_level = []
real = re._compiler.compile


def counting(pattern, flags=0):
    frame = sys._getframe(1)
    while frame is not None and frame.f_globals.get("__name__", "").split(".")[0] == "re":
        frame = frame.f_back
    name = frame.f_globals.get("__name__", "") if frame is not None else ""
    if frame.f_code.co_name == "<module>" and name.startswith("infradoctor"):
        module_level.append(name)
    return real(pattern, flags)


re._compiler.compile = counting
from infradoctor.cli.main import main

out = io.StringIO()
with contextlib.redirect_stdout(out):
    code = main(["lint", sys.argv[1], "--format", sys.argv[2]])
print(json.dumps({
    "code": code,
    "output": out.getvalue(),
    "patterns": module_level,
    "modules": sorted(sys.modules),
}))
"""


def _lint_probe(root: Path, fmt: str) -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, "-c", PROBE, str(root), fmt],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize(
    ("fmt", "also_absent"),
    [("json", ()), ("text", ("hashlib",))],  # only JSON and SARIF print fingerprints
)
def test_lint_process_imports_and_compiles_only_what_a_lint_needs(
    tmp_path: Path, fmt: str, also_absent: tuple[str, ...]
) -> None:
    (tmp_path / "compose.yaml").write_text(
        "services:\n  web:\n    image: nginx:latest\n    ports: ['80:80']\n", encoding="utf-8"
    )
    probe = _lint_probe(tmp_path, fmt)
    assert probe["code"] == 1 and "SEC009" in str(probe["output"])  # the lint really ran
    modules = set(probe["modules"])  # type: ignore[arg-type]
    assert "infradoctor.cli.lint" in modules and "infradoctor.rules.registry" in modules
    absent = (*NOT_FOR_A_LINT, *also_absent)
    loaded = sorted(m for m in modules if any(m == n or m.startswith(n + ".") for n in absent))
    assert loaded == []
    patterns = probe["patterns"]
    assert isinstance(patterns, list) and patterns  # the probe saw the rules' patterns
    assert len(patterns) <= MODULE_LEVEL_PATTERN_BUDGET, sorted(set(patterns))


def test_bench_startup_runs(tmp_path: Path) -> None:
    """bench/startup.py still runs (one repeat over a tiny tree; numbers not looked at)."""
    (tmp_path / "compose.yaml").write_text("services:\n  web:\n    image: nginx:1.27\n")
    bench = Path(__file__).resolve().parents[1] / "bench" / "startup.py"
    out = subprocess.run(
        [sys.executable, str(bench), str(tmp_path), "--repeat", "1"],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    ).stdout
    assert "lint one service" in out and "modules a corpus lint imports" in out
