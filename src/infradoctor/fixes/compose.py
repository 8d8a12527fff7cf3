"""Compose fixers: restart policy, json-file log limits, healthchecks, depends_on
conditions, no-new-privileges and cap_drop. All edits go through yaml_edit, so comments,
key order and quoting of everything else stay as written."""

from __future__ import annotations

import bisect
import json
import re
from collections.abc import Iterable, Iterator
from typing import Any

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from infradoctor.findings import Applicability, Finding, Fix
from infradoctor.fixes import yaml_edit as ye
from infradoctor.fixes.context import (
    FixContext,
    FixUnavailable,
    ServiceEntry,
    YamlFile,
    make_fix,
    scalar_value,
)
from infradoctor.model.stack import Project, ResolvedTarget, Service
from infradoctor.syntax.numbers import digits_value

SAFE = Applicability.SAFE
UNSAFE = Applicability.UNSAFE
DISPLAY = Applicability.DISPLAY_ONLY

LOG_OPTIONS: dict[str, Any] = {"max-size": ye.Raw('"10m"'), "max-file": ye.Raw('"3"')}
ROTATING_DRIVERS = ("json-file", "local")


# ---------------------------------------------------------------- CMP001


def fix_restart(ctx: FixContext, finding: Finding) -> Fix | None:
    svc = ctx.service(finding)
    entry = ctx.service_entry(svc)
    if entry.pair("restart") is not None:
        raise FixUnavailable("restart already written")
    return make_fix(
        "Add `restart: unless-stopped`",
        SAFE,
        ctx.insert_service_keys(entry, {"restart": "unless-stopped"}),
    )


# ---------------------------------------------------------------- CMP002


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
    anchor = _shared_logging_anchor(yf)
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


# ---------------------------------------------------------------- healthchecks

HEALTH_PATH = re.compile(
    r"^/(?:[\w.-]+/)*(health|healthz|healthcheck|ready|readyz|livez|ping|"
    r"status|_health|-/healthy)/?$",
    re.IGNORECASE,
)

# Images whose documented health endpoint and port are known, and whose base has wget.
KNOWN_IMAGE_HEALTH: dict[str, tuple[str, int]] = {
    "grafana/grafana": ("/api/health", 3000),
    "prom/prometheus": ("/-/healthy", 9090),
    "prom/alertmanager": ("/-/healthy", 9093),
}

# Commands that ship inside well-known images (dependency services, not HTTP). mysqladmin
# ping exits 0 even on "access denied", pg_isready needs no password; redis-cli ping does
# need one when the server requires it, so a password in sight makes it a template.
DB_HEALTHCHECKS: tuple[tuple[re.Pattern[str], list[str]], ...] = (
    (
        re.compile(r"(^|/)(postgres|postgis/postgis|timescale/timescaledb)"),
        ["CMD-SHELL", 'pg_isready -U "$${POSTGRES_USER:-postgres}"'],
    ),
    (
        re.compile(r"(^|/)(mysql|percona)(:|$)"),
        ["CMD", "mysqladmin", "ping", "-h", "127.0.0.1", "--silent"],
    ),
    (
        re.compile(r"(^|/)mariadb(:|$)"),
        ["CMD", "healthcheck.sh", "--connect", "--innodb_initialized"],
    ),
    (re.compile(r"(^|/)redis(:|$)"), ["CMD-SHELL", "redis-cli ping | grep -q PONG"]),
    (re.compile(r"(^|/)rabbitmq(:|$)"), ["CMD", "rabbitmq-diagnostics", "-q", "ping"]),
)


def _db_doubts(svc: Service, test: list[str]) -> list[str]:
    if "redis-cli" in " ".join(test):
        command = " ".join(svc.command) if isinstance(svc.command, list) else svc.command or ""
        if "requirepass" in command or any("PASS" in n.upper() for n in svc.environment):
            return ["the server wants a password; pass it to redis-cli (-a)"]
    if test[1:2] == ["healthcheck.sh"]:
        return ["healthcheck.sh ships with mariadb images since 10.4: check the tag"]
    return []


_CURL_INSTALL = re.compile(
    r"\b(apt-get|apt|apk|yum|dnf|microdnf)\b[^&;|]*\b(install|add)\b"
    r"[^&;|]*\bcurl\b"
)
_WGET_INSTALL = re.compile(
    r"\b(apt-get|apt|apk|yum|dnf|microdnf)\b[^&;|]*\b(install|add)\b"
    r"[^&;|]*\bwget\b"
)


def _image_tags(svc: Service) -> str:
    parts = [svc.image_name]
    if svc.dockerfile is not None:
        parts.extend(s.base_image.lower() for s in svc.dockerfile.stages[-1:])
    return " ".join(p for p in parts if p)


def _installed(svc: Service, pattern: re.Pattern[str]) -> bool:
    if svc.dockerfile is None or svc.dockerfile.final is None:
        return False
    return any(pattern.search(i.value) for i in svc.dockerfile.final.all("RUN"))


def _image_base(svc: Service) -> str | None:
    """The registry image the service runs (the Dockerfile's external base when built),
    as DKR005 judges it."""
    from infradoctor.facts.images import external_base

    if svc.dockerfile is not None:
        return external_base(svc.dockerfile)
    return svc.image or None


def tools_missing(svc: Service, test: list[str] | str) -> list[str]:
    """Tools a healthcheck `test` calls that the service's image is known to lack (the
    same judgement as DKR005: known image contents, RUN installs and COPYs count)."""
    from infradoctor.facts.images import image_tools, missing_tools

    base = _image_base(svc)
    tools = image_tools(base) if base else None
    if tools is None:
        return []
    if isinstance(test, str):
        command, shell_form = test, True
    else:
        parts = test[1:] if test and test[0] in ("CMD", "CMD-SHELL") else test
        command, shell_form = " ".join(parts), bool(test) and test[0] == "CMD-SHELL"
    return missing_tools(tools, svc.dockerfile, command, shell_form)


def broken_healthcheck(svc: Service) -> str | None:
    """Why the service's healthcheck can never pass (None when it may): its probe calls
    a tool the image does not contain (DKR005) or a duration Docker rejects (CMP008). A
    `condition: service_healthy` on such a service keeps its dependents from ever
    starting."""
    from infradoctor.syntax.numbers import go_duration as parse_duration

    hc = svc.effective_healthcheck
    if hc is None:
        return None
    durations: dict[str, object] = {}
    retries: object = None
    if hc.source == "dockerfile" and svc.dockerfile is not None:
        ins = svc.dockerfile.healthcheck
        if ins is None:
            return None
        test: list[str] | str = ["CMD", *ins.exec_form] if ins.exec_form else ins.value
        for key, value in ins.flags.items():
            durations[key.lstrip("-").replace("-", "_")] = value
        retries = durations.pop("retries", None)
    else:
        if hc.test is None:
            return None
        test = hc.test
        durations = {
            "interval": hc.interval,
            "timeout": hc.timeout,
            "start_period": hc.start_period,
        }
        retries = hc.retries
    missing = tools_missing(svc, test)
    if missing:
        return (
            f"{svc.name}'s healthcheck runs {' and '.join(missing)}, which image "
            f"{_image_base(svc)} does not contain (DKR005)"
        )
    for key in ("interval", "timeout", "start_period"):
        duration = durations.get(key)
        if duration not in (None, "") and parse_duration(duration) is None:
            return f"{svc.name}'s healthcheck {key} {str(duration)!r} is not a duration (CMP008)"
    if retries is not None and not isinstance(retries, bool):
        text = str(retries).strip() if isinstance(retries, str) else ""
        if not (digits_value(text) is not None or (isinstance(retries, int) and retries >= 0)):
            return f"{svc.name}'s healthcheck retries {retries!r} is not a count >= 0 (CMP008)"
    return None


def http_probe(svc: Service, url: str) -> tuple[list[str], bool]:
    """A healthcheck `test` that fetches `url`, and whether the tool surely exists in the
    image (busybox wget on alpine/busybox, the interpreter of python/node images, curl or
    wget installed by the Dockerfile)."""
    images = _image_tags(svc)
    if _installed(svc, _CURL_INSTALL):
        return ["CMD", "curl", "-fsS", "-o", "/dev/null", url], True
    if (
        re.search(r"alpine|busybox", images)
        or _installed(svc, _WGET_INSTALL)
        or any(images.startswith(k) or f" {k}" in images for k in KNOWN_IMAGE_HEALTH)
    ):
        return ["CMD", "wget", "-q", "-O", "/dev/null", url], True
    if re.search(r"(^|[\s/])python(:|$|\s)", images):
        return [
            "CMD",
            "python",
            "-c",
            f"import urllib.request; urllib.request.urlopen('{url}', timeout=4)",
        ], True
    if re.search(r"(^|[\s/])node(:|$|\s)", images):
        return [
            "CMD",
            "node",
            "-e",
            f"require('http').get('{url}', r => process.exit(r.statusCode < 400 ? 0 : 1))"
            ".on('error', () => process.exit(1))",
        ], True
    return ["CMD", "curl", "-fsS", "-o", "/dev/null", url], False


def _sure_probe(svc: Service, url: str) -> tuple[list[str], bool]:
    """http_probe, cross-checked with DKR005's knowledge of the image: a tool the image
    is known to lack is never "sure" (the service would be marked unhealthy forever)."""
    test, sure = http_probe(svc, url)
    if sure and tools_missing(svc, test):
        sure = False
    return test, sure


def _health_route(targets: Iterable[ResolvedTarget]) -> tuple[str | None, int | None]:
    """(health path, port) from the nginx routes that reach a service (`targets`: its
    project's targets reaching it, in order)."""
    port: int | None = None
    for t in targets:
        port = port or t.target.port
        route = t.route
        loc = route.location_block
        if loc is None or not loc.args:
            continue
        args = loc.args
        if args[0] in ("~", "~*", "@"):
            continue
        path = args[-1]
        if not HEALTH_PATH.match(path):
            continue
        app_path = route.uri if route.uri not in (None, "", "/") else path
        if app_path and "$" not in app_path:
            return app_path, t.target.port or port
    return None, port


def healthcheck_value(test: list[str]) -> dict[str, Any]:
    return {
        "test": ye.Raw(json.dumps(test)),
        "interval": "10s",
        "timeout": "5s",
        "retries": 5,
        "start_period": "30s",
    }


def healthcheck_for(ctx: FixContext, svc: Service, finding: Finding) -> tuple[list[str], list[str]]:
    """(test, doubts) for a service: DB images get their own client's ping; HTTP services
    a probe of the known health path. An empty `doubts` makes the fix safe."""
    images = _image_tags(svc)
    for pattern, test in DB_HEALTHCHECKS:
        if pattern.search(svc.image_name or images):
            doubts = _db_doubts(svc, test)
            missing = tools_missing(svc, test)
            if missing:
                doubts.append(f"{' and '.join(missing)} not in the image")
            return test, doubts
    project = ctx.project(svc)
    path, port = _health_route(ctx.stack.index.targets_reaching(project, svc))
    path = finding.data.get("health_path") or path
    for image, (kpath, kport) in KNOWN_IMAGE_HEALTH.items():
        if svc.image_name.startswith(image) and path is None:
            path, port = kpath, port or kport
    port = port or finding.data.get("port") or (svc.listens[0].port if svc.listens else None)
    url = f"http://127.0.0.1:{port or 'PORT'}{path or '/'}"
    test, tool_sure = _sure_probe(svc, url)
    doubts = []
    if path is None:
        doubts.append("no health path known: set it")
    if port is None:
        doubts.append("set the port")
    if not tool_sure:
        if tools_missing(svc, test):
            doubts.append(f"`{test[1]}` is not in image {_image_base(svc)}: install it")
        else:
            doubts.append(f"check that `{test[1]}` exists in the image")
    return test, doubts


def fix_healthcheck(ctx: FixContext, finding: Finding, key: str = "service") -> Fix | None:
    svc = ctx.service(finding, key)
    entry = ctx.service_entry(svc)
    if entry.pair("healthcheck") is not None:
        raise FixUnavailable("healthcheck already written")
    test, doubts = healthcheck_for(ctx, svc, finding)
    edits = ctx.insert_service_keys(entry, {"healthcheck": healthcheck_value(test)})
    if not doubts:
        return make_fix(f"Add a healthcheck for {svc.name} ({test[1]})", SAFE, edits)
    return make_fix(
        f"Add a healthcheck for {svc.name} (template: {'; '.join(doubts)})", DISPLAY, edits
    )


def fix_dependency_healthcheck(ctx: FixContext, finding: Finding) -> Fix | None:
    """XF004: give the depended-on service a healthcheck when its image has a known probe."""
    for key in ("target_service", "dependency", "target"):
        if finding.data.get(key):
            return fix_healthcheck(ctx, finding, key)
    raise FixUnavailable("no dependency named")


# ---------------------------------------------------------------- XF005


def _has_healthcheck(project: Project, name: str) -> bool:
    svc = project.services.get(name)
    return svc is not None and svc.effective_healthcheck is not None


def _depends_on_node(
    ctx: FixContext, project: Project, finding: Finding
) -> tuple[YamlFile, Node, Node]:
    """(file, depends_on node, the key it is defined under) of the `depends_on` written
    where the finding points: the dependency's own entry, in whichever file, anchor or
    `extends` base it is written. Editing it there is what makes the finding go away."""
    loc = finding.location
    if loc.offset is None or loc.file not in project.compose_files:
        raise FixUnavailable("dependency not written in a compose file of the project")
    yf = ctx.yaml(loc.file)
    index = ctx.memo(("depends-on-nodes", loc.file), lambda: _DependsOnIndex(yf))
    found = index.at(loc.offset)
    if found is None:
        raise FixUnavailable("depends_on not found where the finding points")
    k, v = found
    owner = k
    if ye.is_alias_use(k, v):  # `depends_on: *deps`: edit the anchor
        owner = _defining_key(yf, v) or k
    return yf, v, owner


def _mapping_pairs(yf: YamlFile) -> Iterator[tuple[Node, Node]]:
    """Every (key, value) pair of every mapping in the file, each node visited once (an
    alias reuses its anchor's node), depth-first from the last document."""
    seen: set[int] = set()
    stack: list[Node] = list(yf.docs)
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, SequenceNode):
            stack.extend(node.value)
        elif isinstance(node, MappingNode):
            for k, v in node.value:
                yield k, v
                stack.append(v)


class _DependsOnIndex:
    """Every `depends_on: <sequence or mapping>` pair of a file, found by one walk (a
    walk per finding made fixing quadratic): `at(offset)` answers what the walk that
    stops at the first pair whose value spans `offset` would have found."""

    def __init__(self, yf: YamlFile) -> None:
        pairs: list[tuple[int, int, int, Node, Node]] = []  # start, end, walk order, k, v
        for k, v in _mapping_pairs(yf):
            if scalar_value(k) == "depends_on" and isinstance(v, SequenceNode | MappingNode):
                pairs.append((v.start_mark.index, v.end_mark.index, len(pairs), k, v))
        pairs.sort(key=lambda p: (p[0], p[2]))
        self.pairs = pairs
        self.starts = [p[0] for p in pairs]
        self.max_end: list[int] = []  # the largest end among pairs[: i + 1]
        for p in pairs:
            self.max_end.append(max(p[1], self.max_end[-1] if self.max_end else p[1]))

    def at(self, offset: int) -> tuple[Node, Node] | None:
        """The first pair in walk order whose value spans `offset` (start <= offset < end)."""
        best: tuple[int, int, int, Node, Node] | None = None
        j = bisect.bisect_right(self.starts, offset) - 1
        while j >= 0 and self.max_end[j] > offset:
            p = self.pairs[j]
            if p[1] > offset and (best is None or p[2] < best[2]):
                best = p
            j -= 1
        return None if best is None else (best[3], best[4])


def _defining_key(yf: YamlFile, target: Node) -> Node | None:
    """The key under which an anchored node is written (`x-deps: &deps`)."""
    for k, v in _mapping_pairs(yf):
        if v is target and not ye.is_alias_use(k, v):
            return k
    return None


def _reading_without_healthcheck(
    ctx: FixContext, path: str, project: Project, target: object
) -> str | None:
    """The first other project reading `path` in which `target` has no healthcheck,
    named by its compose files; None when every reading has one."""
    if target is None:
        return None
    for other in ctx.stack.projects:
        if other is project or path not in other.compose_files:
            continue
        if str(target) in other.services and not _has_healthcheck(other, str(target)):
            return " + ".join(other.compose_files)
    return None


def fix_depends_on_condition(ctx: FixContext, finding: Finding) -> Fix | None:
    svc = ctx.service(finding)
    project = ctx.project(svc)
    yf, node, key = _depends_on_node(ctx, project, finding)
    target = finding.data.get("target_service") or finding.data.get("dependency")

    sure = target is None or _has_healthcheck(project, str(target))
    # The edited file may be read in other ways too (a variant run alone and on its
    # base): the condition must hold under each, or the fix is only shown.
    other = _reading_without_healthcheck(ctx, yf.path, project, target)

    def broken(name: str) -> str | None:
        """Why the project's service `name` has a healthcheck that can never pass (once
        per service and lint, not once per finding)."""
        dep = project.services.get(name)
        if dep is None:
            return None
        return ctx.memo(("broken-healthcheck", id(dep)), lambda: broken_healthcheck(dep))

    def condition(name: str) -> str:
        # A dependency whose healthcheck can never pass keeps service_started (as the
        # short syntax meant): service_healthy would keep this service from starting.
        if broken(name) is not None and name != target:
            return "service_started"
        healthy = _has_healthcheck(project, name) or name == target
        return "service_healthy" if healthy else "service_started"

    if isinstance(node, SequenceNode):
        if node.flow_style:
            edits = _flow_sequence_to_mapping(yf, node, condition)
        else:
            edits = _sequence_to_mapping(yf, node, key, condition)
    elif isinstance(node, MappingNode):
        edits = _set_conditions(yf, node, condition)
    else:
        raise FixUnavailable("depends_on is not a list or mapping")
    if not edits:
        raise FixUnavailable("nothing to change")
    title = "Use depends_on long syntax with `condition: service_healthy`"
    if other is not None:
        return make_fix(
            f"{title} once '{target}' has a healthcheck in {other} too (read without the "
            "file that defines it, the dependency would never become healthy)",
            DISPLAY,
            ctx.yaml_edits(yf, edits),
        )
    why = broken(str(target)) if target is not None else None
    if why is not None:
        return make_fix(
            f"{title} once the healthcheck works: {why}, so {svc.name} would never start",
            DISPLAY,
            ctx.yaml_edits(yf, edits),
        )
    return make_fix(title, SAFE if sure else DISPLAY, ctx.yaml_edits(yf, edits))


def _dependency_names(seq: SequenceNode) -> list[ScalarNode]:
    items: list[ScalarNode] = []
    for item in seq.value:
        if not isinstance(item, ScalarNode) or item.start_mark.index < seq.start_mark.index:
            raise FixUnavailable("alias or odd item in depends_on")
        if ye.is_null(item):
            # `-` with nothing (or `~`): no service name to turn into a key, and dropping
            # it would silently rewrite what compose is told to reject
            raise FixUnavailable("null item in depends_on")
        if item.tag != "tag:yaml.org,2002:str":
            # `- 0` or `- true`: not a service name as YAML reads it, so as a key it
            # would read back as a number or boolean, not the name compose looks up
            raise FixUnavailable("depends_on item is not a string")
        items.append(item)
    names = [i.value for i in items]
    if len(set(names)) != len(names):
        raise FixUnavailable("depends_on names a service twice")
    return items


def _sequence_to_mapping(
    yf: YamlFile, seq: SequenceNode, key: Node, condition: Any
) -> list[ye.TextEdit]:
    """`- db  # c` -> `db:  # c` + `  condition: ...` on the next line, item by item, so
    comments between and after items stay where they are. The names go one step deeper
    than the key when the list was written indentless (`depends_on:` / `- db` in the same
    column): at the dash's column they would become keys of the service itself."""
    text = yf.text
    edits: list[ye.TextEdit] = []
    key_col = ye.column_of(text, key.start_mark.index)
    items = _dependency_names(seq)
    for item in items:
        dash = ye._dash_before(text, item.start_mark.index)
        if dash is None or text[ye.line_start(text, dash) : dash].strip():
            raise FixUnavailable("compact depends_on item")
        col = ye.column_of(text, dash)
        new_col = col if col > key_col else key_col + yf.style.unit
        raw = ye.implicit_key(text[item.start_mark.index : item.end_mark.index])
        edits.append(ye.TextEdit(dash, item.end_mark.index, " " * (new_col - col) + f"{raw}:"))
        end = ye.line_end(text, item.end_mark.index)
        edits.append(
            ye.TextEdit(
                end,
                end,
                "\n" + " " * (new_col + yf.style.unit) + f"condition: {condition(item.value)}",
            )
        )
    want = {i.value: {"condition": condition(i.value)} for i in items}
    return ye.with_check(text, edits, seq, want)


def _flow_sequence_to_mapping(yf: YamlFile, seq: SequenceNode, condition: Any) -> list[ye.TextEdit]:
    """`[db, cache]` -> `{db: {condition: ...}, cache: {condition: ...}}` in place:
    brackets and names are rewritten where they are, so line breaks and comments inside
    the list stay."""
    text = yf.text
    items = _dependency_names(seq)
    m = re.compile(r"(?:[&!][^\s\[{]*\s+)*\[").match(text, seq.start_mark.index)
    close = seq.end_mark.index - 1
    if m is None or close < 0 or text[close] != "]":
        raise FixUnavailable("cannot find the brackets of the depends_on list")
    edits = [ye.TextEdit(m.end() - 1, m.end(), "{")]
    for i, item in enumerate(items):
        ye.implicit_key(text[item.start_mark.index : item.end_mark.index])
        value = ": " + ye.render_flow({"condition": condition(item.value)}, yf.style.quote)
        end = item.end_mark.index
        if i == len(items) - 1:  # one edit up to the bracket: edits never share an offset
            edits.append(ye.TextEdit(end, close + 1, value + text[end:close] + "}"))
        else:
            edits.append(ye.TextEdit(end, end, value))
    if not items:
        edits.append(ye.TextEdit(close, close + 1, "}"))
    want = {i.value: {"condition": condition(i.value)} for i in items}
    return ye.with_check(text, edits, seq, want)


def _set_conditions(yf: YamlFile, mapping: MappingNode, condition: Any) -> list[ye.TextEdit]:
    """`condition: service_healthy` for each dependency that wants it: added to its
    mapping (block or flow, or to a null `db:`), or replacing `service_started`."""
    edits: list[ye.TextEdit] = []
    for k, v in mapping.value:
        name = scalar_value(k)
        if name is None or ye.is_alias_use(k, v):
            continue
        wanted = condition(name)
        if wanted != "service_healthy":
            continue
        if ye.is_null(v) or isinstance(v, MappingNode):
            cpair = ye.find_pair(v, "condition") if isinstance(v, MappingNode) else None
            if cpair is None:
                edits.extend(
                    ye.insert_keys(yf.text, v, {"condition": wanted}, parent_key=k, style=yf.style)
                )
            elif scalar_value(cpair[1]) == "service_started":
                edits.extend(ye.set_scalar(yf.text, cpair[1], wanted, yf.style))
    return edits


# ---------------------------------------------------------------- SEC003 / SEC004


def _list_add(ctx: FixContext, entry: ServiceEntry, key: str, item: str, title: str) -> Fix:
    yf = entry.file
    pair = entry.pair(key)
    if pair is None:
        edits = ye.insert_keys(
            yf.text, entry.node, {key: [item]}, parent_key=entry.key, style=yf.style
        )
    else:
        k, seq = pair
        if ye.is_alias_use(k, seq) or not isinstance(seq, SequenceNode):
            raise FixUnavailable(f"{key} is not a plain list")
        if any(scalar_value(n) == item for n in seq.value):
            raise FixUnavailable("already there")
        edits = ye.append_item(yf.text, seq, item, yf.style)
    return make_fix(title, UNSAFE, ctx.yaml_edits(yf, edits))


def fix_no_new_privileges(ctx: FixContext, finding: Finding) -> Fix | None:
    svc = ctx.service(finding)
    if any(
        o.replace("=", ":").replace(" ", "") in ("no-new-privileges:false",)
        for o in svc.security_opt
    ):
        raise FixUnavailable("explicitly disabled")
    return _list_add(
        ctx,
        ctx.entry_for_key(svc, "security_opt"),
        "security_opt",
        "no-new-privileges:true",
        "Add `security_opt: [no-new-privileges:true]`",
    )


def fix_cap_drop(ctx: FixContext, finding: Finding) -> Fix | None:
    svc = ctx.service(finding)
    return _list_add(
        ctx,
        ctx.entry_for_key(svc, "cap_drop"),
        "cap_drop",
        "ALL",
        "Add `cap_drop: [ALL]` (add back what the service needs with cap_add)",
    )
