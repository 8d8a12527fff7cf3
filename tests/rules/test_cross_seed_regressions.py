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


def test_seed_backend_and_old_bot_service_poll_one_token(tree: Tree) -> None:
    found = findings(tree, seed_files(), "XF009")
    assert len(found) == 1
    f = found[0]
    assert (f.location.file, f.location.line) == ("docker-compose.yml", 9)  # at `bot:`
    assert [(r.file, r.line) for r in f.related] == [("docker-compose.yml", 2)]
    assert "'backend'" in f.message and "'bot'" in f.message
    assert "ENABLE_TELEGRAM_BOT=true" in f.message
    assert f.data["services"] == ["backend", "bot"] and f.data["pollers"] == 2


def test_bot_disabled_in_backend_leaves_one_poller(tree: Tree) -> None:
    env = SEED_ENV.replace("ENABLE_TELEGRAM_BOT=true", "ENABLE_TELEGRAM_BOT=false")
    assert findings(tree, seed_files(**{".env": env}), "XF009") == []


def test_backend_that_only_sends_messages_does_not_poll(tree: Tree) -> None:
    """The token for sending notifications, and a bot library in the shared image, are no
    evidence of polling in the backend's own process."""
    env = SEED_ENV.replace("ENABLE_TELEGRAM_BOT=true\n", "")
    dockerfile = BACKEND_DOCKERFILE.replace("-r requirements.txt", "aiogram fastapi")
    compose = SEED_COMPOSE.replace(
        "    build: ./backend\n    env_file: .env\n    ports",
        "    build: ./backend\n    command: uvicorn app:app\n    env_file: .env\n    ports",
        1,
    )
    files = seed_files(
        **{".env": env, "backend/Dockerfile": dockerfile, "docker-compose.yml": compose}
    )
    assert findings(tree, files, "XF009") == []


def test_worker_sharing_the_bot_image_does_not_poll(tree: Tree) -> None:
    compose = """\
services:
  bot:
    image: example/bot:1
    command: python -m bot
    environment:
      TELEGRAM_BOT_TOKEN: ${TELEGRAM_BOT_TOKEN}
  worker:
    image: example/bot:1
    command: celery -A bot.tasks worker
    environment:
      TELEGRAM_BOT_TOKEN: ${TELEGRAM_BOT_TOKEN}
      ENABLE_BOT_NOTIFICATIONS: "true"
"""
    assert findings(tree, {"docker-compose.yml": compose}, "XF009") == []


def test_webhook_service_does_not_poll(tree: Tree) -> None:
    env = SEED_ENV
    compose = SEED_COMPOSE.replace(
        "    ports:\n",
        "    environment:\n      WEBHOOK_URL: https://api.example.com/tg\n    ports:\n",
        1,
    )
    files = seed_files(**{".env": env, "docker-compose.yml": compose})
    assert findings(tree, files, "XF009") == []


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


def test_same_unresolved_reference_is_the_same_token(tree: Tree) -> None:
    compose = TWO_BOTS.replace("${TOKEN_B}", "${TOKEN_A}")
    found = findings(tree, {"docker-compose.yml": compose}, "XF009")
    assert len(found) == 1 and "TOKEN_A" in found[0].message
    assert found[0].location.line == 7


def test_different_tokens_are_different_bots(tree: Tree) -> None:
    assert findings(tree, {"docker-compose.yml": TWO_BOTS}, "XF009") == []


def test_same_value_after_interpolation(tree: Tree) -> None:
    files = {"docker-compose.yml": TWO_BOTS, ".env": "TOKEN_A=123:abc\nTOKEN_B=123:abc\n"}
    found = findings(tree, files, "XF009")
    assert len(found) == 1 and found[0].data["services"] == ["bot", "bot-legacy"]


def test_replicas_count_and_single_finding(tree: Tree) -> None:
    compose = TWO_BOTS.replace("${TOKEN_B}", "${TOKEN_A}").replace(
        "      TELEGRAM_BOT_TOKEN: ${TOKEN_A}\n",
        "      TELEGRAM_BOT_TOKEN: ${TOKEN_A}\n    deploy:\n      replicas: 2\n",
        1,
    )
    found = findings(tree, {"docker-compose.yml": compose}, "XF009")
    assert len(found) == 1 and found[0].data["pollers"] == 3


def test_disjoint_profiles_never_run_together(tree: Tree) -> None:
    compose = (
        TWO_BOTS.replace("${TOKEN_B}", "${TOKEN_A}")
        .replace("    image: example/bot:1\n", "    image: example/bot:1\n    profiles: [new]\n")
        .replace(
            "    image: example/bot:0.9\n", "    image: example/bot:0.9\n    profiles: [old]\n"
        )
    )
    assert findings(tree, {"docker-compose.yml": compose}, "XF009") == []


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


@pytest.mark.parametrize(
    ("compose", "one_shot"),
    [
        (REDPANDA, False),
        (WAIT_FOR, False),
        (MIGRATE, True),
    ],
)
def test_xf004_recommends_completion_only_for_real_jobs(
    tree: Tree, compose: str, one_shot: bool
) -> None:
    found = findings(
        tree, {"docker-compose.yml": compose, "Dockerfile": "FROM python:3\n"}, "XF004"
    )
    assert len(found) == 1
    assert found[0].data["one_shot"] is one_shot
    assert ("service_completed_successfully" in found[0].message) is one_shot
