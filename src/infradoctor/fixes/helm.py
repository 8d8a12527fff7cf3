"""Helm chart fixers: findings that landed on values.yaml are fixed there, the file a
user edits (never in the templates or the rendered output)."""

from __future__ import annotations

import re
from typing import Any

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from infradoctor.facts.images import moving_tag
from infradoctor.findings import Applicability, Edit, Finding, Fix
from infradoctor.fixes import yaml_edit as ye
from infradoctor.fixes.context import FixContext, FixUnavailable, make_fix
from infradoctor.lazyre import lazy
from infradoctor.model.k8s import K8sObject
from infradoctor.model.source import Location

DISPLAY = Applicability.DISPLAY_ONLY


def _values_scalar(ctx: FixContext, finding: Finding) -> tuple[str, ScalarNode]:
    """The values.yaml scalar a finding points at (a chart's values file only)."""
    path = finding.location.file
    src = ctx.stack.files.get(path)
    name = path.rsplit("/", 1)[-1]
    if src is None or str(src.kind) != "helm" or not name.startswith("values"):
        raise FixUnavailable("not a Helm values file")
    offset = src.offset_of(finding.location.line, finding.location.column)
    todo: list[Node] = list(ctx.yaml(path).docs)
    while todo:
        node = todo.pop()
        if isinstance(node, ScalarNode) and node.start_mark.index == offset:
            return path, node
        if isinstance(node, MappingNode):
            todo.extend(v for _, v in node.value)
        elif isinstance(node, SequenceNode):
            todo.extend(node.value)
    raise FixUnavailable("no value at the finding's location")


def _app_version(ctx: FixContext, chart_dir: str) -> str | None:
    path = f"{chart_dir}/Chart.yaml" if chart_dir else "Chart.yaml"
    if path not in ctx.stack.files:
        return None
    node = ye.find(ctx.yaml(path).docs[0], ["appVersion"])
    return node.value if isinstance(node, ScalarNode) and node.value else None


# ---------------------------------------------------------------- K8S004 readinessProbe

# `toYaml .Values.readinessProbe`, `with .Values.app.readinessProbe`: the template renders
# the whole values mapping as the probe (a `.enabled` flag or single fields do not count)
_READS_PROBE = lazy(
    r"\b(?:toYaml|with)\s+\(?\s*\.Values((?:\.[A-Za-z_][\w-]*)*)\.readinessProbe\s*(?:\)|\||-?\}\})"
)


def _chart_dir(ctx: FixContext, template: str) -> str:
    """The chart directory of a rendered template (the nearest Chart.yaml above it)."""
    parts = template.split("/")[:-1]
    while parts:
        parts.pop()
        base = "/".join(parts)
        if (f"{base}/Chart.yaml" if base else "Chart.yaml") in ctx.stack.files:
            return base
    raise FixUnavailable("no Chart.yaml above the template")


def _values_probe_path(ctx: FixContext, template: str) -> list[str] | None:
    """The values path a template renders `readinessProbe` from, if it does."""
    m = _READS_PROBE.search(ctx.text(template))
    if m is None:
        return None
    return [p for p in m.group(1).split(".") if p] + ["readinessProbe"]


def values_readiness_fix(
    ctx: FixContext, w: K8sObject, probe: dict[str, Any], applicability: Applicability, title: str
) -> Fix:
    """K8S004 in a chart: set the probe in values.yaml when the workload's template
    renders it from there; otherwise show it in the template (display-only: a Go
    template cannot be checked the way YAML edits are)."""
    path = _values_probe_path(ctx, w.file)
    if path is None:
        return _template_readiness(ctx, w, probe, title)
    chart = _chart_dir(ctx, w.file)
    values = f"{chart}/values.yaml" if chart else "values.yaml"
    yf = ctx.yaml(values)
    parent = ye.find(yf.docs[0], path[:-1]) if path[:-1] else yf.docs[0]
    pair = ye.find_pair(parent, path[-1]) if parent is not None else None
    if pair is None:
        if not isinstance(parent, MappingNode) or parent.flow_style:
            raise FixUnavailable(f"values.yaml has no mapping at {'.'.join(path[:-1])}")
        edits = ye.insert_keys(yf.text, parent, {path[-1]: probe}, style=yf.style)
    elif ye.is_null(pair[1]) and not ye.is_alias_use(*pair):
        edits = ye.insert_keys(yf.text, pair[1], probe, parent_key=pair[0], style=yf.style)
    elif isinstance(pair[1], MappingNode) and not pair[1].value and pair[1].flow_style:
        edits = _fill_empty_flow(yf.text, pair[0], pair[1], probe, yf.style)
    else:
        raise FixUnavailable("values.yaml sets readinessProbe to something not rendered")
    return make_fix(
        f"Add {title} in values.yaml ({'.'.join(path)})", applicability, ctx.yaml_edits(yf, edits)
    )


_NAME_LINE = lazy(r"^(\s*)(-\s+)?name\s*:")


def _template_readiness(ctx: FixContext, w: K8sObject, probe: dict[str, Any], title: str) -> Fix:
    """The probe under the container's `- name:` line of the template, for display."""
    container = next(
        (c for c in w.containers if c.location.file == w.file and c.location.line), None
    )
    if container is None:
        raise FixUnavailable("the container's template line is not known")
    src = ctx.stack.files[w.file]
    line = src.line_text(container.location.line)
    m = _NAME_LINE.match(line)
    if m is None or "{{" in line[: m.end()]:
        raise FixUnavailable("the container does not start with its name in the template")
    column = len(m.group(1)) + len(m.group(2) or "")
    style = ye.Style(ye.detect_indent_unit(src.text))
    body = ye.render_entry("readinessProbe", probe, column, style)
    pos = src.offset_of(container.location.line) + len(line)
    return make_fix(
        f"Add {title} in the template (its values do not set readinessProbe)",
        DISPLAY,
        [Edit(w.file, pos, pos, "\n" + "\n".join(body))],
    )


def _fill_empty_flow(
    text: str, key: ScalarNode, node: MappingNode, value: dict[str, Any], style: ye.Style
) -> list[ye.TextEdit]:
    """`key: {}` -> `key:` with `value` as a block mapping one step deeper."""
    if ye.is_alias_use(key, node) or ye.anchor_name(text, node) is not None:
        raise FixUnavailable("readinessProbe is anchored or aliased")
    if text[node.end_mark.index : ye.line_end(text, node.end_mark.index)].strip(" \t")[:1] not in (
        "",
        "#",
    ):
        raise FixUnavailable("text after `{}`")
    indent = ye.column_of(text, key.start_mark.index) + style.unit
    lines = [line for k, v in value.items() for line in ye.render_entry(k, v, indent, style)]
    colon = text.rfind(":", key.end_mark.index, node.start_mark.index)
    if colon < 0:
        raise FixUnavailable("no colon before `{}`")
    end = ye.line_end(text, node.end_mark.index)
    comment = text[node.end_mark.index : end].strip()
    body = (" " + comment if comment else "") + "\n" + "\n".join(lines)
    edits = [ye.TextEdit(colon + 1, end, body)]
    return ye.with_check(text, edits, node, ye.intended(value))


def immutable_app_version(ctx: FixContext, tag_at: Location | None) -> str | None:
    """The chart's appVersion when `tag_at` is a values.yaml image tag and appVersion is
    a release tag (not latest, not a branch or major line)."""
    if tag_at is None:
        return None
    src = ctx.stack.files.get(tag_at.file)
    name = tag_at.file.rsplit("/", 1)[-1]
    if src is None or str(src.kind) != "helm" or not name.startswith("values"):
        return None
    chart_dir = tag_at.file.rsplit("/", 1)[0] if "/" in tag_at.file else ""
    version = _app_version(ctx, chart_dir)
    if not version or version == "latest" or moving_tag(f"x:{version}") is not None:
        return None
    line = src.line_text(tag_at.line)
    if not re.match(r"^\s*tag\s*:", line):
        return None  # the value is the whole image reference, not only its tag
    return version
