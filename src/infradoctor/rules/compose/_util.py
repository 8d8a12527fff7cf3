"""Helpers shared by the compose, security and Dockerfile rules: reading the merged raw
service mapping, sizes, command text and the long-running vs one-shot judgement."""

from __future__ import annotations

import functools
import re
from typing import Any, cast

from infradoctor.facts.sizes import human_size as human_size  # re-exported
from infradoctor.lazyre import lazy
from infradoctor.model.source import Location
from infradoctor.model.stack import Project, Service, Stack
from infradoctor.subjects import ServiceSubject
from infradoctor.syntax.numbers import docker_size
from infradoctor.syntax.shell import split_words


def raw_get(service: Service, *path: str) -> Any:
    """A nested value of the merged compose mapping (None when any level is missing)."""
    node: Any = service.raw
    for key in path:
        if not isinstance(node, dict):
            return None
        node = node.get(key)
    return node


def service_subject(service: Service) -> ServiceSubject:
    return ServiceSubject(service.name, service.project)


def as_text(value: list[str] | str | None) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return " ".join(str(v) for v in value)
    return str(value)


def parse_size(text: object) -> int | None:
    """Bytes of a compose/Docker size (`512m`, `1g`, `1.5GB`, `268435456`); None if
    unparsable. Never raises; an absurdly large size is clamped to `numbers.HUGE`."""
    return docker_size(text)


def memory_limit(service: Service) -> tuple[int, str, Location] | None:
    """(bytes, text, where) of the container's hard memory limit (`Service.memory_limit`:
    `deploy.resources.limits.memory`, else `mem_limit`, as compose applies them)."""
    limit = service.memory_limit
    if limit is None:
        return None
    return limit.bytes, limit.text, service.loc(limit.key)


# ------------------------------------------------------------- one-shot detection

TOOL_PROFILES = frozenset(
    {
        "tools",
        "tool",
        "cli",
        "manual",
        "setup",
        "init",
        "migrate",
        "migration",
        "migrations",
        "test",
        "tests",
        "testing",
        "build",
        "builder",
        "job",
        "jobs",
        "oneshot",
        "one-off",
        "utils",
        "util",
        "scripts",
        "script",
        "backup",
        "restore",
        "seed",
        "admin-tools",
        "ci",
        "e2e",
        "lint",
        "maintenance",
        "dev-tools",
        "debug-tools",
    }
)

ONE_SHOT_NAME_RE = lazy(
    r"(^|[-_.])(migrate|migrations?|migrator|init|initiali[sz]er?|setup|seed(er|s)?|bootstrap|"
    r"provision(er)?|create[-_]?buckets?|createbuckets|build(er)?|tests?|e2e|sut|restore|"
    r"install(er)?|prepare|fixtures|collectstatic|compile|generate|codegen|permissions?|"
    r"chown|once|job|oneshot|one-shot|import(er)?|manage)($|[-_.\d])",
    re.IGNORECASE,
)

# Matched against one shell command at a time (see `command_segments`): words separated by
# single spaces, lower case, paths reduced to their last part, so every alternative has to
# match whole words -- `--overprovisioned` or `wait-for` are not "provision"/"init".
ONE_SHOT_COMMAND_RE = lazy(
    r"(?<!\S)(?:manage\.py (?:migrate|collectstatic|createsuperuser|loaddata|compilemessages|"
    r"makemigrations|check|test)|alembic(?: \S+)* upgrade|flask db upgrade|db upgrade|"
    r"(?:npm|pnpm) (?:run build|ci|install|test)|yarn (?:run )?build|yarn install|"
    r"flyway(?: \S+)* migrate|liquibase(?: \S+)* update|prisma migrate|"
    r"sequelize(?: \S+)* db:migrate|db:(?:migrate|setup|create|seed)(?::\S+)?|rake db:\S+|"
    r"goose(?: \S+)* up|migrate (?:-path|-source|-database|up)\S*|dbmate up|mix ecto\.migrate|"
    r"artisan migrate(?::\S+)?|console doctrine:migrations:\S+|mc (?:mb|alias|admin|policy)|"
    r"pytest|go test|composer install|pip3? install|cypress run|"
    r"chown|chmod|cp -r|mkdir -p|migrate(?::\S+)?|collectstatic)(?!\S)",
)

# A script whose name says what it does: `python init_db.py`, `sh ./create-buckets.sh`.
ONE_SHOT_SCRIPT_RE = lazy(
    r"(^|[-_.])(migrat\w*|init|initdb|seed(er|s)?|setup|bootstrap|provision(er)?|"
    r"create[-_]?buckets?|collectstatic|load[-_]?fixtures)([-_.][\w-]*)?\.(py|sh|js|ts|rb|php)$",
)

SHELL_OPERATORS = frozenset({";", "&&", "||", "|", "&", ";;"})
# Words in front of the real program: shells, init shims, privilege droppers, shell syntax.
PREFIX_WORDS = frozenset(
    {
        "sh",
        "bash",
        "ash",
        "dash",
        "zsh",
        "-c",
        "-ec",
        "-ce",
        "-e",
        "-ex",
        "-xe",
        "-x",
        "-lc",
        "-l",
        "exec",
        "env",
        "nohup",
        "time",
        "tini",
        "dumb-init",
        "--",
        "-g",
        "-s",
        "if",
        "then",
        "else",
        "elif",
        "fi",
        "do",
        "done",
        "while",
        "until",
        "!",
        "{",
        "}",
        "(",
        ")",
    }
)
PRIVILEGE_DROPPERS = frozenset({"gosu", "su-exec", "chpst"})
# Commands that set up or wait and never are what the container is for.
TRIVIAL_WORDS = frozenset(
    {
        "exit",
        "true",
        "false",
        ":",
        "echo",
        "printf",
        "sleep",
        "cd",
        "export",
        "set",
        "nc",
        "pg_isready",
        "test",
        "[",
        "[[",
        "cat",
        "ls",
        "source",
        ".",
        "wait",
        "trap",
        "umask",
        "ulimit",
        "unset",
        "mysqladmin",
        "redis-cli",
    }
)
DOCKERIZE_VALUE_OPTIONS = frozenset(
    {
        "-wait",
        "-timeout",
        "-template",
        "-wait-retry-interval",
        "-stdout",
        "-stderr",
        "-poll",
        "-env",
        "-delims",
        "-wait-http-header",
    }
)


MAX_SCRIPT_NESTING = 8  # `sh -c "... sh -c '...'"` levels re-split; deeper stays one word
MAX_SCRIPT_WORDS = 10_000  # words of a command that are read (no real command has more)
MAX_COMMAND_CHARS = 100_000  # characters of a command that are searched


def _split_script(text: str) -> list[str]:
    return split_words(text.replace("\n", " ; "), ";&|", comments=True, max_words=MAX_SCRIPT_WORDS)


def _shell_words(text: str) -> list[str]:
    """Words and operators of a shell command; quoted `sh -c` scripts are split too.

    Iterative with a work list: a word is re-split only while that changes it and at most
    MAX_SCRIPT_NESTING levels deep, so any input ends in time linear in its length (an
    unterminated quote makes the rest of the text one word, see `split_words`)."""
    out: list[str] = []
    pending: list[tuple[str, int]] = [(w, 0) for w in reversed(_split_script(text))]
    while pending and len(out) < MAX_SCRIPT_WORDS:
        word, depth = pending.pop()
        if (
            depth < MAX_SCRIPT_NESTING
            and word not in SHELL_OPERATORS
            and (" " in word or "\t" in word or ";" in word)
        ):
            inner = _split_script(word)
            if inner != [word]:
                pending.extend((w, depth + 1) for w in reversed(inner))
                continue
        out.append(word)
    return out


def _program(words: list[str]) -> list[str]:
    """`words` of one command without shell prefixes, and without a wait-for/dockerize
    wrapper: for `wait-for db:5432 -- uvicorn app` the program is `uvicorn app`."""
    while words:
        first = words[0].rsplit("/", 1)[-1]
        if first in PREFIX_WORDS or re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", first):
            words = words[1:]
        elif first in PRIVILEGE_DROPPERS:
            words = words[2:]
        elif first.startswith(("wait-for", "wait_for", "wait4")):
            words = words[words.index("--") + 1 :] if "--" in words else []
        elif first == "dockerize":
            rest = words[1:]
            while rest and rest[0].startswith("-"):
                option = rest[0].split("=", 1)[0]
                rest = (
                    rest[2:]
                    if option in DOCKERIZE_VALUE_OPTIONS and "=" not in rest[0]
                    else rest[1:]
                )
            words = rest
        else:
            break
    return words


def command_segments(text: str) -> list[str]:
    """The commands of a container command line that matter, in order: each as words
    joined by single spaces, lower case, paths cut to their last part; shell prefixes,
    wait-for wrappers and trivial steps (echo, sleep, exit, waiting probes) removed."""
    segments: list[str] = []
    current: list[str] = []
    for word in [*_shell_words(text), ";"]:
        if word not in SHELL_OPERATORS:
            word = word.strip("[],\"'").lower()
            if word:
                current.append(word)
            continue
        program = _program(current)
        current = []
        if not program:
            continue
        words = [
            w if w.startswith("-") or "://" in w else w.rstrip("/").rsplit("/", 1)[-1]
            for w in program
        ]
        if words[0] in TRIVIAL_WORDS:
            continue
        segments.append(" ".join(words))
    return segments


def _one_shot_segment(segment: str) -> bool:
    if ONE_SHOT_COMMAND_RE.search(segment):
        return True
    return any(ONE_SHOT_SCRIPT_RE.search(word) for word in segment.split(" ")[:2])


def one_shot_command(text: str) -> bool:
    """Whether a command line is a task that exits, judged by its last command (matched
    by whole words): what runs last is what the container is. `alembic upgrade head &&
    python main.py` and `pip install -r r.txt && python bot.py` are long-running; `npm ci
    && npm run build` is a job."""
    segments = command_segments(text)
    return bool(segments) and _one_shot_segment(segments[-1])


LONG_RUNNING_COMMAND_RE = lazy(
    r"\b(gunicorn|uvicorn|hypercorn|daphne|runserver|uwsgi|celery\s+(-A\s+\S+\s+)?(worker|beat)|"
    r"npm\s+(run\s+)?start|node\s+\S+|java\s|nginx|httpd|php-fpm|puma|rails\s+s(erver)?|"
    r"sleep\s+infinity|tail\s+-f|supervisord|serve\b|flask\s+run|exec\s+\S+|while\s*(true|:|\[)|"
    r"dramatiq|rq\s+worker|sidekiq|streamlit\s+run|next\s+start|crond?\b|supercronic)|"
    r"--repeat\b|(^|[\"'\s])([\d*/,\-]+\s+){4}[\d*/,\-]+\s",
    re.IGNORECASE,
)

ONE_SHOT_IMAGES_RE = lazy(
    r"^(.*/)?(flyway|liquibase|migrate|mc|aws-cli|curl|dbmate|goose|atlas|certbot)(:|@|$)",
    re.IGNORECASE,
)


# Base OS images whose default command is a shell: with no command and no tty the
# container exits at once (a data-only container that only holds volumes).
SHELL_IMAGE_RE = lazy(
    r"^(docker\.io/)?(library/)?(alpine|busybox|debian|ubuntu)(:|@|$)", re.IGNORECASE
)


def exits_at_once(service: Service) -> bool:
    """A bare base-OS image with no command, entrypoint, build or tty: its shell exits."""
    if service.command is not None or service.entrypoint is not None or service.build_context:
        return False
    if raw_get(service, "tty") or raw_get(service, "stdin_open"):
        return False
    return bool(SHELL_IMAGE_RE.match(service.image or ""))


def command_text(service: Service) -> str:
    """Entrypoint + command as one string; the Dockerfile's when compose sets none. Cut
    at MAX_COMMAND_CHARS: the patterns run over it are linear but not cheap, and no real
    command line is that long."""
    entry = as_text(service.entrypoint)
    cmd = as_text(service.command)
    df = service.dockerfile
    if df is not None:
        if not entry and df.entrypoint is not None:
            entry = df.entrypoint.value
        if not cmd and df.cmd is not None and service.entrypoint is None:
            cmd = df.cmd.value
    return f"{entry} {cmd}".strip()[:MAX_COMMAND_CHARS]


def completed_dependency(project: Project | None, service: Service) -> bool:
    """Another service waits for this one with `condition: service_completed_successfully`."""
    if project is None:
        return False
    return service.name in project.waited_to_complete()


@functools.lru_cache(maxsize=1024)
def _judge_command(text: str) -> tuple[bool, bool]:
    """(long-running, one-off task) for a command line: several rules ask about the same
    services (and services about the same commands), the shell split is the cost."""
    long_running = bool(LONG_RUNNING_COMMAND_RE.search(text))
    return long_running, bool(text) and not long_running and one_shot_command(text)


def one_shot_reason(service: Service, project: Project | None = None) -> str | None:
    """Why `service` looks like a job that is meant to exit (migrations, init, builds,
    tools behind a profile), or None when it looks long-running. Worked out once per
    service (eight rules ask); again if an input was replaced. The project enters only
    through `completed_dependency`: the memo keeps that answer, not the project (which
    holds the service: a cycle only the collector could free)."""
    inputs = (
        completed_dependency(project, service),
        service.raw,
        service.command,
        service.entrypoint,
        service.dockerfile,
        service.image,
        service.build_context,
        service.name,
        tuple(service.profiles),
    )
    hit = service.facts_memo.get("one_shot_reason")
    if hit is not None:
        memo_inputs, reason = hit[1]
        if memo_inputs == inputs:
            return cast("str | None", reason)
    reason = _one_shot_reason(service, project)
    service.facts_memo["one_shot_reason"] = ((), (inputs, reason))
    return reason


def _one_shot_reason(service: Service, project: Project | None) -> str | None:
    mode = str(raw_get(service, "deploy", "mode") or "")
    if mode.endswith("-job"):
        return f"deploy.mode {mode}"
    if completed_dependency(project, service):
        return "another service waits for it to complete"
    tool_profiles = [p for p in service.profiles if p.lower() in TOOL_PROFILES]
    if tool_profiles:
        return f"profile {tool_profiles[0]!r}"
    text = command_text(service)
    long_running, one_off = _judge_command(text)
    if one_off:
        return "its command is a one-off task"
    if exits_at_once(service):
        return "its image's default shell exits at once (no command, no tty)"
    if ONE_SHOT_IMAGES_RE.match(service.image or "") and not long_running:
        return "its image is a one-off tool"
    if ONE_SHOT_NAME_RE.search(service.name) and not long_running:
        return "its name says it is a one-off job"
    return None


def project_of(stack: Stack, service: Service) -> Project | None:
    try:
        return stack.project_of(service)
    except KeyError:
        return None


BASE_FILE_NAMES = frozenset(
    {"compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml"}
)


def is_fragment(service: Service) -> bool:
    """An override fragment (`frontend: {labels: ...}` in compose.https.yaml): no image, no
    build, no extends. The real service is defined in a base file it is merged onto, so
    per-service rules judge that one instead."""
    if service.image or service.build_context or service.build_dockerfile:
        return False
    return not any(k in service.raw for k in ("image", "build", "extends"))


def is_partial_project(project: Project) -> bool:
    """A project made of a compose file meant to be layered on another with `-f`
    (overrides/compose.redis.yaml, docker-compose.ci.postgres.yml without a base file in
    its directory): references to services, networks and volumes may live in the base."""
    if any(is_fragment(s) for s in project.services.values()):
        return True
    if ":" in project.name and project.compose_files:
        first = project.compose_files[0].rsplit("/", 1)[-1].lower()
        return first not in BASE_FILE_NAMES
    return False
