"""nginx in a Terraform ConfigMap is located where the user edits it: a heredoc's
directives at their own .tf lines, a file() value at its lines in that file, a
templatefile() value at line 1 of the template (never at line 1 of the .tf file)."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import write_tree

from infradoctor.config import LintConfig
from infradoctor.engine import lint
from infradoctor.findings import Applicability

SERVER = """\
server {
    listen 80;
    server_tokens off;
    location /tiles/ {
        proxy_pass http://tiles:8080;
    }
}
"""


def _tf(value: str) -> str:
    return (
        'resource "kubernetes_config_map" "nginx" {\n'
        "  metadata {\n"
        '    name = "nginx"\n'
        "  }\n"
        "  data = {\n"
        f'    "default.conf" = {value}\n'
        "  }\n"
        "}\n"
    )


def _ngx002(tmp_path: Path, files: dict[str, str]) -> list[tuple[str, int]]:
    result = lint(write_tree(tmp_path, files), LintConfig(select=["NGX002"]))
    assert not result.errors, result.errors
    for f in result.findings:
        assert f.fix is None or f.fix.applicability == Applicability.DISPLAY_ONLY
    return [(f.location.file, f.location.line) for f in result.findings]


def test_heredoc_directives_at_their_tf_lines(tmp_path: Path) -> None:
    body = "".join(f"      {line}\n" if line else "\n" for line in SERVER.splitlines())
    tf = _tf("<<-EOT\n" + body + "    EOT")
    line = next(i for i, t in enumerate(tf.splitlines(), 1) if "proxy_pass" in t)
    assert _ngx002(tmp_path, {"main.tf": tf}) == [("main.tf", line)]


def test_plain_heredoc_is_exact_too(tmp_path: Path) -> None:
    tf = _tf("<<EOT\n" + SERVER + "EOT")
    line = next(i for i, t in enumerate(tf.splitlines(), 1) if "proxy_pass" in t)
    assert _ngx002(tmp_path, {"main.tf": tf}) == [("main.tf", line)]


def test_file_value_at_its_lines_in_that_file(tmp_path: Path) -> None:
    tf = _tf('file("${path.module}/templates/default.conf.tftpl")')
    got = _ngx002(tmp_path, {"main.tf": tf, "templates/default.conf.tftpl": SERVER})
    assert got == [("templates/default.conf.tftpl", 5)]


def test_templatefile_value_in_the_template_file(tmp_path: Path) -> None:
    tpl = SERVER.replace("tiles:8080", "tiles:${port}")
    tf = _tf('templatefile("${path.module}/templates/default.conf.tftpl", { port = 8080 })')
    got = _ngx002(tmp_path, {"main.tf": tf, "templates/default.conf.tftpl": tpl})
    assert got == [("templates/default.conf.tftpl", 1)]
