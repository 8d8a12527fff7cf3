"""Edit guards of the fix machinery, found by the long mutation-fuzz round (bench/fuzz.py):
a backwards or out-of-range edit is never built or applied, and a file layout an edit
would misread (a YAML line separator, an open continuation, a second BOM) gets no fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from infradoctor.config import LintConfig
from infradoctor.engine import lint
from infradoctor.findings import Applicability, Edit, Fix
from infradoctor.fixes import yaml_edit as ye
from infradoctor.fixes.apply import run_fixes
from infradoctor.fixes.context import edit_range_problem
from tests.conftest import write_tree

CONFIG = LintConfig(report_unused_suppressions=False, extend_select=["hardening"])


def test_backwards_text_edit_is_never_built() -> None:
    """A CMP002 fix built a backwards TextEdit (end before start); the type refuses it."""
    with pytest.raises(ye.YamlEditError):
        ye.TextEdit(30, 11, "")
    with pytest.raises(ye.YamlEditError):
        ye.TextEdit(-1, 0, "")


def test_out_of_range_edit_is_refused(tmp_path: Path) -> None:
    """Backstop for any fixer: an edit outside its file is a problem before writing."""
    root = write_tree(tmp_path / "s", {"compose.yaml": "services:\n  a:\n    image: x\n"})
    stack = lint(root, CONFIG).stack
    good = Fix("t", Applicability.SAFE, (Edit("compose.yaml", 0, 0, "# c\n"),))
    assert edit_range_problem(good, stack) is None
    for start, end in [(30, 11), (-1, 2), (5, 10_000)]:
        bad = Fix("t", Applicability.SAFE, (Edit("compose.yaml", start, end, ""),))
        assert edit_range_problem(bad, stack) is not None


@pytest.mark.parametrize(
    ("name", "text", "unsafe"),
    [
        ("compose.yaml", "services:\n a:\u2028  build: s\n", False),  # YAML line separator
        ("Dockerfile", "FROM :\\\n", True),  # ends in a line continuation
    ],
)
def test_no_fix_is_offered_for_a_layout_an_edit_would_misread(
    tmp_path: Path, name: str, text: str, unsafe: bool, capsys: pytest.CaptureFixture[str]
) -> None:
    """Found by the long fuzz round: these got fixes the write step then refused."""
    from infradoctor.cli.main import main

    (tmp_path / name).write_text(text, encoding="utf-8")
    code = main(["fix", str(tmp_path), *(["--unsafe"] if unsafe else [])])
    captured = capsys.readouterr()
    assert code in (0, 1), captured
    assert "not written" not in captured.err
    assert (tmp_path / name).read_text(encoding="utf-8") == text


def test_a_second_bom_gets_no_fix_and_no_refusal(tmp_path: Path) -> None:
    """Long fuzz round (seed 2034): two byte order marks (the reader drops the first, YAML
    skips the second while our columns count it) got CMP001/CMP002/SEC003/SEC004 fixes
    the edit check then refused as wrong; now no fix is offered."""
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
