"""tests/nginxbin.py: the real-nginx tests (`nginx -t` on fixed configs) must never skip
silently in CI; without nginx they fail there and skip only outside CI."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import nginxbin


def test_missing_nginx_fails_under_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    """CI=true with no nginx: the test fails, it does not skip."""
    monkeypatch.setattr(nginxbin, "find_nginx", lambda: None)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="no nginx binary under CI"):
        nginxbin.require_nginx()


def test_missing_nginx_skips_outside_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    """A developer machine without nginx skips (with the install hint)."""
    monkeypatch.setattr(nginxbin, "find_nginx", lambda: None)
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="apt-get install nginx"):
        nginxbin.require_nginx()


def test_nginx_override_is_used(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """INFRADOCTOR_NGINX names the binary before PATH and /usr/sbin."""
    exe = tmp_path / "nginx"
    exe.write_text("#!/bin/sh\n")
    exe.chmod(0o755)
    monkeypatch.setenv("INFRADOCTOR_NGINX", str(exe))
    assert nginxbin.require_nginx() == str(exe)
