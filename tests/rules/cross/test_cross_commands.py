"""Regressions from the user audit: XF009 across services (the seed 001 incident: a backend
that starts the bot and the old bot service poll one token), and the one-shot judgement that
XF004 and CMP001/CMP002/CMP005/DKR007 share (whole words, wait-for wrappers)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

from infradoctor.engine import lint
from infradoctor.findings import Finding
from infradoctor.rules.compose._util import command_segments, one_shot_command

Tree = Callable[..., Path]

SEED_ENV = """\
TELEGRAM_BOT_TOKEN=7412345678:AAH3kq9xVbYzT1mN0pQrS2uVwX4yZ5aB6cD
ENABLE_TELEGRAM_BOT=true
"""

SEED_COMPOSE = """\
services:
  backend:
    build: ./backend
    env_file: .env
    ports:
      - "127.0.0.1:8000:8000"
    restart: always

  bot:
    build: ./backend
    command: python -m bot.run_polling
    env_file: .env
    restart: always

  db:
    image: postgres:15
"""

BACKEND_DOCKERFILE = """\
FROM python:3.11-slim
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
CMD python main.py
"""


def findings(tree: Tree, files: Mapping[str, str], rule: str) -> list[Finding]:
    root = tree(files)
    return [f for f in lint(root).findings if f.rule == rule]


def seed_files(**changes: str) -> dict[str, str]:
    files = {
        "docker-compose.yml": SEED_COMPOSE,
        ".env": SEED_ENV,
        "backend/Dockerfile": BACKEND_DOCKERFILE,
    }
    files.update(changes)
    return files


# ------------------------------------------------------------------ XF009 across services


TWO_BOTS = """\
services:
  bot:
    image: example/bot:1
    command: python -m bot
    environment:
      TELEGRAM_BOT_TOKEN: ${TOKEN_A}
  bot-legacy:
    image: example/bot:0.9
    command: python bot.py
    environment:
      - TG_BOT_TOKEN=${TOKEN_B}
"""


# --------------------------------------------------------------------- one-shot judgement


@pytest.mark.parametrize(
    ("command", "one_shot"),
    [
        ("redpanda start --overprovisioned --smp=1", False),
        ("sh -c wait-for redis:6379 -- uvicorn realtime.main:app --host 0.0.0.0", False),
        ("./deploy/wait-for-postgres.sh bash /label-studio/deploy/start_label_studio.sh", False),
        ("dockerize -wait tcp://db:5432 -timeout 60s python manage.py migrate", True),
        ("./wait-for-it.sh db:5432 -- alembic upgrade head", True),
        ("python manage.py migrate", True),
        ("python manage.py runserver 0.0.0.0:8000", False),
        ("alembic -c alembic.ini upgrade head", True),
        ('sh -c "npm ci && npm run build"', True),
        ('sh -c "pip install -r requirements.txt && python bot.py"', False),
        ("chmod +x /entrypoint.sh && /entrypoint.sh", False),
        ("python /app/init_db.py", True),
        ("node dist/main.js --migrations-table=x", False),
        ("/usr/bin/provisioner-agent --provision-mode=auto", False),
        ('sh -c "mc alias set s3 http://minio:9000 a b && mc mb -p s3/media; exit 0"', True),
    ],
)
def test_one_shot_command_matches_whole_words(command: str, one_shot: bool) -> None:
    assert one_shot_command(command) is one_shot, command_segments(command)


REDPANDA = """\
services:
  redpanda:
    image: docker.redpanda.com/redpandadata/redpanda:v24.1.7
    command:
      - redpanda
      - start
      - --overprovisioned
  schema-registry:
    image: confluentinc/cp-schema-registry:7.6.0
    depends_on:
      - redpanda
"""

WAIT_FOR = """\
services:
  redis:
    image: redis:7-alpine
  realtime:
    build: .
    command: ["sh", "-c", "wait-for redis:6379 -- uvicorn realtime.main:app --port 8002"]
  nginx:
    image: nginx:1.25-alpine
    depends_on:
      - realtime
"""

MIGRATE = """\
services:
  migrate:
    image: example/api:1
    command: python manage.py migrate
  api:
    image: example/api:1
    depends_on:
      - migrate
"""
