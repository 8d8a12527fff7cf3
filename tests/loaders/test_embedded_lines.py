"""nginx embedded in a Terraform heredoc (`<<EOT` and dedented `<<-EOT`) is located line by
line in the .tf file, like a YAML literal block: findings land on the directive's line."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.conftest import write_tree

from infradoctor.config import LintConfig
from infradoctor.engine import lint

TF = """\
resource "kubernetes_config_map" "nginx" {{
  metadata {{
    name = "nginx-conf"
  }}
  data = {{
    "default.conf" = <<{marker}EOT
{indent}server {{
{indent}  listen 80;
{indent}  location /ws {{
{indent}    proxy_pass http://api:80;
{indent}  }}
{indent}}}
{indent}EOT
  }}
}}
"""


@pytest.mark.parametrize(("marker", "indent"), [("-", "      "), ("", "")])
def test_heredoc_nginx_findings_point_at_the_directive_line(
    tmp_path: Path, marker: str, indent: str
) -> None:
    root = write_tree(tmp_path / "m", {"main.tf": TF.format(marker=marker, indent=indent)})
    result = lint(root, LintConfig(select=["XF007", "NGX002"]))
    got = {(f.rule, f.location.file, f.location.line, f.location.column) for f in result.findings}
    col = len(indent) + 5
    assert got == {("XF007", "main.tf", 10, col), ("NGX002", "main.tf", 10, col)}


def test_kustomize_generator_file_nginx_is_located_in_that_file(tmp_path: Path) -> None:
    """A configMapGenerator `files:` entry is read from its own file: the findings point
    there (not at the kustomization that renders it)."""
    nginx = "server {\n    listen 80;\n    location /ws {\n        proxy_pass http://api:80;\n    }\n}\n"
    root = write_tree(
        tmp_path / "k",
        {
            "base/kustomization.yaml": (
                "resources:\n  - svc.yaml\nconfigMapGenerator:\n  - name: nginx-conf\n"
                "    files:\n      - default.conf=proxy.txt\n"
            ),
            "base/proxy.txt": nginx,
            "base/svc.yaml": (
                "apiVersion: v1\nkind: Service\nmetadata:\n  name: api\nspec:\n"
                "  selector:\n    app: api\n  ports:\n    - port: 80\n      targetPort: 8080\n"
            ),
        },
    )
    result = lint(root, LintConfig(select=["XF007"]))
    assert [(f.location.file, f.location.line) for f in result.findings] == [("base/proxy.txt", 4)]
