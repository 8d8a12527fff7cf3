"""Secrets in the scanned files never appear in any lint output format, including the
source excerpts of the text report."""

from __future__ import annotations

from pathlib import Path

import pytest

from infradoctor.cli.main import main
from tests.conftest import write_tree

PASSWORD = "Hunter2Pass-prod-9"
TOKEN = "7312846190:AAH3kq9ZtLx0vN2mP8rQwE5yU1iO4aS7dFg"
BASIC = "dXNlcjpzM2NyZXQtYmFzaWM="

FILES = {
    "docker-compose.yml": (
        "services:\n"
        "  api:\n"
        "    image: ghcr.io/acme/api:1.0.0\n"
        "    environment:\n"
        f"      DATABASE_URL: postgres://app:{PASSWORD}@db:5432/app\n"
        f"      POSTGRES_PASSWORD: {PASSWORD}\n"
        "    env_file: .env\n"
    ),
    ".env": f"TELEGRAM_BOT_TOKEN={TOKEN}\n",
    "nginx.conf": (
        "events {}\nhttp {\n  server {\n    listen 80;\n    location / {\n"
        "      proxy_pass http://api:8000;\n"
        f'      proxy_set_header Authorization "Basic {BASIC}";\n'
        "    }\n  }\n}\n"
    ),
}


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github"])
def test_no_secret_in_lint_output(
    fmt: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = write_tree(tmp_path / "s", FILES)
    code = main(["lint", str(root), "--format", fmt, "--no-color", "--extend-select", "SEC"])
    out = capsys.readouterr()
    assert code == 1
    text = out.out + out.err
    assert "SEC007" in text  # the secrets were found...
    for secret in (PASSWORD, TOKEN, BASIC, TOKEN.split(":")[1]):
        assert secret not in text, f"{fmt} output leaks a secret"  # ...and not shown
