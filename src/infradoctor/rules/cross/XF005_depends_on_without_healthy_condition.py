"""XF005: depends_on a service that has a healthcheck, without waiting for it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from infradoctor.findings import Applicability, Finding, Fix, Severity, subject_dict
from infradoctor.fixes import compose_edit as ce
from infradoctor.fixes import yaml_edit as ye
from infradoctor.fixes.context import FixContext, FixUnavailable, YamlFile, make_fix, scalar_value
from infradoctor.model.stack import Project, Stack
from infradoctor.records import record
from infradoctor.rules.base import Example, Rule
from infradoctor.rules.cross._common import service_dependencies

BAD = """\
services:
  api:
    image: example/api:1.4
    depends_on:
      - db
  db:
    image: postgres:16
    healthcheck:
      test: ["CMD-SHELL", "pg_isready -U postgres"]
      interval: 5s
      timeout: 3s
      retries: 10
"""

GOOD = BAD.replace(
    """    depends_on:
      - db
""",
    """    depends_on:
      db:
        condition: service_healthy
""",
)


# ---------------------------------------------------------------- fix

SAFE = Applicability.SAFE
DISPLAY = Applicability.DISPLAY_ONLY


def _has_healthcheck(project: Project, name: str) -> bool:
    svc = project.services.get(name)
    return svc is not None and svc.effective_healthcheck is not None


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
    subject = ctx.subject(finding, ShortDependency)
    svc = ctx.service(finding, subject.service, subject.project)
    project = ctx.project(svc)
    yf, node, key = ce.depends_on_node(ctx, project, finding)
    target = subject.target_service

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
        return ctx.memo(("broken-healthcheck", id(dep)), lambda: ce.broken_healthcheck(dep))

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


@record(frozen=True, kw_only=True)
class ShortDependency:
    """The service and the dependency it waits for without a condition."""

    project: str | None = None
    service: str | None = None
    target_service: str | None = None
    long_syntax: bool | None = None

    def to_dict(self) -> dict[str, Any]:
        return subject_dict(self)


class DependsOnWithoutHealthyCondition(Rule):
    code = "XF005"
    name = "depends-on-without-healthy-condition"
    title = "depends_on a service with a healthcheck without `condition: service_healthy`"
    severity = Severity.INFO
    category = "cross-file"
    why = (
        "The short form `depends_on: [db]` (and `condition: service_started`) only waits "
        "for the dependency's container to be created and started. Its healthcheck is "
        "ignored for ordering, so the dependent service still races a database or backend "
        "that is booting: connection errors and crash loops at every `up` or host reboot, "
        "or 502s from an nginx that starts before its upstreams."
    )
    how_to_fix = (
        "Use the long syntax: `depends_on: {db: {condition: service_healthy}}` so Compose "
        "waits until the healthcheck passes."
    )
    fixer = staticmethod(fix_depends_on_condition)
    # safe, or display-only where the dependency is not surely healthy under every
    # reading of the files (the fixer decides: no cheaper way to tell)
    references = ("https://docs.docker.com/compose/how-tos/startup-order/",)
    examples = (
        Example(
            bad={"docker-compose.yml": BAD},
            good={"docker-compose.yml": GOOD},
            description="db has a healthcheck, api does not wait for it",
        ),
    )

    def check(self, stack: Stack) -> Iterator[Finding]:
        for project, svc, dep, target in service_dependencies(stack):
            if dep.condition != "service_started":
                continue
            hc = target.effective_healthcheck
            if hc is None:
                continue
            where = "its Dockerfile HEALTHCHECK" if hc.source == "dockerfile" else "a healthcheck"
            yield self.finding(
                dep.location,
                f"'{svc.name}' depends on '{target.name}', which has {where}, but "
                f"without `condition: service_healthy` Compose does not wait for it",
                subject=f"{svc.name}->{target.name}",
                related=[hc.location],
                detail=ShortDependency(
                    project=project.name,
                    service=svc.name,
                    target_service=target.name,
                    long_syntax=dep.long_syntax,
                ),
            )
