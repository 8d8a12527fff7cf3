"""Go-template markup as Helm writes it: what tells a chart template from a manifest."""

from __future__ import annotations

from infradoctor.lazyre import lazy

HELM_MARKERS_RE = lazy(
    r"\{\{-|\{\{\s*(\.Values|\.Release|\.Chart|\.Capabilities|\.Files|"
    r"include\s|template\s|if\s|range\s|with\s|define\s|end\b|"
    r"toYaml|tpl\s)"
)


def is_helm_template(text: str) -> bool:
    """Go-template markup (`{{ .Values.x }}`, `{{- if }}`): Helm's, not a manifest.
    `{{ $labels.x }}` inside an alerting rule ConfigMap is data, not a template."""
    return "{{" in text and HELM_MARKERS_RE.search(text) is not None
