"""CMP002: json-file logs without a size cap grow until the disk is full."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from yaml.nodes import MappingNode, Node, SequenceNode

from infradoctor.findings import Applicability, Finding, Fix, Severity
from infradoctor.fixes import yaml_edit as ye
from infradoctor.fixes.context import (
    FixContext,
    FixUnavailable,
    ServiceEntry,
    YamlFile,
    make_fix,
    scalar_value,
)
from infradoctor.model.stack import Project, Stack
from infradoctor.records import record
from infradoctor.rules.base import Example, Rule
from infradoctor.rules.compose._util import (
    is_fragment,
    one_shot_reason,
    parse_size,
)
from infradoctor.rules.profiles._profiles import dev_scope
from infradoctor.subjects import ServiceSubject

UNLIMITED = ("-1", "0", "")


# ---------------------------------------------------------------- fix

SAFE = Applicability.SAFE


LOG_OPTIONS: dict[str, Any] = {"max-size": ye.Raw('"10m"'), "max-file": ye.Raw('"3"')}


ROTATING_DRIVERS = ("json-file", "local")


def _missing_options(opts: Node | None) -> dict[str, Any]:
    if not isinstance(opts, MappingNode):
        return dict(LOG_OPTIONS)
    return {k: v for k, v in LOG_OPTIONS.items() if ye.find_pair(opts, k) is None}


def _extend_logging_mapping(yf: YamlFile, logging: Node, key: Node | None) -> list[ye.TextEdit]:
    """Edits that give a `logging:` mapping (inline or an anchored one) the size limits."""
    text, style = yf.text, yf.style
    if ye.is_null(logging):
        if key is not None and ye.is_alias_use(key, logging):
            # `logging: *null-anchor`: filling the anchor would turn `&x` into a mapping
            # that other keys may share unknowingly; there is nothing there to extend.
            raise FixUnavailable("logging is an alias of a null value")
        return ye.insert_keys(
            text,
            logging,
            {"driver": "json-file", "options": LOG_OPTIONS},
            parent_key=key,
            style=style,
        )
    if not isinstance(logging, MappingNode):
        raise FixUnavailable("logging is not a mapping")
    driver = scalar_value(ye.find(logging, ["driver"]))
    if driver is not None and driver not in ROTATING_DRIVERS:
        raise FixUnavailable(f"logging driver {driver}")
    pair = ye.find_pair(logging, "options")
    if pair is None:
        return ye.insert_keys(text, logging, {"options": LOG_OPTIONS}, style=style)
    okey, opts = pair
    if ye.is_null(opts):
        return ye.insert_keys(text, opts, LOG_OPTIONS, parent_key=okey, style=style)
    missing = _missing_options(opts)
    if not missing:
        raise FixUnavailable("options already set")
    # An aliased options mapping is edited where its anchor is defined (shared on purpose).
    return ye.insert_keys(text, opts, missing, style=style)


def _merge_sources(entry: ServiceEntry) -> list[Node]:
    pair = entry.pair("<<")
    if pair is None:
        return []
    _, value = pair
    if isinstance(value, SequenceNode):
        return [v for v in value.value if isinstance(v, MappingNode)]
    return [value] if isinstance(value, MappingNode) else []


def _shared_logging_anchor(yf: YamlFile) -> tuple[str, Node] | None:
    """A top-level `x-*` mapping written for logging (`x-logging: &default-logging`) that
    services can reference: its anchor name and node."""
    root = yf.docs[0]
    if not isinstance(root, MappingNode):
        return None
    for key, value in root.value:
        name = scalar_value(key) or ""
        if not name.startswith("x-") or ye.is_alias_use(key, value):
            continue
        anchor = ye.anchor_name(yf.text, value)
        if anchor is None or not isinstance(value, MappingNode):
            continue
        if "log" in name.lower() and (
            ye.find_pair(value, "driver") or ye.find_pair(value, "options")
        ):
            driver = scalar_value(ye.find(value, ["driver"]))
            if driver is None or driver in ROTATING_DRIVERS:
                return anchor, value
    return None


def fix_json_log(ctx: FixContext, finding: Finding) -> Fix | None:
    svc = ctx.service(finding)
    entry = ctx.entry_for_key(svc, "logging")
    yf = entry.file
    pair = entry.pair("logging")
    if pair is not None:
        key, logging = pair
        shared = ye.is_alias_use(key, logging)
        edits = _extend_logging_mapping(yf, logging, key)
        title = (
            "Add max-size/max-file to the shared logging anchor"
            if shared
            else "Add json-file log limits (max-size 10m, max-file 3)"
        )
        return make_fix(title, SAFE, ctx.yaml_edits(yf, edits))
    for merged in _merge_sources(entry):
        lpair = ye.find_pair(merged, "logging")
        if lpair is not None:
            edits = _extend_logging_mapping(yf, lpair[1], lpair[0])
            return make_fix(
                "Add max-size/max-file to the merged logging settings",
                SAFE,
                ctx.yaml_edits(yf, edits),
            )
    anchor = ctx.memo(("logging-anchor", yf.path), lambda: _shared_logging_anchor(yf))
    if anchor is not None:
        name, node = anchor
        insert = ye.insert_keys(
            yf.text,
            entry.node,
            {"logging": ye.Raw(f"*{name}")},
            parent_key=entry.key,
            style=yf.style,
        )
        if node.start_mark.index < insert[-1].start:
            edits = list(insert)
            if _missing_options(ye.find(node, ["options"])):
                edits.extend(_extend_logging_mapping(yf, node, None))
            return make_fix(
                f"Use the shared `*{name}` logging settings", SAFE, ctx.yaml_edits(yf, edits)
            )
    edits = ye.insert_keys(
        yf.text,
        entry.node,
        {"logging": {"driver": "json-file", "options": LOG_OPTIONS}},
        parent_key=entry.key,
        style=yf.style,
    )
    return make_fix(
        "Add json-file log limits (max-size 10m, max-file 3)", SAFE, ctx.yaml_edits(yf, edits)
    )


@record(frozen=True, hot=True)
class LogDriver(ServiceSubject):
    """The service and the logging driver whose limits are missing."""

    driver: str


def _max_size(options: dict[str, Any]) -> str | None:
    """`max-size` of the driver options (keys in any case, the last spelling wins)."""
    found = None
    for k, v in options.items():
        if k.lower() == "max-size":
            found = str(v).strip()
    return found


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
    fixer = staticmethod(fix_json_log)
    fix_applicability = Applicability.SAFE
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
            max_size = _max_size(logging.options) if logging and logging.options else None
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
                    detail=LogDriver(svc.name, svc.project, driver or "json-file"),
                    **dev_scope(svc),  # type: ignore[arg-type]
                )
            elif driver == "local" and max_size in UNLIMITED[:2]:
                yield self.finding(
                    location,
                    f"service '{svc.name}' uses the local log driver with max-size "
                    f"{max_size}: rotation is disabled and the log grows until the disk is full",
                    subject=svc.name,
                    detail=LogDriver(svc.name, svc.project, "local"),
                    **dev_scope(svc),  # type: ignore[arg-type]
                )
