"""A fix pass that edits many compose files composes each text once (issue 8): the
original by the loader, the fixed one by the pass's edit check, whose nodes the parse
check and the next lint reuse. With more files than the composed-text memo held (32),
each fixed text was composed three times (check, parse check, next lint).

No timing: the texts handed to libyaml's composer are counted."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from infradoctor.config import LintConfig
from infradoctor.fixes import yaml_edit
from infradoctor.fixes.apply import preview_fixes

# one fix (restart) for the first kind of project, two (restart, log limits) for the other
ONE_FIX = (
    "services:\n  app:\n    image: example/app{i}:1.0\n    logging:\n      driver: json-file\n"
    "      options:\n        max-size: 10m\n        max-file: '3'\n"
)
TWO_FIXES = "services:\n  app:\n    image: example/app{i}:1.0\n"


def _tree(root: Path, n: int) -> Path:
    for i in range(n):
        project = root / f"p{i:03d}"
        project.mkdir(parents=True)
        (project / "compose.yaml").write_text((ONE_FIX if i % 2 else TWO_FIXES).format(i=i))
    return root


def test_each_compose_text_is_composed_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    n = 40  # more files than one pass's memo of composed texts held before
    root = _tree(tmp_path / "t", n)
    composed: Counter[str] = Counter()
    compose_all = yaml.compose_all

    def counted(stream: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(stream, str) and stream.startswith("services:"):
            composed[stream] += 1
        return compose_all(stream, *args, **kwargs)

    yaml_edit._composed.cache_clear()
    yaml_edit._KNOWN.clear()
    monkeypatch.setattr(yaml, "compose_all", counted)
    run = preview_fixes(root, LintConfig())
    assert run.passes == 1 and not run.refused
    assert len(run.changed_files) == n
    fixed = {run.results[rel] for rel in run.changed_files}
    originals = {run.originals[rel] for rel in run.changed_files}
    assert set(composed) == fixed | originals
    assert max(composed.values()) == 1, Counter(composed.values())
