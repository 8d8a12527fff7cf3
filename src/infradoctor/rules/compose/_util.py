"""Helpers shared by the compose, security and Dockerfile rules: reading the merged raw
service mapping, sizes, command text and the long-running vs one-shot judgement."""

from __future__ import annotations

import re
from typing import Any

from infradoctor.model.source import Location
from infradoctor.model.stack import Project, Service, Stack


def raw_get(service: Service, *path: str) -> Any:
    """A nested value of the merged compose mapping (None when any level is missing)."""
    node: Any = service.raw
    for key in path:
        if not isinstance(node, dict):
            return None
        node = node.get(key)
    return node


def service_data(service: Service) -> dict[str, Any]:
    return {"service": service.name, "project": service.project}


def as_text(value: list[str] | str | None) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return " ".join(str(v) for v in value)
    return str(value)


SIZE_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(i?b?)\s*$", re.IGNORECASE)
UNIT = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3, "t": 1024**4}


def parse_size(text: object) -> int | None:
    """Bytes of a compose/Docker size (`512m`, `1g`, `1.5GB`, `268435456`); None if unparsable."""
    if isinstance(text, bool) or text is None:
        return None
    if isinstance(text, int | float):
        return int(text)
    m = SIZE_RE.match(str(text))
    if not m:
        return None
    return int(float(m.group(1)) * UNIT[m.group(2).lower()])


def human_size(n: int) -> str:
    for unit, factor in (("g", 1024**3), ("m", 1024**2), ("k", 1024)):
        if n >= factor:
            value = n / factor
            return f"{value:.0f}{unit}" if value == int(value) else f"{value:.1f}{unit}"
    return f"{n}b"


def memory_limit(service: Service) -> tuple[int, str, Location] | None:
    """(bytes, text, where) of the container's hard memory limit: `mem_limit` or
    `deploy.resources.limits.memory` (the smaller when both are set)."""
    found: list[tuple[int, str, Location]] = []
    candidates = (
        (service.mem_limit or raw_get(service, "mem_limit"), service.loc("mem_limit")),
        (raw_get(service, "deploy", "resources", "limits", "memory"), service.loc("deploy")),
    )
    for value, loc in candidates:
        size = parse_size(value)
        if size and size > 0:
            found.append((size, str(value), loc))
    return min(found, key=lambda t: t[0]) if found else None


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

ONE_SHOT_NAME_RE = re.compile(
    r"(^|[-_.])(migrate|migrations?|migrator|init|initiali[sz]er?|setup|seed(er|s)?|bootstrap|"
    r"provision(er)?|create[-_]?buckets?|createbuckets|build(er)?|tests?|e2e|sut|restore|"
    r"install(er)?|prepare|fixtures|collectstatic|compile|generate|codegen|permissions?|"
    r"chown|once|job|oneshot|one-shot|import(er)?|manage)($|[-_.\d])",
    re.IGNORECASE,
)

ONE_SHOT_COMMAND_RE = re.compile(
    r"\b(manage\.py\s+(migrate|collectstatic|createsuperuser|loaddata|compilemessages|"
    r"makemigrations|check|test)|alembic\s+upgrade|flask\s+db\s+upgrade|"
    r"(npm|pnpm)\s+(run\s+build|ci\b|install)|yarn\s+(run\s+)?build|yarn\s+install|"
    r"flyway\b.*\bmigrate|liquibase\b.*\bupdate|prisma\s+migrate|knex\s+migrate|"
    r"sequelize\b.*db:migrate|db:migrate|db:setup|db:create|db:seed|rake\s+db:|"
    r"goose\b.*\bup|migrate\s+(-path|-source|-database|up)|dbmate\s+up|mix\s+ecto\.migrate|"
    r"php\s+artisan\s+migrate|bin/console\s+doctrine:migrations|mc\s+(mb|alias|admin|policy)|"
    r"pytest|go\s+test|npm\s+test|composer\s+install|pip\s+install|cypress\s+run|"
    r"db\s+upgrade|"
    r"chown\s|chmod\s|cp\s+-r|mkdir\s+-p)",
    re.IGNORECASE,
)

LONG_RUNNING_COMMAND_RE = re.compile(
    r"\b(gunicorn|uvicorn|hypercorn|daphne|runserver|uwsgi|celery\s+(-A\s+\S+\s+)?(worker|beat)|"
    r"npm\s+(run\s+)?start|node\s+\S+|java\s|nginx|httpd|php-fpm|puma|rails\s+s(erver)?|"
    r"sleep\s+infinity|tail\s+-f|supervisord|serve\b|flask\s+run|exec\s+\S+|while\s*(true|:|\[)|"
    r"dramatiq|rq\s+worker|sidekiq|streamlit\s+run|next\s+start|crond?\b|supercronic)|"
    r"--repeat\b|(^|[\"'\s])([\d*/,\-]+\s+){4}[\d*/,\-]+\s",
    re.IGNORECASE,
)

ONE_SHOT_IMAGES_RE = re.compile(
    r"^(.*/)?(flyway|liquibase|migrate|mc|aws-cli|curl|dbmate|goose|atlas|certbot)(:|@|$)",
    re.IGNORECASE,
)


def command_text(service: Service) -> str:
    """Entrypoint + command as one string; the Dockerfile's when compose sets none."""
    entry = as_text(service.entrypoint)
    cmd = as_text(service.command)
    df = service.dockerfile
    if df is not None:
        if not entry and df.entrypoint is not None:
            entry = df.entrypoint.value
        if not cmd and df.cmd is not None and service.entrypoint is None:
            cmd = df.cmd.value
    return f"{entry} {cmd}".strip()


def completed_dependency(project: Project | None, service: Service) -> bool:
    """Another service waits for this one with `condition: service_completed_successfully`."""
    if project is None:
        return False
    for other in project.services.values():
        for dep in other.depends_on:
            if dep.service == service.name and dep.condition == "service_completed_successfully":
                return True
    return False


def one_shot_reason(service: Service, project: Project | None = None) -> str | None:
    """Why `service` looks like a job that is meant to exit (migrations, init, builds,
    tools behind a profile), or None when it looks long-running."""
    mode = str(raw_get(service, "deploy", "mode") or "")
    if mode.endswith("-job"):
        return f"deploy.mode {mode}"
    if completed_dependency(project, service):
        return "another service waits for it to complete"
    tool_profiles = [p for p in service.profiles if p.lower() in TOOL_PROFILES]
    if tool_profiles:
        return f"profile {tool_profiles[0]!r}"
    text = command_text(service)
    long_running = bool(LONG_RUNNING_COMMAND_RE.search(text))
    if text and not long_running and ONE_SHOT_COMMAND_RE.search(text):
        return "its command is a one-off task"
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
