"""The one-shot judgement reads the last command of a `&&`/`;` chain: a migration in
front of the app does not make a long-running service a job (issue 10)."""

from __future__ import annotations

from pathlib import Path

import pytest

from infradoctor.config import LintConfig
from infradoctor.engine import lint
from infradoctor.rules.compose._util import command_segments, one_shot_command


@pytest.mark.parametrize(
    ("command", "one_shot"),
    [
        ('sh -c "alembic upgrade head && python main.py"', False),
        ('sh -c "python manage.py migrate && python -m app"', False),
        ("bash -c 'flask db upgrade; ./run-app'", False),
        ('sh -c "python manage.py migrate && python manage.py collectstatic --noinput"', True),
        ('sh -c "npm ci && npm run build; exit 0"', True),
        ('sh -c "python app.py && python manage.py migrate"', True),
    ],
)
def test_last_command_decides(command: str, one_shot: bool) -> None:
    assert one_shot_command(command) is one_shot, command_segments(command)


DATA_ONLY = """\
services:
  source:
    image: alpine:latest
    volumes:
      - ./logs:/var/log/app
  shell:
    image: alpine:3.20
    tty: true
  app:
    image: python:3.12
    command: python -m app
"""


def test_bare_base_image_without_command_is_a_data_container(tmp_path: Path) -> None:
    """bitrixdock's `source` (alpine, no command): a restart policy would restart-loop it."""
    (tmp_path / "docker-compose.yml").write_text(DATA_ONLY)
    result = lint(tmp_path, LintConfig(select=["CMP001"]))
    assert sorted(f.subject or "" for f in result.findings) == ["app", "shell"]
