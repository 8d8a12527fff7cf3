"""Compose edit machinery the compose fixers share (the fixers live beside their
rules: CMP001, CMP002, XF004, XF005, XF011, SEC003, SEC004): list items, healthcheck
templates, the depends_on index. All edits go through yaml_edit, so comments, key order
and quoting of everything else stay as written."""

from __future__ import annotations

import bisect
import json
import re
from collections.abc import Iterable, Iterator
from typing import Any

from yaml.nodes import MappingNode, Node, SequenceNode

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
from infradoctor.lazyre import lazy
from infradoctor.model.stack import Healthcheck, Project, ResolvedTarget, Service
from infradoctor.syntax.numbers import digits_value

SAFE = Applicability.SAFE
UNSAFE = Applicability.UNSAFE
DISPLAY = Applicability.DISPLAY_ONLY


# ---------------------------------------------------------------- healthchecks

HEALTH_PATH = lazy(
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
    hc = svc.effective_healthcheck
    if hc is None:
        return None
    retries: object = None
    if hc.source == "dockerfile" and svc.dockerfile is not None:
        ins = svc.dockerfile.healthcheck
        if ins is None:
            return None
        hc = Healthcheck.of_instruction(ins)
        retries = ins.flags.get("retries")
    else:
        if hc.test is None:
            return None
        retries = hc.retries
    test: list[str] | str = hc.test if hc.test is not None else ""
    missing = tools_missing(svc, test)
    if missing:
        return (
            f"{svc.name}'s healthcheck runs {' and '.join(missing)}, which image "
            f"{_image_base(svc)} does not contain (DKR005)"
        )
    for key, duration, seconds in (
        ("interval", hc.interval, hc.interval_s),
        ("timeout", hc.timeout, hc.timeout_s),
        ("start_period", hc.start_period, hc.start_period_s),
    ):
        if duration not in (None, "") and seconds is None:
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


def healthcheck_for(
    ctx: FixContext, svc: Service, known_port: int | None = None
) -> tuple[list[str], list[str]]:
    """(test, doubts) for a service: DB images get their own client's ping; HTTP services
    a probe of the known health path (on `known_port`, the port its finding names, when
    no route says). An empty `doubts` makes the fix safe."""
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
    for image, (kpath, kport) in KNOWN_IMAGE_HEALTH.items():
        if svc.image_name.startswith(image) and path is None:
            path, port = kpath, port or kport
    port = port or known_port or (svc.listens[0].port if svc.listens else None)
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


def _healthcheck_once(
    ctx: FixContext, svc: Service, known_port: int | None
) -> tuple[list[str], list[str]]:
    """`healthcheck_for`, once per service and port in a lint (asked first for the fix's
    applicability, then by the fix)."""
    return ctx.memo(
        ("healthcheck-for", id(svc), known_port), lambda: healthcheck_for(ctx, svc, known_port)
    )


def healthcheck_applicability(
    ctx: FixContext, svc: Service, known_port: int | None = None
) -> Applicability:
    """What `healthcheck_fix` would give, if anything: safe without doubts."""
    return DISPLAY if _healthcheck_once(ctx, svc, known_port)[1] else SAFE


def healthcheck_fix(ctx: FixContext, svc: Service, known_port: int | None = None) -> Fix | None:
    """A healthcheck for `svc` (see `healthcheck_for`), in the file defining it: built once
    per service and port in a lint (every service depending on it has an XF004 finding)."""
    return ctx.memo(
        ("healthcheck-fix", id(svc), known_port), lambda: _healthcheck_fix(ctx, svc, known_port)
    )


def _healthcheck_fix(ctx: FixContext, svc: Service, known_port: int | None) -> Fix | None:
    entry = ctx.service_entry(svc)
    if entry.pair("healthcheck") is not None:
        raise FixUnavailable("healthcheck already written")
    test, doubts = _healthcheck_once(ctx, svc, known_port)
    edits = ctx.insert_service_keys(entry, {"healthcheck": healthcheck_value(test)})
    if not doubts:
        return make_fix(f"Add a healthcheck for {svc.name} ({test[1]})", SAFE, edits)
    return make_fix(
        f"Add a healthcheck for {svc.name} (template: {'; '.join(doubts)})", DISPLAY, edits
    )


# ---------------------------------------------------------------- XF005


def depends_on_node(
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


# ---------------------------------------------------------------- SEC003 / SEC004


def list_add(ctx: FixContext, entry: ServiceEntry, key: str, item: str, title: str) -> Fix:
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
