"""XF009: a long-polling chat bot runs more than once with one token: replicas of a service,
or several services of a project that poll with the same token."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from typing import Any

from infradoctor.facts.listen import command_tokens, mentions, service_env
from infradoctor.findings import Finding, Severity, subject_dict
from infradoctor.lazyre import lazy
from infradoctor.model.stack import Project, Service, Stack
from infradoctor.records import record
from infradoctor.rules.base import Example, Rule
from infradoctor.rules.compose._util import one_shot_reason

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

BAD_TWO_SERVICES = """\
services:
  backend:
    image: example/backend:3.0
    command: python main.py
    environment:
      TELEGRAM_BOT_TOKEN: ${TELEGRAM_BOT_TOKEN}
      ENABLE_TELEGRAM_BOT: "true"
  bot:
    image: example/backend:3.0
    command: python -m bot.run_polling
    environment:
      TELEGRAM_BOT_TOKEN: ${TELEGRAM_BOT_TOKEN}
"""

GOOD_TWO_SERVICES = BAD_TWO_SERVICES.replace(
    'ENABLE_TELEGRAM_BOT: "true"', 'ENABLE_TELEGRAM_BOT: "false"'
)

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
BOT_LIBS = (
    "python-telegram-bot",
    "aiogram",
    "telegraf",
    "pytelegrambotapi",
    "telebot",
    "node-telegram-bot-api",
    "grammy",
    "run_polling",
    "start_polling",
    "infinity_polling",
    "getupdates",
)
FALSE = frozenset({"false", "0", "no", "off", "disabled", ""})
# Processes that are something else than the bot even when they share its image and token.
OTHER_PROCESS_RE = lazy(
    r"\b(celery|rq\s+worker|rqworker|dramatiq|arq|taskiq|huey_consumer|sidekiq|alembic|"
    r"manage\.py\s+(migrate|collectstatic|shell)|pytest)\b"
)
VAR_REF_RE = lazy(r"\$\{?([_A-Za-z][_A-Za-z0-9]*)")


def _token_var(service: Service, env: dict[str, str]) -> str | None:
    for names in (service.environment, env):  # in this order, no list built
        for name in names:
            if _token_name(name):
                return name
    return None


@functools.lru_cache(maxsize=4096)  # every service's variables, names recur
def _token_name(name: str) -> bool:
    return TOKEN_RE.search(name) is not None


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


def _evidence(service: Service) -> list[tuple[str, str]]:
    """Every sign that `service` polls Telegram, as (kind, why), strongest first. Kinds:
    "library" (a bot library or polling call in image/RUN/command), "name", "command"
    (bot words in the command), "flag" (an ENABLE_*BOT* switch that is on)."""
    env = service_env(service)
    token = _token_var(service, env)
    if token is None or _disabled(env) or _webhook(service, env):
        return []
    found: list[tuple[str, str]] = []
    if mentions(service, BOT_LIBS):
        found.append(("library", f"{token} and a Telegram bot library in its image/command"))
    name = service.name.lower()
    if "bot" in re.split(r"[^a-z0-9]+", name) or name.endswith("bot") or name.startswith("bot"):
        found.append(("name", f"{token} in a service named '{service.name}'"))
    if mentions(service, ("polling", " bot", "bot.py", "bot/", "-m bot")):
        found.append(("command", f"{token} and a bot command"))
    for name, value in env.items():
        if "BOT" in name.upper() and "ENABLE" in name.upper() and value.lower() not in FALSE:
            found.append(("flag", f"{token} and {name}={value}"))
            break
    return found


def polling_bot_evidence(service: Service) -> str | None:
    """Why we think `service` runs a polling Telegram bot, or None."""
    found = _evidence(service)
    return found[0][1] if found else None


def _own_command(service: Service) -> str:
    """The container's own argv (compose command/entrypoint, else the Dockerfile's), lower
    case: unlike image and RUN lines it differs between services built from one image."""
    return " ".join(t.text for t in command_tokens(service)).lower()


def group_polling_evidence(service: Service, project: Project | None = None) -> str | None:
    """Like `polling_bot_evidence`, but only signs that belong to this service itself: used
    to say that several services poll one token, where a web backend or a worker that shares
    the bot's image and token only to *send* messages must not count. A bot library that
    only its image installs is no evidence; a task worker or one-shot job polls only when its
    own command names a polling call or library."""
    found = _evidence(service)
    if not found:
        return None
    command = _own_command(service)
    if any(lib in command for lib in BOT_LIBS):
        return found[0][1]
    if OTHER_PROCESS_RE.search(command) or one_shot_reason(service, project):
        return None
    for kind, why in found:
        if kind != "library":
            return why
    return None


@record(frozen=True, kw_only=True)
class PollingBot:
    """The project, the services polling one bot token and how many pollers."""

    project: str | None = None
    services: list[str] | None = None
    pollers: int | None = None
    token: str | None = None
    service: str | None = None
    replicas: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return subject_dict(self)


class PollingBotReplicated(Rule):
    code = "XF009"
    name = "polling-bot-replicated"
    title = "a polling Telegram bot runs more than once (replicas or services) with one token"
    severity = Severity.ERROR
    category = "cross-file"
    why = (
        "Telegram allows one `getUpdates` long-poll per bot token. A second replica's poll "
        "terminates the first one's, both get `409 Conflict: terminated by other getUpdates "
        "request; make sure that only one bot instance is running`, and updates are lost or "
        "handled twice while the replicas keep kicking each other off. Libraries often "
        "crash or stop the whole process on that error -- in a backend that also serves "
        "HTTP this takes the web server down with it (502 behind nginx). The same happens "
        "during a rolling update or when a second environment runs with the same token. "
        "Two services of one project polling with one token (the same value, the same "
        "`${VAR}` or the same env_file) fight the same way: typically a backend that "
        "started its own bot next to the old standalone bot service. A service that "
        "only sends messages with the token, or runs with a webhook URL, does not poll."
    )
    how_to_fix = (
        "Run exactly one polling instance (`replicas: 1`, a dedicated bot service separate "
        "from the scaled web backend; remove or disable the other services that poll the "
        "same token), or switch to webhooks (set the webhook URL; any number of replicas "
        "can then serve the webhook route behind nginx)."
    )
    references = (
        "https://core.telegram.org/bots/api#getupdates",
        "https://core.telegram.org/bots/api#setwebhook",
    )
    examples = (
        Example(
            bad={"docker-compose.yml": BAD},
            good={"docker-compose.yml": GOOD},
            description="two replicas poll the same token",
        ),
        Example(
            bad={"docker-compose.yml": BAD},
            good={"docker-compose.yml": GOOD_WEBHOOK},
            description="webhook mode can be replicated",
        ),
        Example(
            bad={"docker-compose.yml": BAD_TWO_SERVICES},
            good={"docker-compose.yml": GOOD_TWO_SERVICES},
            description="a backend that starts the bot and the old bot service poll one token",
        ),
    )

    def check(self, stack: Stack) -> Iterator[Finding]:
        for project in stack.projects:
            grouped: set[str] = set()
            for members, token in _shared_token_groups(stack, project):
                grouped.update(svc.name for svc, _ in members)
                yield self._group_finding(project, members, token)
            for svc in project.services.values():
                if not svc.replicas or svc.replicas <= 1 or svc.name in grouped:
                    continue
                why = polling_bot_evidence(svc)
                if why is None:
                    continue
                loc = (
                    svc.key_locations.get("deploy")
                    or svc.key_locations.get("scale")
                    or svc.location
                )
                yield self.finding(
                    loc,
                    f"'{svc.name}' looks like a polling Telegram bot ({why}) and runs "
                    f"{svc.replicas} replicas: Telegram answers 409 Conflict to all but one "
                    f"getUpdates poller",
                    subject=svc.name,
                    detail=PollingBot(
                        project=project.name, service=svc.name, replicas=svc.replicas
                    ),
                )

    def _group_finding(
        self, project: Project, members: list[tuple[Service, str]], token: str
    ) -> Finding:
        """One finding for services that poll one token, at the second of them."""
        pollers = sum(max(svc.replicas or 1, 1) for svc, _ in members)
        names = [
            f"'{svc.name}'"
            + (f" ({svc.replicas} replicas)" if svc.replicas and svc.replicas > 1 else "")
            for svc, _ in members
        ]
        evidence = "; ".join(f"{svc.name}: {why}" for svc, why in members)
        listed = ", ".join(names[:-1]) + f" and {names[-1]}"
        second = members[1][0]
        return self.finding(
            second.location,
            f"{listed} {'both' if len(members) == 2 else 'all'} poll Telegram with the same token ({token}) -- {evidence}: "
            f"Telegram answers 409 Conflict to all but one of these {pollers} getUpdates "
            f"pollers, and a crashing poller can take the web server in its process down",
            subject="+".join(svc.name for svc, _ in members),
            related=[svc.location for svc, _ in members if svc is not second],
            detail=PollingBot(
                project=project.name,
                services=[svc.name for svc, _ in members],
                pollers=pollers,
                token=token,
            ),
        )


def token_identity(stack: Stack, service: Service) -> tuple[tuple[str, ...], str] | None:
    """Which bot token `service` uses, as a key equal between services that use the same
    one (the value after interpolation; the `${VAR}` it refers to when that is unset or
    passed through from the host; the env_file that provides it), and how to say it."""
    env = service_env(service)
    name = _token_var(service, env)
    if name is None:
        return None
    var = service.environment.get(name)
    if var is None:  # Dockerfile ENV
        value = env.get(name, "").strip()
        return (("value", value), f"{name} from the Dockerfile") if value else None
    if var.value is None:
        return ("ref", name), f"${{{name}}} passed through from the host"
    source = stack.files.get(var.location.file)
    line = source.line_text(var.location.line) if source is not None else ""
    refs = VAR_REF_RE.findall(line.split(name, 1)[1] if name in line else "")
    where = f" from {var.from_file}" if var.from_file else ""
    unknown = var.value in service.unset_values or any(
        key.startswith(f"{name}=") for key in service.unset_values
    )
    if var.value.strip() and not (unknown and refs):
        return ("value", var.value.strip()), f"{name}{where}"
    if refs:
        return ("ref", refs[0]), f"{name}=${{{refs[0]}}}{where}, unset here"
    if var.from_file:
        return ("file", var.from_file, name), f"{name}{where}"
    return None


def _may_run_together(a: Service, b: Service) -> bool:
    """Services behind disjoint profiles are never started by one `docker compose up`."""
    return not a.profiles or not b.profiles or bool(set(a.profiles) & set(b.profiles))


def _shared_token_groups(
    stack: Stack, project: Project
) -> Iterator[tuple[list[tuple[Service, str]], str]]:
    """Groups of two or more services of `project` that poll with one token, each service
    with why we think it polls, and the token's description."""
    groups: dict[tuple[str, ...], tuple[list[tuple[Service, str]], str]] = {}
    for svc in project.services.values():
        if svc.replicas == 0:
            continue
        why = group_polling_evidence(svc, project)
        if why is None:
            continue
        identity = token_identity(stack, svc)
        if identity is None:
            continue
        key, token = identity
        groups.setdefault(key, ([], token))[0].append((svc, why))
    for members, token in groups.values():
        together = [
            (svc, why)
            for svc, why in members
            if any(_may_run_together(svc, other) for other, _ in members if other is not svc)
        ]
        if len(together) >= 2:
            yield together, token
