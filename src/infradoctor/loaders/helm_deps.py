"""Chart dependencies (Chart.yaml `dependencies:`) without `helm dependency build`.

`helm template` refuses a chart whose dependencies are not under its charts/ directory,
and `helm dependency build` would fetch them from the network and write into the user's
tree. Neither is acceptable for a linter, so a chart is rendered from a private copy:
a dependency vendored in charts/ (a directory or a .tgz) is used as is; a `file://`
dependency inside the scanned tree is copied into the copy's charts/; any other one
(https://, oci://, a repository alias) is never fetched: it is dropped from the copy's
Chart.yaml, listed in `stats.skipped` by name, and the chart's own objects are rendered
without it (partial: what the missing subchart would add may complete a match)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

from infradoctor.model.source import Skipped
from infradoctor.records import record
from infradoctor.syntax.yaml import PNode

VENDORED = "vendored"
LOCAL = "local"
MISSING = "missing"


@record
class Dependency:
    name: str
    repository: str | None
    line: int  # of its entry in Chart.yaml
    state: str  # vendored | local | missing
    local: Path | None = None  # a file:// dependency's chart directory
    alias: str | None = None

    def skipped(self, chart_yaml: str, rendered: bool) -> Skipped:
        """The `stats.skipped` entry for a dependency that is not analysed."""
        where = f" ({self.repository})" if self.repository else ""
        how = "; the chart's own templates were rendered without it" if rendered else ""
        return Skipped(
            chart_yaml,
            f"Helm dependency '{self.name}'{where} is not vendored in charts/ and is never "
            f"fetched (no network; `helm dependency build` vendors it): its objects are not "
            f"analysed{how}",
            "chart",
            self.line,
        )


def _text(node: PNode | None) -> str | None:
    v = node.value if node is not None and node.is_scalar else None
    return str(v) if v is not None else None


def _vendored(chart_dir: Path, name: str) -> bool:
    charts = chart_dir / "charts"
    if os.path.isfile(charts / name / "Chart.yaml"):  # never raises (long names, NUL)
        return True
    try:
        return any(
            p.name.startswith(f"{name}-") and p.name.endswith(".tgz") for p in charts.iterdir()
        )
    except OSError:
        return False


def _local(chart_dir: Path, repository: str, root: Path) -> Path | None:
    """A `file://` dependency's directory, when it is a chart inside the scanned root."""
    try:  # a NUL byte or an over-long name in the path: not a usable dependency
        target = (chart_dir / repository[len("file://") :]).resolve()
        target.relative_to(root.resolve())
    except (OSError, ValueError):
        return None
    return target if os.path.isfile(target / "Chart.yaml") else None


def dependencies(meta: PNode | None, chart_dir: Path, root: Path) -> list[Dependency]:
    """Chart.yaml's `dependencies:`, each with where it can be found (if anywhere)."""
    deps = meta.get("dependencies") if meta is not None and meta.is_mapping else None
    if deps is None or not deps.is_sequence:
        return []
    out: list[Dependency] = []
    for item in deps.items:
        name = _text(item.get("name")) if item.is_mapping else None
        if not name:
            continue
        repository = _text(item.get("repository"))
        dep = Dependency(name, repository, item.location.line, MISSING)
        dep.alias = _text(item.get("alias"))
        if _vendored(chart_dir, name):
            dep.state = VENDORED
        elif repository and repository.startswith("file://"):
            dep.local = _local(chart_dir, repository, root)
            dep.state = LOCAL if dep.local is not None else MISSING
        out.append(dep)
    return out


def needs_staging(deps: list[Dependency]) -> bool:
    return any(d.state != VENDORED for d in deps)


def stage(deps: list[Dependency], copy: Path) -> None:
    """Make the chart copy at `copy` renderable offline: local dependencies copied into
    charts/, missing ones removed from Chart.yaml."""
    for dep in deps:
        target = copy / "charts" / dep.name
        if dep.state == LOCAL and dep.local is not None and not target.exists():
            shutil.copytree(dep.local, target, symlinks=True)
    missing = {d.name for d in deps if d.state == MISSING}
    if missing:
        _drop_dependencies(copy / "Chart.yaml", missing)


def _drop_dependencies(chart_yaml: Path, names: set[str]) -> None:
    import yaml

    try:
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        meta: Any = yaml.load(chart_yaml.read_text(encoding="utf-8"), Loader=loader)  # noqa: S506
    except (OSError, yaml.YAMLError):
        return
    if not isinstance(meta, dict) or not isinstance(meta.get("dependencies"), list):
        return
    meta["dependencies"] = [
        d for d in meta["dependencies"] if not (isinstance(d, dict) and d.get("name") in names)
    ]
    chart_yaml.write_text(yaml.safe_dump(meta, sort_keys=False), encoding="utf-8")


__all__ = ["Dependency", "dependencies", "needs_staging", "stage"]
