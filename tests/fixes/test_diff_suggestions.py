"""Suggestion lines point at the file the user has: `fix --diff` writes nothing, so they use
the on-disk line numbers; a real `fix` writes, so they use the fixed file's (audit 2)."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from infradoctor.cli.main import main
from infradoctor.findings import Finding, Severity
from infradoctor.fixes.apply import FixRun
from infradoctor.model.source import Location
from tests.conftest import write_tree

# CMP001 inserts `restart:` into every service above the proxied ones, so the fixed file's
# line numbers for `api:` and `admin:` differ from the original's.
COMPOSE = """\
services:
  nginx:
    image: nginx:1.27
    ports:
      - "80:80"
    volumes:
      - ./nginx.conf:/etc/nginx/nginx.conf:ro
  api:
    image: example/api:1.0
  worker:
    image: example/worker:1.0
  admin:
    image: example/admin:1.0
"""
NGINX = """\
events {}
http {
  server {
    listen 80;
    location /api/ { proxy_pass http://api:8000; }
    location /admin/ { proxy_pass http://admin:8000; }
  }
}
"""
SELECT = ["--select", "CMP001,XF011"]


def _service_lines(text: str) -> dict[str, int]:
    return {
        m.group(1): text.count("\n", 0, m.start()) + 1
        for m in re.finditer(r"^  ([a-z]+):$", text, re.M)
    }


def _suggestions(out: str) -> dict[str, int]:
    """Service -> line of its XF011 suggestion."""
    return {
        m.group(2): int(m.group(1))
        for m in re.finditer(
            r"^suggestion docker-compose\.yml:(\d+):3: XF011 .* for (\w+) ", out, re.M
        )
    }


def test_diff_suggestions_use_on_disk_lines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = write_tree(tmp_path / "s", {"docker-compose.yml": COMPOSE, "nginx.conf": NGINX})
    main(["fix", str(root), "--diff", *SELECT])
    out = capsys.readouterr().out
    assert "+    restart: unless-stopped" in out
    assert (root / "docker-compose.yml").read_text() == COMPOSE
    lines = _service_lines(COMPOSE)
    assert _suggestions(out) == {"api": lines["api"], "admin": lines["admin"]}


def test_fix_suggestions_use_fixed_file_lines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = write_tree(tmp_path / "s", {"docker-compose.yml": COMPOSE, "nginx.conf": NGINX})
    main(["fix", str(root), *SELECT])
    out = capsys.readouterr().out
    fixed = (root / "docker-compose.yml").read_text()
    assert fixed != COMPOSE
    lines = _service_lines(fixed)
    assert lines["admin"] != _service_lines(COMPOSE)["admin"]
    assert _suggestions(out) == {"api": lines["api"], "admin": lines["admin"]}


def _finding(line: int, column: int = 5, subject: str = "new") -> Finding:
    return Finding(
        "XF011",
        "x",
        Severity.WARNING,
        "cross",
        "m",
        Location("a.yml", line, column),
        subject=subject,
    )


def test_as_before_carries_unmatched_findings_back_through_the_diff(tmp_path: Path) -> None:
    run = FixRun(tmp_path)
    run.originals["a.yml"] = "one\ntwo\nthree\n"
    run.results["a.yml"] = "one\nadded\nadded too\ntwo\nTHREE\n"
    mapped = run.as_before([_finding(1), _finding(4), _finding(3), _finding(5)])
    assert [(f.location.line, f.location.column) for f in mapped] == [
        (1, 5),  # untouched line: same place
        (2, 5),  # "two", moved down by the insertion
        (2, 1),  # inside the inserted lines: where they go in
        (3, 1),  # a replaced line: the line it replaced
    ]
    other_file = dataclasses.replace(_finding(9), location=Location("b.yml", 9, 2))
    assert run.as_before([other_file]) == [other_file]  # unchanged file: kept as is
