"""Header fixes of one pass working together: NGX003, NGX011, XF007 and XF012 each add
proxy_set_header lines, and a location with any proxy_set_header inherits none from its
server, so fixes applied at different levels must never lose a header (NGX007)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from infradoctor.config import LintConfig
from infradoctor.engine import lint
from infradoctor.findings import Applicability, Finding
from infradoctor.fixes.apply import run_fixes
from tests.conftest import REPO, write_tree

CONFIG = LintConfig(report_unused_suppressions=False)
EXAMPLES = sorted(p for p in (REPO / "examples").iterdir() if p.is_dir())


def _only(findings: list[Finding], rule: str) -> list[Finding]:
    return [f for f in findings if f.rule == rule]


def _fixable(findings: list[Finding]) -> list[str]:
    return [
        f"{f.location} {f.rule}"
        for f in findings
        if f.fix is not None and f.fix.applicability is not Applicability.DISPLAY_ONLY
    ]


WS_KEEPALIVE = {
    "docker-compose.yml": (
        "services:\n"
        "  web:\n"
        "    image: nginx:1.27\n"
        "    restart: unless-stopped\n"
        "    volumes: ['./nginx:/etc/nginx/conf.d:ro']\n"
        "  api:\n"
        "    image: api:1.0\n"
        "    restart: unless-stopped\n"
        '    command: "uvicorn m:app --host 0.0.0.0 --port 8000"\n'
        "  api2:\n"
        "    image: api:1.0\n"
        "    restart: unless-stopped\n"
        '    command: "uvicorn m:app --host 0.0.0.0 --port 8000"\n'
    ),
    "nginx/app.conf": (
        "upstream api {\n"
        "\tserver api:8000;\n"
        "\tserver api2:8000;\n"
        "\tkeepalive 4;\n"
        "}\n"
        "server {\n"
        "\tlisten 80;\n"
        "\t# ws\n"
        "\tlocation /socket/ {\n"
        "\t\tproxy_pass http://api; # inline\n"
        "\t}\n"
        "}\n"
    ),
}


def test_header_fixes_on_nested_levels_do_not_lose_headers(tmp_path: Path) -> None:
    """Fix acceptance audit: NGX003/NGX011/XF007/XF012 fixes at server and location level
    together dropped inherited headers (NGX007); one pass must keep every header and comment
    and leave nothing fixable."""
    root = write_tree(tmp_path / "s", WS_KEEPALIVE)
    rules = ["NGX003", "NGX011", "XF007", "XF012"]
    before = lint(root, LintConfig(select=rules))
    assert {f.rule for f in before.findings} >= set(rules)
    run = run_fixes(root, CONFIG, unsafe=True)
    assert {a.rule for a in run.applied} >= set(rules) and not run.refused
    after = lint(root, CONFIG)
    assert not _only(after.findings, "NGX007"), [f.message for f in after.findings]
    assert not _fixable(after.findings)
    conf = (root / "nginx/app.conf").read_text()
    location = conf[conf.index("location /socket/") :]
    for header in ("Host", "X-Forwarded-For", "X-Forwarded-Proto", "Upgrade", "Connection"):
        assert f"proxy_set_header {header} " in location
    assert "# ws" in conf and "# inline" in conf
    assert not run_fixes(root, CONFIG, unsafe=True).applied


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_examples_fixed_leave_no_ngx007(example: Path, tmp_path: Path) -> None:
    """Fixing each example must never add NGX007 findings (headers lost by the fixes)."""
    root = tmp_path / example.name
    shutil.copytree(example, root)
    had = {f.location.line for f in _only(lint(root, CONFIG).findings, "NGX007")}
    run_fixes(root, CONFIG, unsafe=True)
    after = lint(root, CONFIG)
    new = _only(after.findings, "NGX007")
    assert len(new) <= len(had), [f.message for f in new]
    assert not _fixable(after.findings)
