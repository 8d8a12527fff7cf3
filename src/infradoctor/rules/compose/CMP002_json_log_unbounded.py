"""CMP002: json-file logs without a size cap grow until the disk is full."""

from __future__ import annotations

from collections.abc import Iterator

from infradoctor.findings import Finding, Severity
from infradoctor.model.stack import Project, Stack
from infradoctor.rules.base import Example, Rule
from infradoctor.rules.compose._util import (
    is_fragment,
    one_shot_reason,
    parse_size,
    service_data,
)
from infradoctor.rules.profiles._profiles import dev_scope

UNLIMITED = ("-1", "0", "")


class JsonLogUnbounded(Rule):
    code = "CMP002"
    name = "json-log-unbounded"
    title = "Container logs are written with no size limit"
    severity = Severity.WARNING
    category = "logging"
    why = (
        "Docker's default log driver, `json-file`, keeps everything a container prints to "
        "stdout/stderr in /var/lib/docker/containers/<id>/<id>-json.log and never rotates it "
        "unless `max-size` is set. A chatty service (access logs, a crash loop printing a stack "
        "trace every second) fills the disk in days; then Postgres cannot write its WAL, "
        "uploads fail and nginx returns 500/502 for everything. `docker compose down` does "
        "not help: the file lives as long as the container.\n\n"
        "Flagged: services whose `logging.driver` is unset (the daemon default, json-file "
        "unless /etc/docker/daemon.json says otherwise) or `json-file` without `max-size`. "
        "The `local` driver rotates by default (20m x 5 files) and is only flagged when "
        "`max-size` is explicitly unlimited; other drivers (journald, syslog, fluentd, gelf, "
        "awslogs, none, ...) ship logs elsewhere and are not flagged. A shared `x-logging` "
        "anchor with limits counts. When `max-size` is set, `max-file` defaults to 1, so the "
        "log stays bounded; set `max-file` to keep some history. One-shot jobs (migrations, "
        "init containers, tools) print little and are not flagged."
        "\n\nServices that run only under dev profiles are reported as info, with the "
        "profile named."
    )
    how_to_fix = (
        "Cap the log per service, ideally through one shared anchor:\n\n"
        "```yaml\nx-logging: &default-logging\n  driver: json-file\n  options:\n"
        '    max-size: "10m"\n    max-file: "3"\n\nservices:\n  api:\n'
        "    logging: *default-logging\n```\n\n"
        "or set it host-wide in /etc/docker/daemon.json "
        '(`{"log-driver": "local"}` or json-file with `log-opts`) and recreate the '
        "containers; daemon settings only apply to newly created containers."
    )
    fixable = "safe"
    references = (
        "https://docs.docker.com/engine/logging/drivers/json-file/",
        "https://docs.docker.com/engine/logging/drivers/local/",
        "https://docs.docker.com/reference/compose-file/services/#logging",
    )
    examples = (
        Example(
            bad={
                "docker-compose.yml": (
                    "services:\n"
                    "  api:\n"
                    "    image: ghcr.io/acme/api:2.1.0\n"
                    "    restart: unless-stopped\n"
                    "  worker:\n"
                    "    image: ghcr.io/acme/api:2.1.0\n"
                    "    command: celery -A app worker\n"
                    "    logging:\n"
                    "      driver: json-file\n"
                    "      options:\n"
                    '        max-file: "5"\n'
                )
            },
            good={
                "docker-compose.yml": (
                    "x-logging: &default-logging\n"
                    "  driver: json-file\n"
                    "  options:\n"
                    '    max-size: "10m"\n'
                    '    max-file: "3"\n'
                    "\n"
                    "services:\n"
                    "  api:\n"
                    "    image: ghcr.io/acme/api:2.1.0\n"
                    "    restart: unless-stopped\n"
                    "    logging: *default-logging\n"
                    "  worker:\n"
                    "    image: ghcr.io/acme/api:2.1.0\n"
                    "    command: celery -A app worker\n"
                    "    logging:\n"
                    "      driver: local\n"
                    "  nginx:\n"
                    "    image: nginx:1.27-alpine\n"
                    "    logging:\n"
                    "      driver: journald\n"
                )
            },
            description="The daemon default json-file driver never rotates without max-size.",
            fixed={
                "docker-compose.yml": (
                    "services:\n"
                    "  api:\n"
                    "    image: ghcr.io/acme/api:2.1.0\n"
                    "    restart: unless-stopped\n"
                    "    logging:\n"
                    "      driver: json-file\n"
                    "      options:\n"
                    '        max-size: "10m"\n'
                    '        max-file: "3"\n'
                    "  worker:\n"
                    "    image: ghcr.io/acme/api:2.1.0\n"
                    "    command: celery -A app worker\n"
                    "    logging:\n"
                    "      driver: json-file\n"
                    "      options:\n"
                    '        max-file: "5"\n'
                    '        max-size: "10m"\n'
                ),
            },
        ),
    )

    def check(self, stack: Stack) -> Iterator[Finding]:
        for project in stack.projects:
            yield from self._check_project(project)

    def _check_project(self, project: Project) -> Iterator[Finding]:
        for svc in project.services.values():
            if is_fragment(svc) or one_shot_reason(svc, project):
                continue
            logging = svc.logging
            driver = (logging.driver if logging else None) or None
            options = {
                k.lower(): str(v).strip() for k, v in (logging.options if logging else {}).items()
            }
            max_size = options.get("max-size")
            location = svc.loc("logging")
            if driver is None or driver == "json-file":
                if max_size is not None and max_size not in UNLIMITED and parse_size(max_size):
                    continue
                what = (
                    "uses the daemon's default log driver (json-file)"
                    if driver is None
                    else "logs with json-file"
                )
                reason = "with max-size unlimited" if max_size is not None else "without max-size"
                yield self.finding(
                    location,
                    f"service '{svc.name}' {what} {reason}: its log grows until the disk "
                    'is full (set logging.options.max-size, e.g. "10m", and max-file)',
                    subject=svc.name,
                    data={**service_data(svc), "driver": driver or "json-file"},
                    **dev_scope(svc),  # type: ignore[arg-type]
                )
            elif driver == "local" and max_size in UNLIMITED[:2]:
                yield self.finding(
                    location,
                    f"service '{svc.name}' uses the local log driver with max-size "
                    f"{max_size}: rotation is disabled and the log grows until the disk is full",
                    subject=svc.name,
                    data={**service_data(svc), "driver": "local"},
                    **dev_scope(svc),  # type: ignore[arg-type]
                )
