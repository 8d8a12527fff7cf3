"""A compose file starting with two byte order marks (the reader drops the first; YAML
skips the second while our columns count it) got CMP001/CMP002/SEC003/SEC004 fixes the
edit check then refused as wrong (long fuzz round, seed 2034): no fix is offered."""

from __future__ import annotations

from pathlib import Path

from infradoctor.config import LintConfig
from infradoctor.engine import lint
from infradoctor.fixes.apply import run_fixes

CONFIG = LintConfig(report_unused_suppressions=False, extend_select=["hardening"])


def test_a_second_bom_gets_no_fix_and_no_refusal(tmp_path: Path) -> None:
    (tmp_path / "docker-compose.yaml").write_bytes(
        "\ufeff\ufeffservices:\n q:\r  image: nginx:1.27\n".encode()
    )
    found = lint(tmp_path, CONFIG).findings
    assert {"CMP001", "CMP002"} <= {f.rule for f in found}
    assert all(f.fix is None for f in found)
    before = (tmp_path / "docker-compose.yaml").read_bytes()
    run = run_fixes(tmp_path, CONFIG, unsafe=True)
    assert not run.refused and not run.applied
    assert (tmp_path / "docker-compose.yaml").read_bytes() == before
