"""XF009 polling-bot-replicated: its tests, gathered from the rule test modules by rule code."""

from __future__ import annotations

from tests.rules.cross._topology_support import Tree as Tree_cross_topology
from tests.rules.cross._topology_support import run
from tests.rules.cross.test_cross_commands import (
    BACKEND_DOCKERFILE,
    SEED_COMPOSE,
    SEED_ENV,
    TWO_BOTS,
    Tree,
    findings,
    seed_files,
)


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


def test_bot_that_only_sends_messages_is_not_a_poller(tree: Tree_cross_topology) -> None:
    compose = """\
services:
  api:
    image: example/api:1
    environment:
      TELEGRAM_BOT_TOKEN: x
    deploy:
      replicas: 3
"""
    assert run(tree, {"docker-compose.yml": compose}, "XF009") == []
    assert (
        run(
            tree,
            {
                "docker-compose.yml": compose.replace(
                    "image: example/api:1",
                    "image: example/api:1\n    command: python -m aiogram_bot",
                )
            },
            "XF009",
        )
        != []
    )
