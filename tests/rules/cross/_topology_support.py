"""Cross-file rules on multi-file stacks where resolution is the tricky part."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

from infradoctor.config import LintConfig
from infradoctor.engine import lint
from infradoctor.findings import Finding

Tree = Callable[[Mapping[str, str]], Path]

NGINX = """\
  nginx:
    image: nginx:1.27
    ports: ["80:80"]
    volumes:
      - ./nginx/conf.d:/etc/nginx/conf.d:ro
"""


def run(tree: Tree, files: Mapping[str, str], select: str = "XF") -> list[Finding]:
    result = lint(
        tree(files), LintConfig(select=[select], report_unused_suppressions=False), with_fixes=False
    )
    assert not [e for e in result.errors if e.kind == "internal"], result.errors
    return result.findings


def codes(findings: list[Finding]) -> list[str]:
    return sorted(f.rule for f in findings)


def site(*body: str) -> str:
    return "server {\n    listen 80;\n" + "\n".join(body) + "\n}\n"


def loc(path: str, target: str, *extra: str) -> str:
    lines = [f"        proxy_pass {target};", *[f"        {e}" for e in extra]]
    return f"    location {path} {{\n" + "\n".join(lines) + "\n    }"
