"""Helm chart fixers: findings that landed on values.yaml are fixed there, the file a
user edits (never in the templates or the rendered output)."""

from __future__ import annotations

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from infradoctor.findings import Applicability, Edit, Finding, Fix
from infradoctor.fixes import yaml_edit as ye
from infradoctor.fixes.context import FixContext, FixUnavailable, make_fix

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


def fix_values_image_tag(ctx: FixContext, finding: Finding) -> Fix | None:
    """K8S008 in a chart: pin values.yaml's image tag to the chart's appVersion
    (display-only: the version to run is the user's choice)."""
    path, node = _values_scalar(ctx, finding)
    chart_dir = path.rsplit("/", 1)[0] if "/" in path else ""
    version = _app_version(ctx, chart_dir)
    if not version or version == "latest" or node.value == version:
        raise FixUnavailable("no appVersion to pin to")
    text = ctx.text(path)
    replacement = ye.quote_scalar(version)
    return make_fix(
        f"pin the image tag to the chart's appVersion {version}",
        DISPLAY,
        [Edit(path, node.start_mark.index, ye.content_end(text, node), replacement)],
    )
