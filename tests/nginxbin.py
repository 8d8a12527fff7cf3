"""The nginx binary for tests that check a config with a real `nginx -t` (Debian package
nginx): one lookup, and a missing nginx fails the test in CI instead of skipping it."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest


def find_nginx() -> str | None:
    """INFRADOCTOR_NGINX, nginx on PATH, or Debian's /usr/sbin/nginx."""
    for candidate in (
        os.environ.get("INFRADOCTOR_NGINX"),
        shutil.which("nginx"),
        "/usr/sbin/nginx",
    ):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


def in_ci() -> bool:
    """CI=true (or 1/yes): real components must be there."""
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def require_nginx() -> str:
    """The nginx binary; a missing one fails the test in CI (never a silent skip) and
    skips it elsewhere."""
    found = find_nginx()
    if found is None:
        if not in_ci():
            pytest.skip("nginx not installed (apt-get install nginx)")
        pytest.fail("no nginx binary under CI: apt-get install nginx (or set INFRADOCTOR_NGINX)")
    return found


def nginx_t(conf: str, work: Path) -> str:
    """Run `nginx -t` on `conf` (a full nginx.conf or a conf.d snippet, wrapped in http{})
    with every upstream host replaced by 127.0.0.1 (no DNS) and mime.types inlined. Returns
    nginx's output; raises AssertionError when the test fails."""
    nginx = require_nginx()
    text = re.sub(r"(\bserver\s+)[A-Za-z][\w.-]*(:\d+)", r"\g<1>127.0.0.1\2", conf)
    text = re.sub(r"(https?://)[A-Za-z][\w.-]*(:\d+)", r"\g<1>127.0.0.1\2", text)
    text = text.replace("include /etc/nginx/mime.types;", "")
    if not re.search(r"^\s*http\s*\{", text, re.M):
        text = f"events {{}}\nhttp {{\n{text}\n}}\n"
    work.mkdir(parents=True, exist_ok=True)
    (work / "logs").mkdir(exist_ok=True)
    text = text.replace("/var/log/nginx/", f"{work}/logs/")
    (work / "nginx.conf").write_text(text)
    proc = subprocess.run(
        [
            nginx,
            "-t",
            "-q",
            "-p",
            str(work),
            "-c",
            str(work / "nginx.conf"),
            "-g",
            f"pid {work}/nginx.pid; error_log {work}/logs/error.log;",
        ],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    return out
