"""`fix` parses each YAML file a bounded number of times per pass, whatever the number
of fixes (issue 8): the edit checks of a pass share one parse per file
(`yaml_edit.check_all`) instead of one parse and one walk of the whole file per fix.

No timing: the YAML text handed to the composer is counted. At N and 4N services it may
grow at most 4.5x (one parse per fix grows 16x)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from infradoctor.config import LintConfig
from infradoctor.fixes import yaml_edit
from infradoctor.fixes.apply import preview_fixes
from tests.conftest import bench_synth


def _fix_work(root: Path, monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    tally: Counter[str] = Counter()
    compose_all = yaml.compose_all

    def counted(stream: Any, *args: Any, **kwargs: Any) -> Any:
        tally["characters composed"] += len(stream) if isinstance(stream, str) else 0
        return compose_all(stream, *args, **kwargs)

    yaml_edit._composed.cache_clear()
    with monkeypatch.context() as patch:
        patch.setattr(yaml, "compose_all", counted)
        run = preview_fixes(root, LintConfig())
    assert run.applied and not run.refused
    tally["fixes"] = sum(a.count for a in run.applied)
    tally["passes"] = run.passes
    tally["growth"] = sum(len(run.results[r]) - len(run.originals[r]) for r in run.results)
    return tally


def test_fix_parses_grow_linearly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    synth = bench_synth()
    small = _fix_work(synth.write(tmp_path / "small", "stack", 15), monkeypatch)
    big = _fix_work(synth.write(tmp_path / "big", "stack", 60), monkeypatch)
    assert big["fixes"] >= 3 * small["fixes"]
    assert big["passes"] == small["passes"]
    ratio = big["characters composed"] / small["characters composed"]
    assert ratio <= 4.5, f"YAML parsed by fix grew {ratio:.1f}x for 4x the services"


def test_fix_parses_each_compose_file_twice_per_pass(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Per pass: the lint (the loader, whose nodes the fixers and the edit checks
    reuse) and the edit check of the file as the pass leaves it (whose parse also
    answers "does the written file still parse"); plus the final lint."""
    root = bench_synth().write(tmp_path / "s", "stack", 30)
    work = _fix_work(root, monkeypatch)
    fixed = len((root / "compose.yaml").read_text()) + work["growth"]
    assert work["characters composed"] <= (2 * work["passes"] + 1) * fixed
