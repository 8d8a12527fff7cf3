"""The raw YAML values fixers write (a healthcheck's test, per port) are read back once
per `fix` run, not once per lint of it (issue 8): `yaml_edit.intended` keeps them apart
from the whole files' documents, which used to push them out after 32 texts.

No timing: the snippets handed to libyaml's composer are counted."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from infradoctor.config import LintConfig
from infradoctor.fixes import yaml_edit
from infradoctor.fixes.apply import preview_fixes
from infradoctor.fixes.attach import resolve_fixes
from tests.conftest import bench_synth


def test_each_raw_value_is_composed_once_per_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = bench_synth().write(tmp_path / "s", "stack", 60)
    snippets: Counter[str] = Counter()
    compose_all = yaml.compose_all

    def counted(stream: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(stream, str) and stream.startswith("k: "):
            snippets[stream] += 1
        return compose_all(stream, *args, **kwargs)

    yaml_edit._composed.cache_clear()
    yaml_edit._RAW_VALUES.clear()
    yaml_edit._WANTS.clear()
    monkeypatch.setattr(yaml, "compose_all", counted)
    run = preview_fixes(root, LintConfig())
    assert run.passes >= 2 and run.applied  # several lints, each computing the fixes
    for result in (run.initial, run.final):  # and their display-only ones (the report's)
        assert result is not None
        resolve_fixes(result.findings)
    assert len(snippets) > 32  # more distinct values than the files' memo holds
    assert max(snippets.values()) == 1, Counter(snippets.values())
