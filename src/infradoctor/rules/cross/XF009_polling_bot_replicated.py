"""XF009: a long-polling chat bot runs with more than one replica."""

from __future__ import annotations

import re
from collections.abc import Iterator

from infradoctor.findings import Finding, Severity
from infradoctor.loaders.listen import mentions, service_env
from infradoctor.model.stack import Service, Stack
from infradoctor.rules.base import Example, Rule

BAD = """\
services:
  bot:
    image: example/bot:1.2
    command: python -m bot
    environment:
      TELEGRAM_BOT_TOKEN: ${TELEGRAM_BOT_TOKEN}
    deploy:
      replicas: 2
"""

GOOD = BAD.replace("replicas: 2", "replicas: 1")

GOOD_WEBHOOK = """\
services:
  bot:
    image: example/bot:1.2
    command: python -m bot
    environment:
      TELEGRAM_BOT_TOKEN: ${TELEGRAM_BOT_TOKEN}
      WEBHOOK_URL: https://bot.example.com/telegram/webhook
    deploy:
      replicas: 2
"""

TOKEN_RE = re.compile(r"(TELEGRAM|(^|_)TG(_|$)|BOT).*TOKEN|TOKEN.*(TELEGRAM|BOT)", re.I)
BOT_LIBS = ("python-telegram-bot", "aiogram", "telegraf", "pytelegrambotapi", "telebot",
            "node-telegram-bot-api", "grammy", "run_polling", "start_polling",
            "infinity_polling", "getupdates")
FALSE = frozenset({"false", "0", "no", "off", "disabled", ""})


def _token_var(service: Service, env: dict[str, str]) -> str | None:
    for name in list(service.environment) + list(env):
        if TOKEN_RE.search(name):
            return name
    return None


def _webhook(service: Service, env: dict[str, str]) -> bool:
    for name, value in env.items():
        up = name.upper()
        if "WEBHOOK" in up and value.strip().lower() not in FALSE:
            return True
        if up.endswith("MODE") and "webhook" in value.lower():
            return True
    for name, var in service.environment.items():
        if "WEBHOOK" in name.upper() and var.value is None:
            return True  # passed through from the host: assume set
    return mentions(service, ("webhook",))


def _disabled(env: dict[str, str]) -> bool:
    for name, value in env.items():
        up = name.upper()
        if "BOT" in up and ("ENABLE" in up or up.endswith("_ENABLED")):
            if value.strip().lower() in FALSE:
                return True
    return False


def polling_bot_evidence(service: Service) -> str | None:
    """Why we think `service` runs a polling Telegram bot, or None."""
    env = service_env(service)
    token = _token_var(service, env)
    if token is None or _disabled(env) or _webhook(service, env):
        return None
    if mentions(service, BOT_LIBS):
        return f"{token} and a Telegram bot library in its image/command"
    name = service.name.lower()
    if "bot" in re.split(r"[^a-z0-9]+", name) or name.endswith("bot") or name.startswith("bot"):
        return f"{token} in a service named '{service.name}'"
    if mentions(service, ("polling", " bot", "bot.py", "bot/", "-m bot")):
        return f"{token} and a bot command"
    for name, value in env.items():
        if "BOT" in name.upper() and "ENABLE" in name.upper() and value.lower() not in FALSE:
            return f"{token} and {name}={value}"
    return None


class PollingBotReplicated(Rule):
    code = "XF009"
    name = "polling-bot-replicated"
    title = "a polling Telegram bot runs with more than one replica"
    severity = Severity.ERROR
    category = "cross-file"
    why = (
        "Telegram allows one `getUpdates` long-poll per bot token. A second replica's poll "
        "terminates the first one's, both get `409 Conflict: terminated by other getUpdates "
        "request; make sure that only one bot instance is running`, and updates are lost or "
        "handled twice while the replicas keep kicking each other off. Libraries often "
        "crash or stop the whole process on that error -- in a backend that also serves "
        "HTTP this takes the web server down with it (502 behind nginx). The same happens "
        "during a rolling update or when a second environment runs with the same token.")
    how_to_fix = (
        "Run exactly one polling instance (`replicas: 1`, a dedicated bot service separate "
        "from the scaled web backend), or switch to webhooks (set the webhook URL; any "
        "number of replicas can then serve the webhook route behind nginx).")
    references = (
        "https://core.telegram.org/bots/api#getupdates",
        "https://core.telegram.org/bots/api#setwebhook",
    )
    examples = (
        Example(bad={"docker-compose.yml": BAD}, good={"docker-compose.yml": GOOD},
                description="two replicas poll the same token"),
        Example(bad={"docker-compose.yml": BAD}, good={"docker-compose.yml": GOOD_WEBHOOK},
                description="webhook mode can be replicated"),
    )

    def check(self, stack: Stack) -> Iterator[Finding]:
        for project in stack.projects:
            for svc in project.services.values():
                if not svc.replicas or svc.replicas <= 1:
                    continue
                why = polling_bot_evidence(svc)
                if why is None:
                    continue
                loc = svc.key_locations.get("deploy") or svc.key_locations.get(
                    "scale") or svc.location
                yield self.finding(
                    loc,
                    f"'{svc.name}' looks like a polling Telegram bot ({why}) and runs "
                    f"{svc.replicas} replicas: Telegram answers 409 Conflict to all but one "
                    f"getUpdates poller",
                    subject=svc.name,
                    data={"project": project.name, "service": svc.name,
                          "replicas": svc.replicas},
                )
