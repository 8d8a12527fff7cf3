"""docs/rules is generated from the rule objects and must be fresh."""

from __future__ import annotations

from pathlib import Path

import pytest

from infradoctor.catalogue import catalogue
from infradoctor.report import docsgen
from infradoctor.report.ruledoc import fence_language
from tests.conftest import REPO
from tests.report import fakes

DOCS = REPO / "docs" / "rules"


def test_committed_rule_docs_are_fresh() -> None:
    stale = docsgen.stale_files(DOCS, docsgen.generate(catalogue()))
    assert not stale, (
        f"docs/rules is stale: {stale[:10]}; run `python -m infradoctor.report.docsgen`"
    )


def test_every_rule_has_a_page() -> None:
    for rule in catalogue():
        page = (DOCS / f"{rule.code}-{rule.name}.md").read_text()
        assert "## Why it matters" in page and "## How to fix" in page
        assert f"[{rule.code}]({rule.code}-{rule.name}.md)" in (DOCS / "index.md").read_text()


def test_generate_check_and_write(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    fakes.install(monkeypatch)
    out = tmp_path / "rules"
    assert docsgen.main(["--check", "--out", str(out)]) == 1
    assert docsgen.main(["--out", str(out)]) == 0
    assert docsgen.main(["--check", "--out", str(out)]) == 0
    names = sorted(p.name for p in out.iterdir())
    assert names == [
        "IDX001-unused-suppression.md",
        "TST001-marker-error.md",
        "TST002-marker-warning.md",
        "TST003-marker-info.md",
        "index.md",
    ]
    page = (out / "TST002-marker-warning.md").read_text()
    assert page.startswith(docsgen.HEADER)
    assert "```nginx\nevents {}\nhttp { server_name WARN; }\n```" in page
    assert "| `limit` | `3` |" in page
    index = (out / "index.md").read_text()
    # grouped by category in catalogue order: availability before security before nginx
    assert index.index("## availability") < index.index("## security") < index.index("## nginx")
    assert "| [TST001](TST001-marker-error.md) | marker-error | error |" in index
    # a hand edit and a page of a removed rule are both stale; write repairs both
    (out / "TST001-marker-error.md").write_text("edited\n")
    (out / "OLD001-gone.md").write_text(docsgen.HEADER + "old\n")
    assert docsgen.stale_files(out, docsgen.generate(catalogue())) == [
        "TST001-marker-error.md",
        "OLD001-gone.md",
    ]
    assert docsgen.main(["--check", "--out", str(out)]) == 1
    assert "TST001-marker-error.md" in capsys.readouterr().err
    assert docsgen.main(["--out", str(out)]) == 0
    assert not (out / "OLD001-gone.md").exists()
    assert docsgen.main(["--check", "--out", str(out)]) == 0


@pytest.mark.parametrize(
    "name, lang",
    [
        ("compose.yaml", "yaml"),
        ("docker-compose.override.yml", "yaml"),
        ("Dockerfile", "dockerfile"),
        ("api/Dockerfile.prod", "dockerfile"),
        ("nginx/conf.d/app.conf", "nginx"),
        ("default.conf.template", "nginx"),
        (".env", "sh"),
        ("notes.txt", "text"),
    ],
)
def test_fence_language(name: str, lang: str) -> None:
    assert fence_language(name) == lang


def test_opt_in_rules_are_marked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fakes.install(monkeypatch, fakes.WITH_OPT_IN)
    pages = docsgen.generate(catalogue())
    assert (
        "Opt-in: not run by default (`all`); enable it with `--extend-select TST004` or "
        "`--extend-select hardening`." in pages["TST004-marker-opt-in.md"]
    )
    assert "Line contains HARD (opt-in) |" in pages["index.md"]
    assert "Opt-in" not in pages["TST001-marker-error.md"]
