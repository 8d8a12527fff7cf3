"""Helm charts into the Kubernetes model, every fact at the line a user edits.

A chart (a directory with Chart.yaml and templates/) is rendered once with `helm template`
when a helm binary is known (`--helm PATH`, $INFRADOCTOR_HELM, else PATH), with its
values.yaml plus any `--helm-values` files. Renders run in parallel, each with a timeout,
and are cached by the content hash of the chart and values (in memory and, bounded, on
disk). The rendered objects go through the manifest loader; their locations are then moved
from the rendered text to values.yaml (where the value came from values) or to the
template line that produced them. Without helm (or when rendering fails) values.yaml is
read by the conventions of `helm create` charts, and a `not-rendered` note says so."""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
import stat
import time
from bisect import bisect_left
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from infradoctor.lazyre import lazy
from infradoctor.loaders.helm_deps import (
    LOCAL,
    MISSING,
    Dependency,
    dependencies,
    needs_staging,
    stage,
)
from infradoctor.model.k8s import Container, K8sEnv, K8sObject, PodTemplate, Probe, WorkloadSpec
from infradoctor.model.source import FileKind, LoadError, Location, Skipped, SourceFile
from infradoctor.records import record
from infradoctor.sha import sha256
from infradoctor.syntax.yaml import PNode, load_positioned, load_positioned_all

if TYPE_CHECKING:
    from infradoctor.loaders.files import SourceReader

RENDER_TIMEOUT = 30.0  # seconds per chart
MAX_OUTPUT = 16 * 1024 * 1024  # bytes of rendered YAML per chart
MAX_CHART_FILES = 2000  # files hashed per chart (a bigger tree is not rendered)
MAX_CHART_BYTES = 32 * 1024 * 1024
CACHE_ENTRIES = 256  # disk cache entries kept (oldest removed first)
NOT_RENDERED = "not-rendered"  # load-error kind: a note, never fails the run
RENDER_FAILED = "render-failed"
SOURCE_RE = lazy(r"^# Source: (\S.*)$")
KEY_RE = lazy(r"^(?:- )*[\"']?([A-Za-z0-9_.\-/]+)[\"']?\s*:(?:\s|$)")
ALIGN_WINDOW = 60
INCLUDE_INDENT_RE = lazy(
    r"^\s*\{\{-?\s*(?:include|toYaml|tpl|template)\b[^}]*\|\s*n?indent\s+(\d+)\s*-?\}\}\s*$"
)
CONTROL_RE = lazy(r"^(?:\{\{-?\s*(?:if|else|end|with|range|/\*)\b[^}]*\}\}\s*)+$|^$")
# rendered key -> values paths it is set from in `helm create` charts
ALIASES: dict[str, tuple[tuple[str, ...], ...]] = {
    "replicas": (("replicaCount",),),
    "imagePullPolicy": (("image", "pullPolicy"),),
    "minReplicas": (("autoscaling", "minReplicas"),),
    "maxReplicas": (("autoscaling", "maxReplicas"),),
    "targetCPUUtilizationPercentage": (("autoscaling", "targetCPUUtilizationPercentage"),),
    "targetMemoryUtilizationPercentage": (("autoscaling", "targetMemoryUtilizationPercentage"),),
    "port": (("service", "port"),),
    "containerPort": (("service", "port"), ("service", "targetPort")),
    "targetPort": (("service", "targetPort"),),
    "type": (("service", "type"),),
    "securityContext": (("podSecurityContext",),),
}
_memory_cache: dict[str, str] = {}
FAILED_MARK = "#infradoctor: helm template failed\n"  # a cached failure's first line
render_calls = 0  # helm processes started in this process (tests read it)


@record
class HelmOptions:
    helm: str | None = None  # binary path; None: $INFRADOCTOR_HELM or PATH; "off": none
    values: Sequence[str] = ()  # extra values files, applied to every chart
    cache: bool = True  # the disk cache (the in-memory one is always used)


@record
class Chart:
    directory: str  # relative to the root ("" for the root)
    name: str
    chart_yaml: SourceFile
    values: SourceFile | None
    abspath: Path
    app_version: str | None = None
    version: str | None = None
    values_root: PNode | None = None  # values.yaml parsed (a mapping), else None
    dependencies: list[Dependency] = field(default_factory=list)  # Chart.yaml's


@record
class Rendered:
    text: str | None  # helm's output; None when not rendered
    error: str | None = None
    cached: bool = False


@record
class HelmResult:
    objects: list[K8sObject] = field(default_factory=list)
    errors: list[LoadError] = field(default_factory=list)
    files: list[SourceFile] = field(default_factory=list)
    stats: dict[str, int | float] = field(default_factory=dict)
    skipped: list[Skipped] = field(default_factory=list)  # dependencies not analysed


# ------------------------------------------------------------------ finding charts


def chart_dirs(helm_files: Iterable[str]) -> list[str]:
    """Directories holding a Chart.yaml (relative, posix), outermost charts only: a
    subchart under another chart's charts/ is rendered with its parent."""
    dirs = sorted(
        {
            p.rsplit("/", 1)[0] if "/" in p else ""
            for p in helm_files
            if p.split("/")[-1] == "Chart.yaml"
        }
    )
    out: list[str] = []
    for d in dirs:
        if any(d.startswith((o + "/charts/") if o else "charts/") for o in out):
            continue
        out.append(d)
    return out


def find_helm(explicit: str | None) -> str | None:
    """The helm binary to run, or None."""
    if explicit == "off":
        return None
    for candidate in (explicit, os.environ.get("INFRADOCTOR_HELM")):
        if candidate:
            path = shutil.which(candidate) or (candidate if os.path.isfile(candidate) else None)
            return path if path and os.access(path, os.X_OK) else None
    return shutil.which("helm")


def _scalar(node: PNode | None) -> str | None:
    return node.text() if node is not None and node.is_scalar else None


def _release_name(name: str) -> str:
    cleaned = re.sub(r"[^a-z0-9-]+", "-", name.lower()).strip("-")[:53].strip("-")
    return cleaned or "release"


# ------------------------------------------------------------------ rendering + cache


def _chart_digest(chart: Path, extra: Sequence[tuple[str, str]], helm: str) -> str | None:
    """sha256 of every file of the chart, the values given and the helm binary; None when
    the chart is too big to hash (it is then rendered without the cache)."""
    h = sha256()
    st = os.stat(helm)
    h.update(f"helm {helm} {st.st_size} {st.st_mtime_ns}\0".encode())
    count = size = 0
    for dirpath, dirnames, filenames in os.walk(chart):
        dirnames[:] = sorted(d for d in dirnames if d != ".git")
        rel = os.path.relpath(dirpath, chart)
        prefix = "" if rel == "." else rel + "/"  # = relpath of each file, once per directory
        for name in sorted(filenames):
            path = os.path.join(dirpath, name)
            try:
                st = os.lstat(path)  # one stat: a regular file, not a symlink, and its size
            except (OSError, ValueError):
                continue
            if not stat.S_ISREG(st.st_mode):
                continue
            count += 1
            size += st.st_size
            if count > MAX_CHART_FILES or size > MAX_CHART_BYTES:
                return None
            try:
                with open(path, "rb") as f:
                    data = f.read()
            except OSError:
                continue
            h.update((prefix + name).encode() + b"\0")
            h.update(sha256(data).digest())
    for name, text in extra:
        h.update(f"values {name}\0".encode() + sha256(text.encode()).digest())
    return h.hexdigest()


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(Path.home(), ".cache")
    return Path(base) / "infradoctor" / "helm"


def _cache_read(key: str) -> str | None:
    path = cache_dir() / f"{key}.yaml"
    try:
        st = os.lstat(path)
        if not os.path.isfile(path) or os.path.islink(path) or st.st_uid != os.getuid():
            return None
        text = path.read_text(encoding="utf-8")
        os.utime(path)  # least recently used is removed first
        return text
    except (OSError, UnicodeDecodeError):
        return None


def _cache_write(key: str, text: str) -> None:
    """Atomic write into a private directory; never more than CACHE_ENTRIES entries."""
    directory = cache_dir()
    try:
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        if directory.is_symlink() or directory.stat().st_uid != os.getuid():
            return
        import tempfile  # like subprocess and threads: imported only when helm runs

        fd, tmp = tempfile.mkstemp(dir=directory, suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(tmp, directory / f"{key}.yaml")
        entries = sorted(directory.glob("*.yaml"), key=lambda p: p.stat().st_mtime)
        for old in entries[:-CACHE_ENTRIES]:
            old.unlink(missing_ok=True)
    except OSError:
        return


def _run_helm(helm: str, chart: Chart, values: Sequence[str]) -> Rendered:
    import subprocess

    global render_calls
    render_calls += 1
    cmd = [helm, "template", _release_name(chart.name), str(chart.abspath), "--skip-tests"]
    for v in values:
        cmd += ["--values", v]
    try:
        proc = subprocess.run(  # noqa: S603 - argv list, no shell
            cmd,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=RENDER_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return Rendered(None, f"helm template timed out after {RENDER_TIMEOUT:.0f} s")
    except OSError as exc:
        return Rendered(None, f"cannot run helm: {exc.strerror or exc}")
    if proc.returncode != 0:
        lines = [x for x in proc.stderr.decode("utf-8", "replace").splitlines() if x.strip()]
        at = next((i for i, x in enumerate(lines) if x.startswith("Error")), len(lines) - 1)
        msg = lines[at] if lines else ""
        if msg.endswith(":"):  # the details are on the next lines (a schema violation)
            msg = " ".join([msg, *(x.strip() for x in lines[at + 1 : at + 6])])
        return Rendered(None, f"helm template failed: {msg[:300] or f'exit {proc.returncode}'}")
    if len(proc.stdout) > MAX_OUTPUT:
        return Rendered(None, f"helm template output over {MAX_OUTPUT} bytes")
    return Rendered(proc.stdout.decode("utf-8", "replace"))


def render_chart(
    helm: str,
    chart: Chart,
    values: Sequence[str],
    use_disk: bool,
    overrides: Mapping[str, str] | None = None,
) -> Rendered:
    """`helm template` of one chart, from the cache when its content was seen before.
    `overrides` (path in the chart -> text): the fix loop's look at files it is about to
    write; the chart is then rendered from a private copy holding them."""
    if overrides or needs_staging(chart.dependencies):
        # a private copy: dependencies staged (loaders/helm_deps.py), the fix loop's texts
        import tempfile

        with tempfile.TemporaryDirectory(prefix="infradoctor-helm-") as tmp:
            copy = Path(tmp) / (chart.abspath.name or "chart")
            shutil.copytree(chart.abspath, copy, symlinks=True)
            stage(chart.dependencies, copy)
            for rel, text in (overrides or {}).items():
                (copy / rel).write_text(text, encoding="utf-8")
            moved = dataclasses.replace(chart, abspath=copy, dependencies=[])
            return render_chart(helm, moved, values, use_disk=use_disk and not overrides)
    extra: list[tuple[str, str]] = []
    for v in values:
        try:
            extra.append((v, Path(v).read_text(encoding="utf-8", errors="replace")))
        except OSError as exc:
            return Rendered(None, f"cannot read values file {v}: {exc.strerror or exc}")
    try:
        key = _chart_digest(chart.abspath, extra, helm)
    except OSError:
        key = None
    if key is not None:
        hit = _memory_cache.get(key)
        if hit is None and use_disk:
            hit = _cache_read(key)
        if hit is not None:
            _memory_cache[key] = hit
            if hit.startswith(FAILED_MARK):  # helm's verdict on this content, kept too
                return Rendered(None, hit[len(FAILED_MARK) :], cached=True)
            return Rendered(hit, cached=True)
    result = _run_helm(helm, chart, values)
    # A template error is a property of the content; a timeout or a missing binary is not.
    keep = result.text if result.text is not None else None
    if result.error and result.error.startswith("helm template failed"):
        keep = FAILED_MARK + result.error
    if key is not None and keep is not None:
        _memory_cache[key] = keep
        if use_disk:
            _cache_write(key, keep)
    return result


# ------------------------------------------------------------------ values index


@record
class _ValueEntry:
    path: tuple[str, ...]  # mapping keys from the values root (list indexes dropped)
    key_location: Location
    node: PNode


def _walk(
    node: PNode, path: tuple[str, ...], out: list[tuple[tuple[str, ...], Location, PNode]]
) -> None:
    if node.is_mapping:
        for key, entry in node.entries.items():
            if isinstance(key, str):
                out.append((path + (key,), entry.key_location, entry.value))
                _walk(entry.value, path + (key,), out)
    elif node.is_sequence:
        for item in node.items:
            _walk(item, path, out)


class ValuesIndex:
    """values.yaml entries by their last key, to find where a rendered value came from."""

    def __init__(self, roots: Sequence[PNode]) -> None:
        self.by_key: dict[str, list[_ValueEntry]] = {}
        self.by_path: dict[tuple[str, ...], _ValueEntry] = {}
        # every key a rendered entry can be traced by (filled below)
        self.keys: set[str] = set(ALIASES) | {"image", "averageUtilization"}
        for root in roots:  # later files override earlier ones
            found: list[tuple[tuple[str, ...], Location, PNode]] = []
            _walk(root, (), found)
            for path, loc, node in found:
                e = _ValueEntry(path, loc, node)
                self.by_key.setdefault(path[-1], []).insert(0, e)
                self.by_path[path] = e
        self.keys.update(self.by_key)

    def source_of(self, path: tuple[str, ...], node: PNode, kind: str) -> _ValueEntry | None:
        """The values entry a rendered entry (`path`, `node`) most likely came from: the
        same value under the longest common key suffix (at least two keys, or the whole
        values path), else a `helm create` alias."""
        best: _ValueEntry | None = None
        best_len = 0
        second = path[-2] if len(path) > 1 else None
        for e in self.by_key.get(path[-1], ()):
            if len(e.path) > 1 and e.path[-2] != second:
                continue  # one key in common, fewer than the entry's path: never a match
            common = _common_suffix(path, e.path)
            if (common >= 2 or common == len(e.path)) and common > best_len and _same(node, e.node):
                best, best_len = e, common
        if best is not None:
            return best
        for alias in ALIASES.get(path[-1], ()):
            if alias[0] == "service" and kind != "Service" and path[-1] != "containerPort":
                continue
            if path[-1] == "securityContext" and path[-2:-1] != ("spec",):
                continue
            found = self.by_path.get(alias)
            if found is not None and _same(node, found.node):
                return found
        return None


def _common_suffix(a: tuple[str, ...], b: tuple[str, ...]) -> int:
    n = 0
    while n < len(a) and n < len(b) and a[-1 - n] == b[-1 - n]:
        n += 1
    return n


def _same(rendered: PNode, values: PNode) -> bool:
    if rendered.is_scalar and values.is_scalar:
        r, v = rendered.text(), values.text()
        return r is not None and v is not None and r == v and r != ""
    if rendered.is_scalar or values.is_scalar:
        return False
    value = rendered.value
    return bool(value) and value == values.value


# ------------------------------------------------------------------ location mapping


def _key_of(line: str) -> str | None:
    m = KEY_RE.match(line.strip())
    return m.group(1) if m else None


def _output_indent(line: str) -> int | None:
    """N of a template line that is only an `include` / `toYaml` / `tpl` directive piped
    to `nindent N` / `indent N`: its output lines are indented N or more."""
    m = INCLUDE_INDENT_RE.match(line)
    return int(m.group(1)) or None if m else None


def _directive_at(cursor: int, end: int, lines: _Template) -> int | None:
    """The output directive (`nindent N`) at the cursor or right after it, past control
    lines (`{{- if }}`, `{{- with }}`, `{{- end }}`); None when the next line is content."""
    stripped = lines.stripped
    for j in range(cursor, min(end, cursor + 8)):
        if lines.indent(j) is not None:
            return j
        if j > cursor and not CONTROL_RE.match(stripped[j]):
            return None
    return None


def _documents(lines: list[str]) -> list[tuple[int, int]]:
    """(start, end) line indexes of the YAML documents of `lines` (split at `---`)."""
    out: list[tuple[int, int]] = []
    start = 0
    for i, line in enumerate(lines):
        if line.startswith("---"):
            out.append((start, i))
            start = i + 1
    out.append((start, len(lines)))
    return [d for d in out if d[1] > d[0]] or [(0, len(lines))]


class _Template:
    """A template's lines, stripped, and where each text occurs (a window search is a
    lookup, not a scan); keys and output directives are read only for the lines a search
    or a directive check reaches (most rendered lines find their text)."""

    def __init__(self, template: list[str]) -> None:
        self.lines = template
        self.stripped = [t.strip() for t in template]
        self.by_text = _positions(self.stripped)
        self.keys: list[Any] = [_UNREAD] * len(template)
        self.indents: list[Any] = [_UNREAD] * len(template)

    def key(self, j: int) -> str | None:
        k = self.keys[j]
        if k is _UNREAD:
            k = self.keys[j] = _key_of(self.stripped[j])
        return k  # type: ignore[no-any-return]

    def indent(self, j: int) -> int | None:
        n = self.indents[j]
        if n is _UNREAD:
            n = self.indents[j] = _output_indent(self.lines[j])
        return n  # type: ignore[no-any-return]

    def first(self, text: str, lo: int, hi: int) -> int | None:
        """The first line in [lo, hi) whose stripped text is `text`, else its key."""
        hit = _first_in(self.by_text.get(text), lo, hi)
        if hit is None:
            key = _key_of(text)
            if key is not None:
                hit = next((j for j in range(lo, hi) if self.key(j) == key), None)
        return hit


_UNREAD: Any = object()


def _positions(values: list[str]) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    for i, v in enumerate(values):
        out.setdefault(v, []).append(i)
    return out


def _first_in(positions: list[int] | None, lo: int, hi: int) -> int | None:
    if not positions:
        return None
    at = bisect_left(positions, lo)
    return positions[at] if at < len(positions) and positions[at] < hi else None


def _align_document(rendered: list[str], lines: _Template, start: int, end: int) -> list[int]:
    """Rendered lines of one document -> 0-based template lines in [start, end): the next
    line with the same text, else the same key, within a window; else the last line
    matched (an `include`, `toYaml` or `range` body stays on its directive). Lines
    indented at least as deep as the `nindent N` of the directive at (or right after)
    the cursor are its output: the cursor stays (a similar line further down must not
    pull it past the template lines that follow the directive)."""
    cursor = start
    out: list[int] = []
    directive_memo: dict[int, int | None] = {}  # by cursor, which moves rarely
    for line in rendered:
        s = line.strip()
        if not s:
            out.append(cursor)
            continue
        if cursor in directive_memo:
            directive = directive_memo[cursor]
        else:
            directive = directive_memo[cursor] = _directive_at(cursor, end, lines)
        if directive is not None:
            depth = lines.indent(directive)
            if depth is not None and len(line) - len(line.lstrip(" ")) >= depth:
                out.append(cursor)
                continue
        hit = lines.first(s, cursor, min(end, cursor + ALIGN_WINDOW))
        if hit is not None:
            cursor = hit
        out.append(cursor)
    return out


def align(rendered: list[str], template: list[str]) -> list[int]:
    """For each rendered line, the 1-based template line that most likely produced it.
    helm orders the documents of one template by kind, so each rendered document is
    first matched to the template document sharing most of its lines."""
    lines = _Template(template)
    stripped = lines.stripped
    tdocs = _documents(template)
    tsets = [{stripped[i] for i in range(a, b)} for a, b in tdocs]
    out: list[int] = []

    def pad(upto: int) -> None:  # separators: where the previous document was
        out.extend([out[-1] if out else 0] * (upto - len(out)))

    for a, b in _documents(rendered):
        pad(a)
        part = rendered[a:b]
        want = {x.strip() for x in part}
        best = max(range(len(tdocs)), key=lambda i: len(want & tsets[i]))
        out.extend(_align_document(part, lines, *tdocs[best]))
    pad(len(rendered))
    return [i + 1 for i in out]


class LineMap:
    """Rendered (line, column) -> the Location a user edits."""

    def __init__(self, path: str, template: SourceFile | None, rendered: str) -> None:
        self.path = path
        self.template = template
        self.exact: dict[tuple[int, int], Location] = {}
        self.by_line: dict[int, Location] = {}
        lines = rendered.split("\n")
        self.aligned = align(lines, template.text.split("\n")) if template else []

    def add(self, rendered: Location, target: Location) -> None:
        self.exact.setdefault((rendered.line, rendered.column), target)
        self.by_line.setdefault(rendered.line, target)

    def __call__(self, loc: Location) -> Location:
        hit = self.exact.get((loc.line, loc.column)) or self.by_line.get(loc.line)
        if hit is not None:
            return hit
        if self.template is None or not self.aligned:
            return Location(self.path, 1, 1)
        line = self.aligned[min(max(loc.line, 1), len(self.aligned)) - 1]
        text = self.template.line_text(line)
        column = len(text) - len(text.lstrip()) + 1
        return Location(self.path, line, column, offset=self.template.offset_of(line, column))


def _map_values(
    node: PNode, path: tuple[str, ...], kind: str, index: ValuesIndex, lm: LineMap
) -> None:
    """Record where each rendered entry under `node` came from in values.yaml."""
    if node.kind == "mapping":
        for key, entry in node.entries.items():
            if not isinstance(key, str):
                continue
            sub = path + (key,)
            value = entry.value
            if value.kind == "scalar" and key not in index.keys:
                continue  # no values entry, alias or special case for this key: a leaf
            found = index.source_of(sub, value, kind)
            if found is None and key == "image" and entry.value.is_scalar:
                found = _image_source(entry.value, index)
            if found is None and key == "averageUtilization":
                found = _utilization_source(path, entry.value, index)
            if found is not None:
                target = found.node.location if found.node.is_scalar else found.key_location
                lm.add(entry.key_location, found.key_location)
                lm.add(entry.value.location, target)
            _map_values(entry.value, sub, kind, index, lm)
    elif node.kind == "sequence":
        for item in node.items:
            _map_values(item, path, kind, index, lm)


def _image_source(node: PNode, index: ValuesIndex) -> _ValueEntry | None:
    """`image: repo:tag` comes from the values entry under an `image` key holding its tag
    (image.tag, image.version, ...), else from the one holding its repository."""
    image = node.text() or ""
    name = image.split("@", 1)[0]
    tag = name.rsplit(":", 1)[1] if ":" in name.rsplit("/", 1)[-1] else ""
    repo_hit: _ValueEntry | None = None
    for path, e in index.by_path.items():
        if "image" not in path[:-1] or not e.node.is_scalar:
            continue
        text = _scalar(e.node)
        if tag and text == tag:
            return e
        if text and repo_hit is None and len(text) > 2 and name.startswith(text):
            repo_hit = e
    return repo_hit


def _utilization_source(
    path: tuple[str, ...], node: PNode, index: ValuesIndex
) -> _ValueEntry | None:
    del path  # the metric name is a sibling; the value decides between cpu and memory
    for key in ("targetCPUUtilizationPercentage", "targetMemoryUtilizationPercentage"):
        e = index.by_path.get(("autoscaling", key))
        if e is not None and _same(node, e.node):
            return e
    return None


_ATOMS = frozenset({str, int, float, bool, type(None)})


_FIELD_NAMES: dict[type, tuple[str, ...] | None] = {}


def _field_names(cls: type) -> tuple[str, ...] | None:
    """The field names of a dataclass type (None for other types), looked up once per
    type: `dataclasses.fields` per object was a third of `remap`."""
    if cls not in _FIELD_NAMES:
        is_dc = dataclasses.is_dataclass(cls) and not issubclass(cls, type)
        _FIELD_NAMES[cls] = tuple(f.name for f in dataclasses.fields(cls)) if is_dc else None
    return _FIELD_NAMES[cls]


def remap(obj: Any, fn: Callable[[Location], Location], seen: set[int] | None = None) -> Any:
    """`obj` with every Location inside it passed through `fn` (dataclasses in place)."""
    cls = obj.__class__
    if cls in _ATOMS:
        return obj
    if isinstance(obj, Location):
        return fn(obj)
    seen = seen if seen is not None else set()
    if id(obj) in seen:
        return obj
    names = _field_names(cls)
    if names is not None:
        seen.add(id(obj))
        for name in names:
            value = getattr(obj, name)
            if value.__class__ in _ATOMS:
                continue  # most fields: no call for a value that holds no Location
            new = remap(value, fn, seen)
            if new is not value:
                setattr(obj, name, new)
        return obj
    if isinstance(obj, list):
        for i, item in enumerate(obj):
            if item.__class__ not in _ATOMS:
                obj[i] = remap(item, fn, seen)
        return obj
    if isinstance(obj, tuple):
        return tuple(x if x.__class__ in _ATOMS else remap(x, fn, seen) for x in obj)
    if isinstance(obj, dict):
        for k, v in obj.items():
            if v.__class__ not in _ATOMS:
                obj[k] = remap(v, fn, seen)
        return obj
    return obj


# ------------------------------------------------------------------ rendered output


def split_sources(text: str) -> dict[str, str]:
    """helm's output by `# Source:` path (`chart/templates/x.yaml`), documents kept."""
    out: dict[str, list[str]] = {}
    current: list[str] | None = None
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    for line in lines:
        m = SOURCE_RE.match(line)
        if m:
            current = out.setdefault(m.group(1).strip(), [])
            if current:
                current.append("---")
            continue
        if line == "---" or current is None:
            continue
        current.append(line)
    return {k: "\n".join(v) + "\n" for k, v in out.items()}


def _template_path(chart: Chart, source: str) -> str:
    """`name/templates/x.yaml` -> the template's path relative to the root."""
    inner = source.split("/", 1)[1] if "/" in source else source
    return f"{chart.directory}/{inner}" if chart.directory else inner


def load_rendered(
    chart: Chart,
    text: str,
    read: Callable[[str], SourceFile | None],
    index: ValuesIndex,
) -> tuple[list[K8sObject], list[LoadError]]:
    from infradoctor.loaders.kubernetes import load_rendered_documents

    objects: list[K8sObject] = []
    errors: list[LoadError] = []
    for source, rendered in split_sources(text).items():
        path = _template_path(chart, source)
        template = read(path)
        src = SourceFile(path, chart.abspath / path, FileKind.K8S, rendered)
        docs, errs = load_positioned_all(src)
        lm = LineMap(path, template, rendered)
        errors.extend(
            dataclasses.replace(e, line=lm(Location(path, e.line)).line) if e.line else e
            for e in errs
        )
        for doc in docs:
            if doc is not None and doc.is_mapping:
                _map_values(doc, (), _scalar(doc.get("kind")) or "", index, lm)
        found, errs = load_rendered_documents(src, docs)
        for obj in found:
            remap(obj, lm)
        objects.extend(found)
        errors.extend(
            dataclasses.replace(e, line=lm(Location(path, e.line)).line) if e.line else e
            for e in errs
        )
    return objects, errors


# ------------------------------------------------------------------ without helm


def _references(templates: Iterable[SourceFile], needle: str) -> SourceFile | None:
    return next((t for t in templates if needle in t.text), None)


def _probe_from_values(kind: str, entry_loc: Location, node: PNode) -> Probe:
    """The probe a values.yaml key renders to, read by the one probe parser (handler,
    port, timing, exec command); a named port cannot be checked without the rendered
    container ports, so it is unknown."""
    from infradoctor.loaders.kubernetes import probe_from_node

    probe = probe_from_node(kind, entry_loc, node)
    if isinstance(probe.port, str) and not probe.port.isdigit():
        probe.port = None
    return probe


def _values_container(chart: Chart, root: PNode, deployment: SourceFile) -> Container | None:
    """The container of a `helm create` Deployment, from values.yaml."""
    image = root.get("image")
    if image is None or not image.is_mapping:
        return None
    repo_node, tag_node = image.get("repository"), image.get("tag")
    repo, tag = _scalar(repo_node), _scalar(tag_node)
    if not repo or repo_node is None:
        return None
    c = Container(chart.name, root.location)
    c.image_location = tag_node.location if tag and tag_node is not None else repo_node.location
    if not tag:  # the template's default decides; unknown: no image fact at all
        if "default .Chart.AppVersion" in deployment.text:
            tag = chart.app_version
        elif "default .Chart.Version" in deployment.text:
            tag = chart.version
    c.image = f"{repo}:{tag}" if tag else None
    policy = image.get("pullPolicy")
    if policy is not None and _scalar(policy) and ".Values.image.pullPolicy" in deployment.text:
        c.image_pull_policy, c.image_pull_policy_location = _scalar(policy), policy.location
    _values_resources(root, c)
    for key, kind in PROBE_KEYS:
        entry = root.entry(key)
        if entry is not None and f".Values.{key}" in deployment.text and entry.value.is_mapping:
            c.probes[kind] = _probe_from_values(kind, entry.key_location, entry.value)
    env = root.get("env")
    if env is not None and env.is_sequence and ".Values.env" in deployment.text:
        for item in env.items:
            name = _scalar(item.get("name")) if item.is_mapping else None
            if name:
                value_from = item.get("valueFrom") is not None
                c.env.append(K8sEnv(name, _scalar(item.get("value")), value_from, item.location))
    sc = root.get("securityContext")
    if sc is not None and sc.is_mapping and isinstance(sc.value, dict):
        c.security_context = dict(sc.value)
        from infradoctor.loaders.kubernetes import security_locations

        c.security_locations = security_locations(root)
    return c


PROBE_KEYS = (
    ("readinessProbe", "readiness"),
    ("livenessProbe", "liveness"),
    ("startupProbe", "startup"),
)


def _values_resources(root: PNode, c: Container) -> None:
    res = root.get("resources")
    if res is None or not res.is_mapping:
        return
    key = root.key_location("resources")
    if key is not None:
        c.resource_locations["resources"] = key
    for section, target in (("requests", c.requests), ("limits", c.limits)):
        sm = res.get(section)
        for name, value in sm.pairs() if sm is not None else ():
            text = _scalar(value)
            if isinstance(name, str) and text is not None:
                target[name] = text
                c.resource_locations[f"{section}.{name}"] = value.location


def values_workload(chart: Chart, templates: list[SourceFile]) -> K8sObject | None:
    """The Deployment a `helm create` chart makes of its values.yaml, when its templates
    take the image and resources from the conventional keys (else nothing: a guess
    would give findings about a workload we do not know)."""
    root = chart.values_root
    deployment = _references(templates, ".Values.image.repository")
    if root is None or deployment is None:
        return None
    if ".Values.resources" not in deployment.text:
        return None
    c = _values_container(chart, root, deployment)
    if c is None:
        return None
    pod = PodTemplate({}, root.location, containers=[c])
    psc = root.get("podSecurityContext")
    if psc is not None and psc.is_mapping and isinstance(psc.value, dict):
        pod.security_context = dict(psc.value)
        from infradoctor.loaders.kubernetes import security_locations

        pod.security_locations = security_locations(root, "podSecurityContext")
    w = WorkloadSpec(pod)
    autoscaling = root.get("autoscaling")
    enabled = autoscaling.get("enabled") if autoscaling is not None else None
    rc = root.get("replicaCount")
    if (enabled is None or enabled.scalar is not True) and rc is not None:
        if isinstance(rc.scalar, int) and not isinstance(rc.scalar, bool):
            w.replicas, w.replicas_location = rc.scalar, rc.location
    lines = deployment.text.split("\n")
    kind_line = next((i + 1 for i, x in enumerate(lines) if x.startswith("kind:")), 1)
    where = Location(deployment.path, kind_line, 1, offset=deployment.offset_of(kind_line))
    return K8sObject(
        "Deployment", "apps/v1", chart.name, deployment.path, where, name_location=where, workload=w
    )


# ------------------------------------------------------------------ the loader


def _read_chart(directory: str, reader: SourceReader, result: HelmResult) -> Chart | None:
    prefix = f"{directory}/" if directory else ""
    chart_yaml = reader.read(reader.root / f"{prefix}Chart.yaml", FileKind.HELM)
    if not isinstance(chart_yaml, SourceFile):
        result.errors.append(chart_yaml)
        return None
    result.files.append(chart_yaml)
    if not os.path.isdir(reader.root / f"{prefix}templates"):
        return None
    meta, errs = load_positioned(chart_yaml)
    result.errors.extend(errs)
    _read_partials(reader.root / f"{prefix}templates", reader, result)
    meta = meta if meta is not None and meta.is_mapping else None
    field_of = (lambda key: _scalar(meta.get(key))) if meta is not None else (lambda key: None)
    fallback = directory.rsplit("/", 1)[-1] if directory else reader.root.name
    chart = Chart(
        directory, field_of("name") or fallback, chart_yaml, None, reader.root / directory
    )
    chart.app_version, chart.version = field_of("appVersion"), field_of("version")
    chart.dependencies = dependencies(meta, chart.abspath, reader.root)
    for fname in ("values.yaml", "values.yml"):
        path = reader.root / f"{prefix}{fname}"
        if os.path.isfile(path):
            res = reader.read(path, FileKind.HELM)
            if isinstance(res, SourceFile):
                chart.values = res
                result.files.append(res)
                root, errs = load_positioned(res)
                result.errors.extend(errs)
                chart.values_root = root if root is not None and root.is_mapping else None
            else:
                result.errors.append(res)
            break
    return chart


def _read_partials(templates: Path, reader: SourceReader, result: HelmResult) -> None:
    """The chart's `_helpers.tpl` partials: rendered with it, so listed as read."""
    for path in sorted(templates.glob("_*.tpl")):
        res = reader.read(path, FileKind.HELM)
        if isinstance(res, SourceFile):
            result.files.append(res)


def _chart_files(
    chart: Chart, helm_files: Sequence[str], reader: SourceReader, result: HelmResult
) -> tuple[list[SourceFile], list[PNode]]:
    """The chart's templates (its subcharts' too) and its subcharts' values roots."""
    prefix = f"{chart.directory}/" if chart.directory else ""
    templates: list[SourceFile] = []
    sub_values: list[PNode] = []
    for rel in helm_files:
        inner = rel[len(prefix) :] if rel.startswith(prefix) else None
        if inner is None:
            continue
        is_template = inner.startswith("templates/") or (
            inner.startswith("charts/") and "/templates/" in inner
        )
        is_sub_values = inner.startswith("charts/") and inner.endswith("/values.yaml")
        if not (is_template or is_sub_values):
            continue
        res = reader.read(reader.root / rel, FileKind.HELM)
        if not isinstance(res, SourceFile):
            continue
        result.files.append(res)
        if is_template:
            templates.append(res)
        else:
            root, _ = load_positioned(res)
            if root is not None and root.is_mapping:
                sub_values.append(root)
    return templates, sub_values


def _extra_roots(extra: Sequence[SourceFile]) -> list[PNode]:
    roots: list[PNode] = []
    for src in extra:
        root, _ = load_positioned(src)
        if root is not None and root.is_mapping:
            roots.append(root)
    return roots


def _render_all(
    charts: list[Chart], helm: str, reader: SourceReader, options: HelmOptions
) -> dict[str, Rendered]:
    """Every chart rendered (or read from the cache), up to 8 helm processes at once."""
    from concurrent.futures import ThreadPoolExecutor

    values = [str(Path(v).resolve()) for v in options.values]
    with ThreadPoolExecutor(max_workers=min(8, len(charts), os.cpu_count() or 2)) as pool:
        futures = {
            c.directory: pool.submit(
                render_chart, helm, c, values, options.cache, _overrides(c, reader)
            )
            for c in charts
        }
        return {d: f.result() for d, f in futures.items()}


def _not_rendered(chart: Chart, out: Rendered | None, modelled: bool) -> LoadError:
    why = (
        out.error
        if out is not None and out.error
        else "no helm binary: put helm on PATH or pass --helm PATH"
    )
    how = (
        "values.yaml read by `helm create` conventions"
        if modelled
        else "values.yaml does not follow `helm create` conventions, nothing was modelled"
    )
    return LoadError(
        chart.chart_yaml.path,
        f"chart '{chart.name}': templates not rendered ({why}); {how}",
        RENDER_FAILED if out is not None else NOT_RENDERED,
        1,
        1,
    )


def load_helm(helm_files: Sequence[str], reader: SourceReader, options: HelmOptions) -> HelmResult:
    """Every chart among `helm_files` (paths relative to the reader's root) as K8s
    objects, with notes for charts that were not rendered. Never raises."""
    started = time.perf_counter()
    result = HelmResult()
    charts = [c for d in chart_dirs(helm_files) if (c := _read_chart(d, reader, result))]
    if not charts:
        return result
    stats: dict[str, int | float] = dict.fromkeys(
        ("charts", "rendered", "cached", "failed", "values_only"), 0
    )
    stats["dependencies_local"] = stats["dependencies_missing"] = 0
    stats["charts"] = len(charts)
    helm = find_helm(options.helm)
    rendered = _render_all(charts, helm, reader, options) if helm is not None else {}
    extra = _extra_roots(
        [r for v in options.values if isinstance(r := _read_extra(v, reader), SourceFile)]
    )
    for chart in charts:
        templates, sub_values = _chart_files(chart, helm_files, reader, result)
        out = rendered.get(chart.directory)
        missing = _note_dependencies(chart, out, stats, result)
        if out is not None and out.text is not None:
            stats["rendered"] += 1
            stats["cached"] += int(out.cached)
            own = [chart.values_root] if chart.values_root is not None else []
            index = ValuesIndex(sub_values + own + extra)
            by_path = {t.path: t for t in templates}
            objects, errors = load_rendered(chart, out.text, by_path.get, index)
            for obj in objects if missing else ():
                obj.partial = True  # a missing subchart's objects may complete a match
            result.objects.extend(objects)
            result.errors.extend(errors)
            continue
        stats["failed"] += int(out is not None)
        w = values_workload(chart, templates)
        stats["values_only"] += int(w is not None)
        result.objects.extend([w] if w is not None else [])
        result.errors.append(_not_rendered(chart, out, w is not None))
    stats["seconds"] = round(time.perf_counter() - started, 3)
    result.stats = stats
    return result


def _note_dependencies(
    chart: Chart, out: Rendered | None, stats: dict[str, int | float], result: HelmResult
) -> bool:
    """Count the chart's staged dependencies and list the missing ones; True when any
    is missing (its objects are not in the rendering)."""
    missing = [d for d in chart.dependencies if d.state == MISSING]
    stats["dependencies_local"] += sum(d.state == LOCAL for d in chart.dependencies)
    stats["dependencies_missing"] += len(missing)
    ok = out is not None and out.text is not None
    result.skipped.extend(d.skipped(chart.chart_yaml.path, ok) for d in missing)
    return bool(missing)


def _overrides(chart: Chart, reader: SourceReader) -> dict[str, str]:
    """The fix loop's texts for files of this chart (path relative to the chart)."""
    prefix = f"{chart.directory}/" if chart.directory else ""
    found = reader.overrides
    return {rel[len(prefix) :]: text for rel, text in found.items() if rel.startswith(prefix)}


def _read_extra(value: str, reader: SourceReader) -> SourceFile | LoadError | None:
    """A `--helm-values` file as a source (for mapping) when it lies under the root."""
    path = Path(value).resolve()
    try:
        path.relative_to(reader.root)
    except ValueError:
        return None
    return reader.read(path, FileKind.HELM)


def helm_options_from(
    helm: str | None, values: Sequence[str], env: Mapping[str, str] | None = None
) -> HelmOptions:
    env = env if env is not None else os.environ
    return HelmOptions(helm, tuple(values), env.get("INFRADOCTOR_HELM_CACHE", "") != "off")


__all__ = [
    "NOT_RENDERED",
    "RENDER_FAILED",
    "Chart",
    "HelmOptions",
    "HelmResult",
    "align",
    "cache_dir",
    "chart_dirs",
    "find_helm",
    "load_helm",
    "render_chart",
    "split_sources",
    "values_workload",
]
