"""Bad input never crashes a lint run: each broken file becomes an error entry that names
the file (and line where there is one), the rest of the stack is still checked, and the
exit code stays 0/1 (2 is for usage and internal errors only)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from infradoctor.cli.main import main

GOOD_COMPOSE = """\
services:
  api:
    image: ghcr.io/acme/api:1.2.3
    ports:
      - "8000:8000"
"""


def run_json(capsys: pytest.CaptureFixture[str], root: Path) -> tuple[int, dict]:
    code = main(["lint", str(root), "--format", "json"])
    out = capsys.readouterr().out
    return code, json.loads(out)


def errors_for(report: dict, file: str) -> list[dict]:
    return [e for e in report["errors"] if e["file"] == file]


def test_many_bad_files_in_one_tree(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "stack"
    (root / "broken").mkdir(parents=True)
    (root / "bomb").mkdir()
    (root / "bin").mkdir()
    (root / "nginx").mkdir()
    (root / "docker-compose.yml").write_text(GOOD_COMPOSE)
    # malformed YAML: an unclosed flow sequence on line 3
    (root / "broken" / "docker-compose.yml").write_text(
        "services:\n  web:\n    ports: [80:80\n    image: nginx\n"
    )
    # billion laughs
    lines = ['a: &a ["x","x","x","x","x","x","x","x","x"]']
    for i in range(1, 10):
        prev = chr(ord("a") + i - 1)
        cur = chr(ord("a") + i)
        lines.append(f"{cur}: &{cur} [*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev}]")
    lines.append("services:\n  x:\n    image: busybox:1.36\n    command: *j")
    (root / "bomb" / "compose.yaml").write_text("\n".join(lines) + "\n")
    # binary file with a compose name
    (root / "bin" / "docker-compose.yml").write_bytes(b"\x00\x01\x02binary\x00" * 100)
    # nginx with unbalanced braces
    (root / "nginx" / "nginx.conf").write_text(
        "events {}\nhttp {\n  server {\n    listen 80;\n    location / {\n"
        "      proxy_pass http://api:8000;\n  }\n"
    )
    # an include pointing nowhere and one outside the tree
    (root / "nginx" / "site.conf").write_text(
        "server {\n  listen 8080;\n  include /etc/nginx/snippets/missing.conf;\n"
        "  include ../../../../etc/passwd;\n  location / { return 200; }\n}\n"
    )
    # a symlink loop
    os.symlink("loop2", root / "loop1")
    os.symlink("loop1", root / "loop2")
    # malformed Dockerfile
    (root / "Dockerfile").write_text("FROM\nRUN echo hi \\\n")

    code, report = run_json(capsys, root)
    assert code in (0, 1)
    files = {e["file"] for e in report["errors"]}
    assert "broken/docker-compose.yml" in files
    broken = errors_for(report, "broken/docker-compose.yml")[0]
    assert broken["line"] and broken["line"] >= 3
    bomb = errors_for(report, "bomb/compose.yaml")
    assert bomb and bomb[0]["kind"] == "alias-bomb"
    assert errors_for(report, "bin/docker-compose.yml")[0]["kind"] == "binary"
    nginx_errors = errors_for(report, "nginx/nginx.conf")
    assert nginx_errors and nginx_errors[0]["line"]
    assert any(
        e["kind"] in ("include-missing", "include-outside")
        for e in errors_for(report, "nginx/site.conf")
    )
    assert any(e["kind"] == "symlink-loop" for e in report["errors"])
    for e in report["errors"]:
        assert "Traceback" not in e["message"]
        assert e["kind"] != "internal", e
    # the rest of the stack is still checked: the good compose file yields findings
    assert any(f["file"] == "docker-compose.yml" for f in report["findings"])


def test_oversized_file_is_skipped_with_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "big"
    root.mkdir()
    big = "services:\n" + "".join(f"  s{i}:\n    image: busybox:1.36\n" for i in range(200_000))
    (root / "docker-compose.yml").write_text(big)
    code, report = run_json(capsys, root)
    assert code in (0, 1)
    assert report["errors"][0]["kind"] == "too-large"
    assert report["errors"][0]["file"] == "docker-compose.yml"


def test_unreadable_file(capsys: pytest.CaptureFixture[str]) -> None:
    """As root (CI) the check drops to uid 65534 for the run, so the mode-000 file is
    really unreadable; as a normal user the mode alone does it."""
    import shutil
    import tempfile

    root = Path(tempfile.mkdtemp(prefix="infradoctor-perm-", dir="/tmp"))
    try:
        root.chmod(0o755)
        (root / "docker-compose.yml").write_text(GOOD_COMPOSE)
        (root / "docker-compose.yml").chmod(0)
        (root / "nginx.conf").write_text("events {}\nhttp { server { listen 80; } }\n")
        (root / "nginx.conf").chmod(0o644)
        as_root = os.geteuid() == 0
        if as_root:
            os.seteuid(65534)
        try:
            code, report = run_json(capsys, root)
        finally:
            if as_root:
                os.seteuid(0)
        assert code in (0, 1)
        errs = errors_for(report, "docker-compose.yml")
        assert errs and errs[0]["kind"] == "unreadable", report["errors"]
        assert "nginx.conf" not in {e["file"] for e in report["errors"]}
    finally:
        shutil.rmtree(root, ignore_errors=True)


def test_missing_path_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lint", str(tmp_path / "nope")]) == 2
    assert "nope" in capsys.readouterr().err
