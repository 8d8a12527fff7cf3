"""Fuzz round 8 (seed 2038, input #17377): a Dockerfile `COPY [[[[...` (10 KB of
brackets) made json.loads recurse until RecursionError in loaders/container_paths.py.
Every JSON read of user input goes through syntax.jsondoc.loads_bounded: the COPY JSON
form, recorded cluster JSON for `diagnose --from`, and package.json for `scaffold`."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from infradoctor.cli.main import main
from infradoctor.config import LintConfig
from infradoctor.engine import lint
from infradoctor.scaffold.detect import DetectError, detect

DEEP = "[" * 10_000 + "]" * 10_000
KUBE = Path(__file__).parent / "diagnose" / "data" / "kube" / "healthy"


def test_copy_with_a_deeply_nested_json_form(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text(f"FROM nginx:1.27\nCOPY {DEEP}\n")
    (tmp_path / "nginx.conf").write_text("events {}\nhttp { include /etc/nginx/conf.d/*.conf; }\n")
    result = lint(tmp_path, LintConfig())
    assert not [e for e in result.errors if e.kind == "internal"]


def test_diagnose_from_a_recording_with_deep_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    recording = tmp_path / "rec"
    shutil.copytree(KUBE, recording)
    (recording / "pods.json").write_text(DEEP)
    (recording / "cluster.json").write_text(DEEP)
    code = main(["diagnose", "--from", str(recording), "--format", "json"])
    out, err = capsys.readouterr()
    assert "internal error" not in err and "Traceback" not in err
    assert code in (0, 1, 2)


def test_scaffold_detect_with_a_deep_package_json(tmp_path: Path) -> None:
    (tmp_path / "package.json").write_text(DEEP)
    with pytest.raises(DetectError, match="package.json is not valid JSON"):
        detect(tmp_path)
