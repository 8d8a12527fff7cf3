"""What the stack model keeps of Terraform beyond the Kubernetes objects it declares:
`helm_release` resources (values and `set` blocks at their .tf lines) so a Helm loader
can render the chart with them. Built by loaders/terraform.py. Pure data, no I/O."""

from __future__ import annotations

from dataclasses import field

from infradoctor.model.source import Location
from infradoctor.records import record


@record
class HelmSet:
    """One `set` / `set_list` / `set_sensitive` entry. `value` is None when it is not a
    literal, and always for `set_sensitive` (secrets never enter the model)."""

    name: str
    value: str | None
    location: Location
    kind: str = "set"  # set | set_list | set_sensitive


@record
class HelmRelease:
    """A `helm_release` resource. `chart_path` is the chart directory (relative to the
    scanned root) when the chart is local; `values` are the resolved `values = [...]`
    documents with where each starts (a values file's line 1, or the heredoc's line)."""

    name: str
    file: str
    location: Location
    chart: str | None = None
    repository: str | None = None
    version: str | None = None
    namespace: str | None = None
    chart_path: str | None = None
    values: list[tuple[str, Location]] = field(default_factory=list)
    unresolved_values: int = 0  # `values` entries that are not literal (never guessed)
    sets: list[HelmSet] = field(default_factory=list)


__all__ = ["HelmRelease", "HelmSet"]
