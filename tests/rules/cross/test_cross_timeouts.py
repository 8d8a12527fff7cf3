"""XF008 helpers: which app-server timeouts we read and how nginx times are parsed."""

from __future__ import annotations

from typing import Any

import pytest

from infradoctor.model.source import Location
from infradoctor.model.stack import EnvVar, Service
from infradoctor.rules.cross._common import closest, nginx_seconds
from infradoctor.rules.cross.XF008_proxy_timeout_mismatch_app_timeout import app_timeouts
from infradoctor.rules.cross.XF009_polling_bot_replicated import polling_bot_evidence

LOC = Location("docker-compose.yml", 1)


def service(command: Any, env: dict[str, str] | None = None, name: str = "app") -> Service:
    svc = Service(name, "p", "docker-compose.yml", LOC, command=command)
    for k, v in (env or {}).items():
        svc.environment[k] = EnvVar(k, v, LOC)
    return svc


@pytest.mark.parametrize(
    ("command", "env", "expected"),
    [
        ("gunicorn app:app", {}, ("gunicorn", 30.0, False, True, None)),
        ("gunicorn -t 90 app:app", {}, ("gunicorn", 90.0, True, True, None)),
        ("gunicorn --timeout=120 -k gthread app:app", {}, ("gunicorn", 120.0, True, False, 2.0)),
        (
            "gunicorn -k uvicorn.workers.UvicornWorker app:app",
            {},
            ("gunicorn", None, False, True, 2.0),
        ),
        (
            "gunicorn app:app",
            {"GUNICORN_CMD_ARGS": "--timeout 45"},
            ("gunicorn", 45.0, True, True, None),
        ),
        ("uvicorn app:app", {}, ("uvicorn", None, False, True, 5.0)),
        ("uvicorn app:app --timeout-keep-alive 75", {}, ("uvicorn", None, False, True, 75.0)),
        ("hypercorn app:app", {}, ("hypercorn", None, False, True, 5.0)),
        ("uwsgi --http :8000 --harakiri 30", {}, ("uwsgi", 30.0, True, True, None)),
    ],
)
def test_app_timeouts(
    command: str, env: dict[str, str], expected: tuple[str, float | None, bool, bool, float | None]
) -> None:
    t = app_timeouts(service(command, env))
    assert t is not None
    assert (t.server, t.request, t.request_explicit, t.request_enforced, t.idle) == expected


def test_unknown_or_configured_servers_have_no_timeouts() -> None:
    assert app_timeouts(service("node server.js")) is None
    assert app_timeouts(service("gunicorn -c conf.py app:app")) is None
    assert app_timeouts(service("uwsgi --ini app.ini")) is None


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("60", 60),
        ("60s", 60),
        ("5m", 300),
        ("1m30s", 90),
        ("500ms", 0.5),
        ("1h", 3600),
        ("abc", None),
        ("", None),
        ("10x", None),
    ],
)
def test_nginx_seconds(text: str, seconds: float | None) -> None:
    assert nginx_seconds(text) == seconds


def test_closest_name() -> None:
    names = ["api", "auth", "postgres", "penpot-backend", "penpot-redis"]
    assert closest("postgress", names) == "postgres"
    assert closest("auth-service", names) == "auth"
    assert closest("penpot-admin", names) is None
    assert closest("zzz", names) is None


@pytest.mark.parametrize(
    ("name", "command", "env", "polling"),
    [
        ("bot", None, {"TELEGRAM_BOT_TOKEN": "x"}, True),
        ("api", None, {"TELEGRAM_BOT_TOKEN": "x"}, False),
        ("api", "python -m aiogram_app", {"BOT_TOKEN": "x"}, True),
        ("bot", None, {"TELEGRAM_BOT_TOKEN": "x", "WEBHOOK_URL": "https://x/hook"}, False),
        ("bot", None, {"TELEGRAM_BOT_TOKEN": "x", "WEBHOOK_URL": ""}, True),
        ("backend", None, {"TELEGRAM_BOT_TOKEN": "x", "ENABLE_TELEGRAM_BOT": "true"}, True),
        ("backend", None, {"TELEGRAM_BOT_TOKEN": "x", "ENABLE_TELEGRAM_BOT": "false"}, False),
        ("bot", None, {"BOT_MODE": "webhook", "TG_TOKEN": "x"}, False),
        ("worker", None, {"SLACK_TOKEN": "x"}, False),
    ],
)
def test_polling_bot_evidence(
    name: str, command: str | None, env: dict[str, str], polling: bool
) -> None:
    assert (polling_bot_evidence(service(command, env, name)) is not None) == polling
