"""Regressions from the acceptance audit of `infradoctor fix`: a "safe" fix that kept nginx
from starting, fixes of one pass that together lost proxy headers (NGX007), XF013 cleared
by a log driver that rotates nothing, and `fix --no-color`."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from infradoctor.cli.main import main
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


# ---------------------------------------------------------------- 1: broken healthchecks

SLIM_CURL = {
    "docker-compose.yml": (
        "services:\n"
        "  nginx:\n"
        "    image: nginx:1.27\n"
        "    depends_on:\n"
        "      - backend\n"
        "  backend:\n"
        "    build: ./backend\n"
        "    healthcheck:\n"
        '      test: ["CMD", "curl", "-fsS", "http://localhost:8000/health"]\n'
        "      interval: 15s\n"
    ),
    "backend/Dockerfile": 'FROM python:3.11-slim\nCMD ["python", "-m", "app"]\n',
}


def test_depends_on_healthy_not_safe_when_healthcheck_tool_missing(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "s", SLIM_CURL)
    before = lint(root, LintConfig(select=["XF005", "DKR005"]))
    assert _only(before.findings, "DKR005")
    (xf005,) = _only(before.findings, "XF005")
    assert xf005.fix is not None
    assert xf005.fix.applicability is Applicability.DISPLAY_ONLY
    assert "curl" in xf005.fix.title and "never start" in xf005.fix.title
    run_fixes(root, LintConfig(select=["XF005"]), unsafe=True)
    assert "service_healthy" not in (root / "docker-compose.yml").read_text()


@pytest.mark.parametrize("bad", ["interval: 30", "interval: 15s\n      retries: -1"])
def test_depends_on_healthy_not_safe_when_healthcheck_timing_invalid(
    bad: str, tmp_path: Path
) -> None:
    files = dict(SLIM_CURL)
    files["docker-compose.yml"] = (
        files["docker-compose.yml"]
        .replace('"curl", "-fsS", "http://localhost:8000/health"', '"python", "-V"')
        .replace("interval: 15s", bad)
    )
    root = write_tree(tmp_path / "s", files)
    (xf005,) = _only(lint(root, LintConfig(select=["XF005"])).findings, "XF005")
    assert xf005.fix is not None and xf005.fix.applicability is Applicability.DISPLAY_ONLY
    assert "CMP008" in xf005.fix.title


def test_other_dependency_with_broken_healthcheck_keeps_service_started(tmp_path: Path) -> None:
    files = dict(SLIM_CURL)
    files["docker-compose.yml"] = (
        files["docker-compose.yml"].replace("      - backend\n", "      - db\n      - backend\n")
        + "  db:\n    image: postgres:16\n    healthcheck:\n"
        '      test: ["CMD-SHELL", "pg_isready -U postgres"]\n'
    )
    root = write_tree(tmp_path / "s", files)
    run_fixes(root, LintConfig(select=["XF005"]))
    text = (root / "docker-compose.yml").read_text()
    assert "      db:\n        condition: service_healthy\n" in text
    assert "      backend:\n        condition: service_started\n" in text


def test_telegram_example_fix_keeps_nginx_startable(tmp_path: Path) -> None:
    root = tmp_path / "t"
    shutil.copytree(REPO / "examples" / "telegram-backend", root)
    run_fixes(root, CONFIG)
    text = (root / "docker-compose.yml").read_text()
    assert "condition: service_healthy" not in text.split("  backend:")[0]
    after = lint(root, CONFIG)
    assert _only(after.findings, "DKR005")
    (xf005,) = _only(after.findings, "XF005")
    assert xf005.fix is not None and xf005.fix.applicability is Applicability.DISPLAY_ONLY


def test_healthcheck_fix_never_safe_with_a_tool_the_image_lacks(tmp_path: Path) -> None:
    """The image *name* says alpine, but the Dockerfile builds on debian slim (no wget):
    DKR005's knowledge of the base wins, so the probe is only a template."""
    root = write_tree(
        tmp_path / "s",
        {
            "docker-compose.yml": (
                "services:\n"
                "  nginx:\n"
                "    image: nginx:1.27-alpine\n"
                "    volumes:\n"
                "      - ./nginx/default.conf:/etc/nginx/conf.d/default.conf:ro\n"
                "  api:\n"
                "    image: example/api:1.0-alpine\n"
                "    build: ./api\n"
                '    expose: ["8080"]\n'
            ),
            "api/Dockerfile": 'FROM debian:bookworm-slim\nCMD ["/app/server"]\n',
            "nginx/default.conf": (
                "server {\n    listen 80;\n    location = /healthz {\n"
                "        proxy_pass http://api:8080;\n    }\n}\n"
            ),
        },
    )
    (xf011,) = _only(lint(root, LintConfig(select=["XF011"])).findings, "XF011")
    assert xf011.fix is not None
    assert xf011.fix.applicability is Applicability.DISPLAY_ONLY
    assert "not in image debian:bookworm-slim" in xf011.fix.title


# ---------------------------------------------------------------- 2: NGX007 after a pass

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
    root = tmp_path / example.name
    shutil.copytree(example, root)
    had = {f.location.line for f in _only(lint(root, CONFIG).findings, "NGX007")}
    run_fixes(root, CONFIG, unsafe=True)
    after = lint(root, CONFIG)
    new = _only(after.findings, "NGX007")
    assert len(new) <= len(had), [f.message for f in new]
    assert not _fixable(after.findings)


# ---------------------------------------------------------------- 3: XF013 and log drivers


def test_log_driver_does_not_silence_log_files_on_a_bind_mount(tmp_path: Path) -> None:
    root = tmp_path / "t"
    shutil.copytree(REPO / "examples" / "telegram-backend", root)
    assert _only(lint(root, LintConfig(select=["XF013"])).findings, "XF013")
    run_fixes(root, CONFIG)
    assert "driver: json-file" in (root / "docker-compose.yml").read_text().split("backend:")[0]
    (xf013,) = _only(lint(root, LintConfig(select=["XF013"])).findings, "XF013")
    assert "backend_access.log" in xf013.message
    assert main(["fix", str(root), "--write-logrotate", "--select", "XF013", "-q"]) == 0
    conf = (root / "nginx-logrotate.conf").read_text()
    assert f"{(root / 'nginx' / 'logs').resolve().as_posix()}/*.log {{" in conf
    assert not _only(lint(root, LintConfig(select=["XF013"])).findings, "XF013")


def test_stdout_logs_with_a_driver_are_not_flagged(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path / "s",
        {
            "docker-compose.yml": (
                "services:\n"
                "  nginx:\n"
                "    image: nginx:1.27\n"
                "    logging:\n"
                "      driver: json-file\n"
                "    volumes:\n"
                "      - ./nginx/default.conf:/etc/nginx/conf.d/default.conf:ro\n"
                "      - ./logs:/var/log/nginx\n"
            ),
            "nginx/default.conf": (
                "server {\n    listen 80;\n    access_log /dev/stdout;\n"
                "    error_log /dev/stderr;\n    location / { root /srv; }\n}\n"
            ),
        },
    )
    assert not _only(lint(root, LintConfig(select=["XF013"])).findings, "XF013")


def test_logrotate_names_log_files_that_glob_misses(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path / "s",
        {
            "docker-compose.yml": (
                "services:\n"
                "  nginx:\n"
                "    image: nginx:1.27\n"
                "    logging:\n"
                "      driver: json-file\n"
                "      options: {max-size: 10m, max-file: '3'}\n"
                "    volumes:\n"
                "      - ./nginx/default.conf:/etc/nginx/conf.d/default.conf:ro\n"
                "      - ./logs:/var/log/nginx\n"
            ),
            "nginx/default.conf": (
                "server {\n    listen 80;\n    access_log /var/log/nginx/app/access;\n"
                "    location / { root /srv; }\n}\n"
            ),
        },
    )
    (xf013,) = _only(lint(root, LintConfig(select=["XF013"])).findings, "XF013")
    assert "/var/log/nginx/app/access" in xf013.message
    assert main(["fix", str(root), "--write-logrotate", "--select", "XF013", "-q"]) == 0
    conf = (root / "nginx-logrotate.conf").read_text()
    logs = (root / "logs").resolve().as_posix()
    assert f"{logs}/*.log {{" in conf
    assert f"{logs}/app/*.log {logs}/app/access {{" in conf


# ---------------------------------------------------------------- 4: --no-color


def test_fix_accepts_no_color(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = write_tree(tmp_path / "s", {"docker-compose.yml": "services:\n  web:\n    image: a:1\n"})
    assert main(["fix", str(root), "--no-color", "--select", "CMP001"]) == 0
    assert "\x1b[" not in capsys.readouterr().out
    assert "restart: unless-stopped" in (root / "docker-compose.yml").read_text()
