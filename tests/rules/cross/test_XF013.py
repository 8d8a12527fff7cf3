"""XF013 nginx-logs-bind-mounted-without-rotation: its tests, gathered from the rule test modules by rule code."""

from __future__ import annotations

import shutil
from pathlib import Path

from infradoctor.cli.main import main
from infradoctor.config import LintConfig
from infradoctor.engine import lint
from infradoctor.findings import Finding
from infradoctor.fixes.apply import run_fixes
from tests.conftest import REPO, write_tree
from tests.rules.cross._topology_support import NGINX, Tree, loc, run, site


def test_logs_redirected_to_stdout_need_no_rotation(tree: Tree) -> None:
    compose = "services:\n" + NGINX + "      - ./logs:/var/log/nginx\n"
    conf = "access_log off;\nerror_log /dev/stderr;\n" + site(loc("/", "http://x:80"))
    assert run(tree, {"docker-compose.yml": compose, "nginx/conf.d/site.conf": conf}, "XF013") == []
    conf_files = "access_log /var/log/nginx/a.log;\n" + site(loc("/", "http://x:80"))
    [f] = run(tree, {"docker-compose.yml": compose, "nginx/conf.d/site.conf": conf_files}, "XF013")
    assert f.data["host_path"] == "./logs"


def _only(findings: list[Finding], rule: str) -> list[Finding]:
    return [f for f in findings if f.rule == rule]


# ---------------------------------------------------------------- log drivers and logrotate

CONFIG = LintConfig(report_unused_suppressions=False)


def test_log_driver_does_not_silence_log_files_on_a_bind_mount(tmp_path: Path) -> None:
    """Fix acceptance audit: a log driver (CMP002's fix) cleared XF013 though nginx writes
    files to a bind mount no driver rotates; only --write-logrotate clears it."""
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
    """Precision: logs sent to stdout/stderr are the driver's to rotate, so no XF013."""
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
    """Same audit: a log file the `*.log` glob misses must be named in the finding and in
    the written logrotate config."""
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
