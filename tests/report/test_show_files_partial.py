"""`lint --show-files`: a file of which one part was skipped (one Terraform resource, one
chart dependency: a `stats.skipped` entry with a line) was still read, so it is listed
under what was read and, with its line, under "Not analysed"."""

from __future__ import annotations

from pathlib import Path

import pytest

from infradoctor.cli.main import main
from tests.conftest import write_tree

TF = (
    'resource "kubernetes_deployment" "web" {\n'
    "  count = var.replicas\n"
    '  metadata { name = "web" }\n'
    "  spec {\n"
    '    selector { match_labels = { app = "web" } }\n'
    "    template {\n"
    '      metadata { labels = { app = "web" } }\n'
    '      spec { container { name = "web"\n image = "web:1.0" } }\n'
    "    }\n"
    "  }\n"
    "}\n"
)


def test_a_partly_skipped_file_is_listed_as_read_and_with_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_tree(tmp_path, {"main.tf": TF})
    main(["lint", "--no-color", "--show-files", str(tmp_path)])
    out = capsys.readouterr().out
    read, _, skipped = out.partition("Not analysed:")
    assert "main.tf" in read
    assert "main.tf:1: kubernetes_deployment.web: count is not a literal" in skipped
