"""Helm chart edit machinery: findings that landed on values.yaml are fixed there, the
file a user edits (never in the templates or the rendered output). K8S008's fixer uses it."""

from __future__ import annotations

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from infradoctor.findings import Finding
from infradoctor.fixes import yaml_edit as ye
from infradoctor.fixes.context import FixContext, FixUnavailable


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
