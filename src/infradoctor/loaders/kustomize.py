"""kustomize overlays rendered in Python, with provenance (docs/kustomize.md).

A base is checked only as its overlays render it: every root kustomization (one no other
kustomization references) is built here the way `kustomize build` would build it, on the
positioned YAML trees of syntax/yaml.py. A patch's nodes keep the Location of the patch
file they came from, `images:`/`replicas:` values the line of the kustomization that set
them, so loaders/kubernetes.py turns the result into K8sObjects whose facts point at the
line a user edits (the overlay's patch, `newTag:`, `count:`). What is not applied
(components, replacements, remote bases, helmCharts, ...) is listed as a NotApplied note
and makes the root's objects `partial`. Never raises: bad input becomes LoadErrors."""

from __future__ import annotations

import fnmatch
import os
import posixpath
import re
from collections.abc import Hashable, Iterator
from dataclasses import field

from infradoctor.lazyre import lazy
from infradoctor.loaders.files import SourceReader
from infradoctor.model.source import FileKind, LoadError, Location, Skipped, SourceFile
from infradoctor.parsecache import manifest
from infradoctor.records import record
from infradoctor.syntax.gotemplate import is_helm_template
from infradoctor.syntax.yaml import PEntry, PNode, load_positioned_all, load_positioned_shared

KUSTOMIZATION_NAMES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
MAX_DEPTH = 20  # nested kustomizations followed from one root
MAX_DOCS = 20_000  # rendered objects per root
# keys we apply; NOT_APPLIED keys are listed with their reason; anything else is unknown
APPLIED_KEYS = frozenset(
    {
        "apiVersion",
        "kind",
        "metadata",
        "resources",
        "bases",
        "components",
        "patches",
        "patchesStrategicMerge",
        "patchesJson6902",
        "images",
        "replicas",
        "namePrefix",
        "nameSuffix",
        "namespace",
        "commonLabels",
        "labels",
        "commonAnnotations",
        "configMapGenerator",
        "secretGenerator",
        "generatorOptions",
        "sortOptions",
        "buildMetadata",
        "openapi",
        "crds",
        "configurations",
    }
)
NOT_APPLIED = {
    "replacements": "replacements are not applied",
    "vars": "vars are not substituted",
    "helmCharts": "Helm charts inflated by kustomize are not rendered",
    "helmChartInflationGenerator": "Helm chart inflation is not rendered",
    "helmGlobals": "Helm charts inflated by kustomize are not rendered",
    "transformers": "transformer plugins are not run",
    "generators": "generator plugins are not run",
    "validators": "validator plugins are not run",
    "inventory": "inventory is not applied",
}
CLUSTER_SCOPED = frozenset(
    {
        "Namespace",
        "ClusterRole",
        "ClusterRoleBinding",
        "CustomResourceDefinition",
        "PersistentVolume",
        "StorageClass",
        "PriorityClass",
        "IngressClass",
        "ValidatingWebhookConfiguration",
        "MutatingWebhookConfiguration",
        "APIService",
        "ClusterIssuer",
    }
)
COMPONENT_REASON = "a Component no kustomization here lists (it is applied only by one)"
REPLICA_KINDS = frozenset({"Deployment", "StatefulSet", "ReplicaSet", "ReplicationController"})
# strategic-merge list keys of the core types (k8s.io/api patchMergeKey)
MERGE_KEYS: dict[str, tuple[str, ...]] = {
    "containers": ("name",),
    "initContainers": ("name",),
    "ephemeralContainers": ("name",),
    "volumes": ("name",),
    "env": ("name",),
    "imagePullSecrets": ("name",),
    "volumeMounts": ("mountPath",),
    "volumeDevices": ("devicePath",),
    "hostAliases": ("ip",),
    "ports": ("containerPort", "port"),
    "topologySpreadConstraints": ("topologyKey",),
    "conditions": ("type",),
}
# the keys whose transformers edit rendered resources (generators merge into them)
EDITING_KEYS = (
    "configMapGenerator",
    "secretGenerator",
    "patchesStrategicMerge",
    "patches",
    "patchesJson6902",
    "images",
    "replicas",
    "namespace",
    "commonLabels",
    "labels",
    "commonAnnotations",
    "namePrefix",
    "nameSuffix",
)
TEMPLATE_PATHS = (("spec", "template"), ("spec", "jobTemplate", "spec", "template"))
_REMOTE_RE = lazy(r"^[a-z][a-z0-9+.-]*://|^(github\.com|gitlab\.com|bitbucket\.org)/|\?ref=|^git@")


@record(frozen=True)
class NotApplied:
    """Something a kustomization asks for that the Python renderer did not do."""

    file: str
    line: int | None
    what: str
    reason: str
    error: bool = True  # also a `not-applied` load note (False: listed in stats only)

    def load_error(self) -> LoadError:
        """The load note the text report lists."""
        return LoadError(
            self.file,
            f"kustomize {self.what}: {self.reason}",
            "not-applied",
            self.line,
        )

    def skipped(self) -> Skipped:
        """The `stats.skipped` entry."""
        return Skipped(
            self.file, f"{self.what}: not applied: {self.reason}", "kustomize", self.line
        )


@record(hot=True)
class Resource:
    """One rendered object: its tree (nodes from several files) and the file it came from."""

    node: PNode
    src: SourceFile
    owned: bool = True  # False: the parse cache's tree, shared until a transformer edits it


@record
class RenderedRoot:
    path: str  # the root kustomization file
    resources: list[Resource]
    partial: bool  # something in its tree was not applied


@record
class KustomizeResult:
    roots: list[RenderedRoot] = field(default_factory=list)
    consumed: set[str] = field(default_factory=set)  # files rendered through a root
    kustomizations: set[str] = field(default_factory=set)  # kustomization file paths
    not_applied: list[NotApplied] = field(default_factory=list)
    errors: list[LoadError] = field(default_factory=list)
    # directory -> its kustomization's tree (None: none there), for every directory
    # looked at: read-only, for the k8s loader
    trees: dict[str, PNode | None] = field(default_factory=dict)

    def stats(self) -> dict[str, int]:
        """JSON `stats.kustomize` (numbers) for the lint report."""
        return {
            "roots": len(self.roots),
            "rendered": sum(len(r.resources) for r in self.roots),
            "not_applied": len(self.not_applied),
        }


# ------------------------------------------------------------------ node helpers


def _text(node: PNode | None) -> str | None:
    return node.text() if node is not None and node.is_scalar else None


def _seq(node: PNode | None) -> list[PNode]:
    return node.items if node is not None and node.is_sequence else []


def _map(node: PNode | None) -> PNode | None:
    return node if node is not None and node.is_mapping else None


def copy_node(node: PNode, memo: dict[int, PNode] | None = None) -> PNode:
    """A deep copy of the collections (rendering edits trees; one file is rendered by
    several roots). Scalars are shared: rendering replaces them, never edits them in
    place. Aliased nodes stay shared in the copy, so an alias-heavy file costs its
    distinct nodes, not its expansion."""
    if node.kind == "scalar":
        return node
    memo = {} if memo is None else memo
    done = memo.get(id(node))
    if done is not None:
        return done
    if node.kind == "mapping":  # scalar children (most) shared without a call
        out = node.copy_with()
        memo[id(node)] = out
        out.entries = {
            k: e.with_value(v if (v := e.value).kind == "scalar" else copy_node(v, memo))
            for k, e in node.entries.items()
        }
    else:
        out = node.copy_with()
        memo[id(node)] = out
        out.items = [i if i.kind == "scalar" else copy_node(i, memo) for i in node.items]
    return out


def _own(out: list[Resource]) -> None:
    """Copy the shared trees among `out` before a transformer edits them: a file rendered
    by several roots is parsed once, and a resource no transformer touches is not copied."""
    for r in out:
        if not r.owned:
            r.node, r.owned = copy_node(r.node), True


def _set(node: PNode, key: str, value: PNode, key_location: Location | None = None) -> None:
    entry = node.entries.get(key)
    if entry is not None:
        entry.value = value
    else:
        node.entries[key] = PEntry(key, key_location or value.location, value)


def _ensure_map(node: PNode, key: str, location: Location) -> PNode:
    child = _map(node.get(key))
    if child is None:
        child = PNode.new_mapping({}, location)
        _set(node, key, child, location)
    return child


def _scalar(value: str, location: Location) -> PNode:
    return PNode.new_scalar(value, location, tag="tag:yaml.org,2002:str")


def _kind(res: PNode) -> str:
    return _text(res.get("kind")) or ""


def _name(res: PNode) -> str:
    meta = _map(res.get("metadata"))
    return (_text(meta.get("name")) if meta is not None else None) or ""


def _namespace(res: PNode) -> str | None:
    meta = _map(res.get("metadata"))
    return _text(meta.get("namespace")) if meta is not None else None


def _str_pairs(node: PNode | None) -> list[tuple[str, PNode]]:
    m = _map(node)
    if m is None:
        return []
    return [(k, v) for k, v in m.pairs() if isinstance(k, str) and _text(v) is not None]


# ------------------------------------------------------------------ strategic merge


def _merge(base: PNode, patch: PNode) -> PNode | None:
    """Strategic-merge `patch` into `base` (edited in place); None: delete it."""
    if not (base.is_mapping and patch.is_mapping):
        if patch.is_sequence and base.is_sequence:
            return base
        return copy_node(patch)
    directive = _text(patch.get("$patch"))
    if directive == "delete":
        return None
    if directive == "replace":
        out = copy_node(patch)
        out.entries.pop("$patch", None)
        return out
    for key, pentry in patch.entries.items():
        if isinstance(key, str) and key.startswith("$"):
            continue  # $setElementOrder, $retainKeys, $deleteFromPrimitiveList
        pv = pentry.value
        bentry = base.entries.get(key)
        if pv.is_scalar and pv.scalar is None:
            base.entries.pop(key, None)
            continue
        if bentry is None:
            base.entries[key] = PEntry(key, pentry.key_location, _clean(copy_node(pv)))
            continue
        if pv.is_sequence and bentry.value.is_sequence:
            bentry.value = _merge_list(key, bentry.value, pv)
            continue
        merged = _merge(bentry.value, pv)
        if merged is None:
            base.entries.pop(key, None)
        else:
            bentry.value = merged
    return base


def _clean(node: PNode) -> PNode:
    """Drop `$patch` directives from a subtree added as a whole."""
    if node.is_mapping:
        for key in [k for k in node.entries if isinstance(k, str) and k.startswith("$")]:
            node.entries.pop(key)
        for e in node.entries.values():
            _clean(e.value)
    elif node.is_sequence:
        node.items = [_clean(i) for i in node.items if not (i.is_mapping and "$patch" in i)]
    return node


def _merge_key(key: Hashable, base: PNode, patch: PNode) -> str | None:
    candidates = MERGE_KEYS.get(key) if isinstance(key, str) else None
    if not candidates:
        return None
    for mk in candidates:
        if any(_map(i) is not None and mk in i for i in base.items + patch.items):
            return mk
    return None


def _merge_list(key: Hashable, base: PNode, patch: PNode) -> PNode:
    mk = _merge_key(key, base, patch)
    if mk is None or not all(i.is_mapping for i in patch.items):
        return _clean(copy_node(patch))
    if any(_text(i.get("$patch")) == "replace" for i in patch.items):
        return _clean(copy_node(patch))
    # kustomize's order: the patch's items (merged) in patch order, then the base's others
    by_key = {_text(b.get(mk)): b for b in base.items if b.is_mapping and mk in b}
    merged_items: list[PNode] = []
    used: set[str | None] = set()
    for item in patch.items:
        value = _text(item.get(mk))
        old = by_key.get(value) if value is not None else None
        used.add(value)
        if _text(item.get("$patch")) == "delete":
            continue
        if old is None:
            merged_items.append(_clean(copy_node(item)))
            continue
        merged = _merge(old, item)
        if merged is not None:
            merged_items.append(merged)
    rest = [b for b in base.items if not (b.is_mapping and mk in b and _text(b.get(mk)) in used)]
    base.items = merged_items + rest
    return base


# ------------------------------------------------------------------ JSON 6902


def _pointer(path: str) -> list[str] | None:
    if not path.startswith("/"):
        return None
    return [t.replace("~1", "/").replace("~0", "~") for t in path[1:].split("/")]


def _index(token: str) -> int | None:
    """A JSON-pointer array index (bounded: no 5000-digit int())."""
    return int(token) if token.isdigit() and len(token) < 10 else None


def _walk(node: PNode, tokens: list[str]) -> PNode | None:
    cur: PNode | None = node
    for t in tokens:
        if cur is None:
            return None
        if cur.is_sequence:
            n = _index(t)
            cur = cur.items[n] if n is not None and n < len(cur.items) else None
        elif cur.is_mapping:
            cur = cur.get(t)
        else:
            return None
    return cur


def _json_op(doc: PNode, op: PNode) -> str | None:
    """Apply one RFC 6902 operation; a problem as text, None when applied."""
    name, path = _text(op.get("op")), _text(op.get("path"))
    tokens = _pointer(path or "")
    shown = (path or "")[:200]
    if name is None or tokens is None or not tokens:
        return f"operation without a valid op/path ({(name or '')[:40]!r} {shown!r})"
    if name == "test":
        return None
    value = op.get("value")
    if name in ("copy", "move"):
        from_tokens = _pointer(_text(op.get("from")) or "")
        src = _walk(doc, from_tokens) if from_tokens else None
        if src is None or from_tokens is None:
            return f"{name} from a path that does not exist"
        value = copy_node(src)
        if name == "move":
            _remove(doc, from_tokens)
    parent = _walk(doc, tokens[:-1])
    last = tokens[-1]
    if parent is None:
        return f"path {shown} does not exist"
    if name == "remove":
        return None if _remove(doc, tokens) else f"path {shown} does not exist"
    if value is None:
        return f"{name} without a value"
    value = copy_node(value)
    if parent.is_mapping:
        if name == "replace" and last not in parent:
            return f"path {shown} does not exist"
        _set(parent, last, value, op.location)
        return None
    if parent.is_sequence:
        if last == "-" and name != "replace":
            parent.items.append(value)
            return None
        index = _index(last)
        if index is None or index > len(parent.items):
            return f"index {last[:20]} out of range at {shown}"
        if name == "replace":
            if index >= len(parent.items):
                return f"index {last[:20]} out of range at {shown}"
            parent.items[index] = value
        else:
            parent.items.insert(index, value)
        return None
    return f"path {shown} goes through a scalar"


def _remove(doc: PNode, tokens: list[str]) -> bool:
    parent = _walk(doc, tokens[:-1])
    last = tokens[-1]
    if parent is not None and parent.is_mapping and last in parent:
        parent.entries.pop(last)
        return True
    index = _index(last)
    if parent is not None and parent.is_sequence and index is not None:
        if index < len(parent.items):
            del parent.items[index]
            return True
    return False


# ------------------------------------------------------------------ the renderer


@record
class _Kust:
    """One kustomization file, parsed."""

    src: SourceFile
    directory: str  # relative to the scanned root ("" for the root)
    root: PNode


def _selector_matches(text: str, labels: dict[str, str]) -> bool | None:
    """A simple `a=b,c!=d` selector; None when it uses set syntax we do not evaluate."""
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        if " in " in part or "(" in part:
            return None
        if "!=" in part:
            k, v = part.split("!=", 1)
            if labels.get(k.strip()) == v.strip():
                return False
        elif "=" in part:
            k, v = part.replace("==", "=").split("=", 1)
            if labels.get(k.strip()) != v.strip():
                return False
        elif part.startswith("!"):
            if part[1:].strip() in labels:
                return False
        elif part not in labels:
            return False
    return True


def _labels(res: PNode) -> dict[str, str]:
    meta = _map(res.get("metadata"))
    return {k: _text(v) or "" for k, v in _str_pairs(meta.get("labels") if meta else None)}


def _name_matches(pattern: str, name: str) -> bool:
    """kustomize target names are regexes; we evaluate the common forms (`a|b`, `.*-api`)
    without running user regexes (no catastrophic backtracking on hostile input)."""
    if pattern == name:
        return True
    if re.search(r"[()\[\]{}+?\\^$]", pattern):
        return False  # a regex we do not evaluate: the patch is listed as not applied
    return any(
        fnmatch.fnmatchcase(name, alt.replace(".*", "*").replace(".", "?"))
        for alt in pattern.split("|")
    )


class _Renderer:
    def __init__(self, reader: SourceReader, result: KustomizeResult) -> None:
        self.reader = reader
        self.result = result
        self.kusts: dict[str, _Kust | None] = {}
        self.root_partial = False
        self.noted: set[tuple[str, int | None, str]] = set()
        self.parsed: dict[str, list[PNode]] = {}
        self.inline: dict[tuple[str, int], list[PNode]] = {}

    # -------------------------------------------------------------- reading
    def kustomization(self, directory: str) -> _Kust | None:
        """The kustomization in `directory` (cached), or None."""
        if directory in self.kusts:
            return self.kusts[directory]
        found: _Kust | None = None
        base = self.reader.root / directory if directory else self.reader.root
        for name in KUSTOMIZATION_NAMES:
            res = self.reader.read_optional(base / name, FileKind.K8S)
            if res is None:
                continue
            if isinstance(res, SourceFile):
                root, errors = load_positioned_shared(res)
                if root is not None and root.is_mapping:
                    found = _Kust(res, directory, root)
                    self.result.kustomizations.add(res.path)
                elif not errors:
                    self.result.errors.append(
                        LoadError(res.path, "kustomization is not a mapping", "invalid", 1, 1)
                    )
            break
        self.kusts[directory] = found
        self.result.trees[directory] = found.root if found is not None else None
        return found

    def read(self, rel: str) -> SourceFile | None:
        res = self.reader.read(self.reader.root / rel, FileKind.K8S)
        if isinstance(res, SourceFile):
            return res
        if res.kind == "duplicate":
            cached = self.reader.cache.get(self.reader.relpath(self.reader.root / rel))
            if isinstance(cached, SourceFile):
                return cached
        self.result.errors.append(res)
        return None

    def documents(self, src: SourceFile) -> list[PNode]:
        """The documents of a file, parsed once per run (callers copy what they edit)."""
        docs = self.parsed.get(src.path)
        if docs is None:
            found, errors = manifest(load_positioned_all, src)
            self.result.errors.extend(errors)
            docs = self.parsed[src.path] = [d for d in found if d is not None]
        return docs

    def note(self, kust: _Kust, node: PNode | None, what: str, reason: str) -> None:
        self.root_partial = True
        line = node.location.line if node is not None else None
        key = (kust.src.path, line, what)
        if key not in self.noted:
            self.noted.add(key)
            self.result.not_applied.append(NotApplied(kust.src.path, line, what[:200], reason))

    def path_of(self, kust: _Kust, ref: str) -> str | None:
        """`ref` relative to the kustomization, as a root-relative path (None: outside)."""
        joined = posixpath.normpath(posixpath.join(kust.directory or ".", ref))
        if joined == ".":
            return ""
        if joined.startswith("../") or joined == ".." or joined.startswith("/"):
            return None
        return joined

    # -------------------------------------------------------------- build
    def build(
        self, kust: _Kust, chain: tuple[str, ...], start: list[Resource] | None = None
    ) -> list[Resource]:
        """Everything `kust` renders (its resources, components, generators, patches,
        transformers); a Component works on its parent's resources (`start`)."""
        out: list[Resource] = start if start is not None else []
        for key in ("resources", "bases"):
            for item in _seq(kust.root.get(key)):
                out.extend(self.resource(kust, item, chain))
        for item in _seq(kust.root.get("components")):
            out = self.component(kust, item, chain, out)
        for key, reason in NOT_APPLIED.items():
            node = kust.root.get(key)
            if node is not None and (len(node) or _text(node)):
                self.note(kust, node, key, reason)
        for other in kust.root.keys():
            if isinstance(other, str) and other not in APPLIED_KEYS and other not in NOT_APPLIED:
                self.note(kust, kust.root.get(other), other, "unknown kustomization key")
        if any(kust.root.entry(k) is not None for k in EDITING_KEYS):
            _own(out)
        self.generators(kust, out)
        self.patches(kust, out)
        self.images(kust, out)
        self.replicas(kust, out)
        self.namespace(kust, out)
        self.labels(kust, out)
        self.names(kust, out)
        return out[:MAX_DOCS]

    def component(
        self, kust: _Kust, item: PNode, chain: tuple[str, ...], out: list[Resource]
    ) -> list[Resource]:
        """Apply the Component `item` names to the resources accumulated so far."""
        ref = _text(item) or ""
        rel = None if _REMOTE_RE.search(ref) else self.path_of(kust, ref)
        sub = self.kustomization(rel) if rel is not None else None
        if sub is None:
            self.note(kust, item, ref, "component not found (or remote)")
            return out
        if sub.src.path in chain or len(chain) >= MAX_DEPTH:
            self.note(kust, item, ref, "kustomizations refer to each other in a cycle")
            return out
        return self.build(sub, (*chain, sub.src.path), out)

    def resource(self, kust: _Kust, item: PNode, chain: tuple[str, ...]) -> list[Resource]:
        ref = _text(item)
        if not ref:
            return []
        if _REMOTE_RE.search(ref):
            self.note(kust, item, ref, "remote resources are not fetched")
            return []
        rel = self.path_of(kust, ref)
        if rel is None:
            self.note(kust, item, ref, "outside the scanned directory")
            return []
        target = self.reader.root / rel if rel else self.reader.root
        if os.path.isdir(target):  # False for any OSError (a 300-byte name, a loop)
            sub = self.kustomization(rel)
            if sub is None:
                self.note(kust, item, ref, "a directory without a kustomization")
                return []
            if sub.src.path in chain or len(chain) >= MAX_DEPTH:
                self.note(kust, item, ref, "kustomizations refer to each other in a cycle")
                return []
            return self.build(sub, (*chain, sub.src.path))
        if not self.reader.exists(target):
            self.note(kust, item, ref, "no such file")
            return []
        src = self.read(rel)
        if src is None:
            return []
        self.result.consumed.add(src.path)
        if is_helm_template(src.text):
            self.note(kust, item, ref, "a Helm template (Go template markup) is not rendered")
            return []
        return [Resource(d, src, owned=False) for d in self.documents(src) if d.is_mapping]

    # -------------------------------------------------------------- patches
    def patch_docs(self, kust: _Kust, item: PNode, node: PNode | None) -> list[PNode]:
        """The documents of a patch given as a path or inline text."""
        text = _text(node)
        if node is None or text is None:
            return []
        if "\n" not in text and not text.lstrip().startswith(("{", "[", "-")):
            rel = self.path_of(kust, text)
            src = self.read(rel) if rel is not None else None
            if src is None:
                self.note(kust, item, text, "patch file not found")
                return []
            self.result.consumed.add(src.path)
            return self.documents(src)
        # read-only like a patch file's documents: parsed once however often it is applied
        key = (kust.src.path, id(node))  # the node lives in self.kusts: its id is stable
        docs = self.inline.get(key)
        if docs is None:
            docs = self.inline[key] = _inline_docs(kust.src, node)
        return docs

    def matching(
        self, out: list[Resource], target: PNode | None, patch: PNode | None
    ) -> Iterator[Resource]:
        t = _map(target)
        if t is not None:
            kind, name = _text(t.get("kind")), _text(t.get("name"))
            ns, group = _text(t.get("namespace")), _text(t.get("group"))
            version = _text(t.get("version"))
            selector = _text(t.get("labelSelector"))
            for r in out:
                api = _text(r.node.get("apiVersion")) or ""
                rgroup, _, rversion = api.rpartition("/")
                if kind and kind != _kind(r.node):
                    continue
                if name and not _name_matches(name, _name(r.node)):
                    continue
                if ns and ns != (_namespace(r.node) or "default"):
                    continue
                if group is not None and group != rgroup:
                    continue
                if version and version != rversion:
                    continue
                if selector and not _selector_matches(selector, _labels(r.node)):
                    continue
                yield r
            return
        if patch is not None and patch.is_mapping:
            kind, name, ns = _kind(patch), _name(patch), _namespace(patch)
            for r in out:
                if _kind(r.node) == kind and _name(r.node) == name:
                    if ns is None or _namespace(r.node) in (None, ns):
                        yield r

    def apply(
        self, kust: _Kust, item: PNode, out: list[Resource], doc: PNode, target: PNode | None
    ) -> None:
        if doc.is_sequence:
            hits = list(self.matching(out, target, None)) if target is not None else []
            if not hits:
                self.note(kust, item, "patch", "JSON patch target not found")
            for r in hits:
                for op in doc.items:
                    problem = _json_op(r.node, op) if op.is_mapping else "not an operation"
                    if problem:
                        self.note(kust, op, "patch", problem)
            return
        if not doc.is_mapping:
            return
        hits = list(self.matching(out, target, doc))
        if not hits:
            self.note(kust, item, "patch", "patch target not found")
        body = _identity_free(doc)  # a targeted patch's own name/kind are placeholders
        for r in hits:
            if _merge(r.node, body) is None:
                out.remove(r)

    def patches(self, kust: _Kust, out: list[Resource]) -> None:
        for item in _seq(kust.root.get("patchesStrategicMerge")):
            for doc in self.patch_docs(kust, item, item):
                self.apply(kust, item, out, doc, None)
        for key in ("patches", "patchesJson6902"):
            for item in _seq(kust.root.get(key)):
                m = _map(item)
                if m is None:  # `patches: [file.yaml]`: the old strategic-merge form
                    for doc in self.patch_docs(kust, item, item):
                        self.apply(kust, item, out, doc, None)
                    continue
                node = m.get("path") if m.get("path") is not None else m.get("patch")
                target = m.get("target")
                for doc in self.patch_docs(kust, item, node):
                    if key == "patchesJson6902" and not doc.is_sequence:
                        continue
                    self.apply(kust, item, out, doc, target)

    # -------------------------------------------------------------- transformers
    def images(self, kust: _Kust, out: list[Resource]) -> None:
        for item in _seq(kust.root.get("images")):
            m = _map(item)
            name = _text(m.get("name")) if m is not None else None
            if m is None or not name:
                continue
            new_name, new_tag = _text(m.get("newName")), _text(m.get("newTag"))
            digest = _text(m.get("digest"))
            where = next(
                (n for k in ("digest", "newTag", "newName") if (n := m.get(k)) is not None), m
            )
            for container in _containers(out):
                image_node = container.get("image")
                image = _text(image_node)
                if image is None or _image_name(image) != name:
                    continue
                repo = new_name or _image_name(image)
                suffix = image[len(_image_name(image)) :]
                if digest:
                    suffix = "@" + digest
                elif new_tag:
                    suffix = ":" + new_tag
                _set(container, "image", _scalar(repo + suffix, where.location))

    def replicas(self, kust: _Kust, out: list[Resource]) -> None:
        for item in _seq(kust.root.get("replicas")):
            m = _map(item)
            name = _text(m.get("name")) if m is not None else None
            count = m.get("count") if m is not None else None
            if not name or count is None:
                continue
            for r in out:
                if _kind(r.node) in REPLICA_KINDS and _name(r.node) == name:
                    spec = _ensure_map(r.node, "spec", count.location)
                    _set(spec, "replicas", copy_node(count), count.location)

    def namespace(self, kust: _Kust, out: list[Resource]) -> None:
        node = kust.root.get("namespace")
        ns = _text(node)
        if node is None or not ns:
            return
        for r in out:
            if _kind(r.node) not in CLUSTER_SCOPED:
                meta = _ensure_map(r.node, "metadata", r.node.location)
                _set(meta, "namespace", _scalar(ns, node.location), node.location)

    def labels(self, kust: _Kust, out: list[Resource]) -> None:
        common = _str_pairs(kust.root.get("commonLabels"))
        if common:
            self.add_labels(out, common, selectors=True, templates=True)
        for item in _seq(kust.root.get("labels")):
            m = _map(item)
            if m is None:
                continue
            pairs = _str_pairs(m.get("pairs"))
            sel = _text(m.get("includeSelectors")) == "true"
            tmpl = sel or _text(m.get("includeTemplates")) == "true"
            self.add_labels(out, pairs, selectors=sel, templates=tmpl)
        annotations = _str_pairs(kust.root.get("commonAnnotations"))
        for r in out:
            if annotations:
                meta = _ensure_map(r.node, "metadata", r.node.location)
                ann = _ensure_map(meta, "annotations", r.node.location)
                for k, v in annotations:
                    _set(ann, k, copy_node(v))

    def add_labels(
        self,
        out: list[Resource],
        pairs: list[tuple[str, PNode]],
        *,
        selectors: bool,
        templates: bool,
    ) -> None:
        for r in out:
            targets: list[tuple[str, ...]] = [("metadata", "labels")]
            kind = _kind(r.node)
            if templates:
                targets += [(*p, "metadata", "labels") for p in TEMPLATE_PATHS]
            if selectors and kind == "Service":
                targets.append(("spec", "selector"))
            elif selectors and kind in REPLICA_KINDS | {"DaemonSet", "Job", "PodDisruptionBudget"}:
                targets.append(("spec", "selector", "matchLabels"))
            for path in targets:
                node = r.node
                if path[0] != "metadata" and _walk(node, list(path[:-2])) is None:
                    continue  # no template / selector to label
                for step in path:
                    node = _ensure_map(node, step, node.location)
                for k, v in pairs:
                    _set(node, k, copy_node(v))

    def names(self, kust: _Kust, out: list[Resource]) -> None:
        prefix = _text(kust.root.get("namePrefix")) or ""
        suffix = _text(kust.root.get("nameSuffix")) or ""
        if not prefix and not suffix:
            return
        renamed: dict[tuple[str, str], str] = {}
        for r in out:
            kind = _kind(r.node)
            meta = _map(r.node.get("metadata"))
            name_node = meta.get("name") if meta is not None else None
            name = _text(name_node)
            if meta is None or name_node is None or not name or kind in CLUSTER_SCOPED:
                continue
            new = prefix + name + suffix
            renamed[(kind, name)] = new
            _set(meta, "name", _scalar(new, name_node.location))
        for r in out:
            _rename_refs(r.node, renamed, 0)

    # -------------------------------------------------------------- generators
    def generators(self, kust: _Kust, out: list[Resource]) -> None:
        for key, kind in (("configMapGenerator", "ConfigMap"), ("secretGenerator", "Secret")):
            for item in _seq(kust.root.get(key)):
                m = _map(item)
                name_node = m.get("name") if m is not None else None
                name = _text(name_node)
                if m is None or name_node is None or not name:
                    continue
                data = self.generated_data(kust, m) if kind == "ConfigMap" else {}
                behavior = _text(m.get("behavior")) or "create"
                existing = next(
                    (r for r in out if _kind(r.node) == kind and _name(r.node) == name), None
                )
                if existing is not None and behavior in ("merge", "replace"):
                    node = _ensure_map(existing.node, "data", m.location)
                    if behavior == "replace":
                        node.entries.clear()
                    node.entries.update(data)
                    continue
                meta: dict[Hashable, PEntry] = {
                    "name": PEntry("name", name_node.location, _scalar(name, name_node.location))
                }
                ns = m.get("namespace")
                if _text(ns) and ns is not None:
                    meta["namespace"] = PEntry("namespace", ns.location, copy_node(ns))
                entries: dict[Hashable, PEntry] = {
                    "apiVersion": PEntry("apiVersion", m.location, _scalar("v1", m.location)),
                    "kind": PEntry("kind", m.location, _scalar(kind, m.location)),
                    "metadata": PEntry(
                        "metadata", m.location, PNode.new_mapping(dict(meta), m.location)
                    ),
                }
                if kind == "ConfigMap":  # a Secret's values are never kept
                    entries["data"] = PEntry(
                        "data", m.location, PNode.new_mapping(dict(data), m.location)
                    )
                out.append(Resource(PNode.new_mapping(entries, m.location), kust.src))

    def generated_data(self, kust: _Kust, m: PNode) -> dict[Hashable, PEntry]:
        data: dict[Hashable, PEntry] = {}
        for lit in _seq(m.get("literals")):
            text = _text(lit)
            if text and "=" in text:
                k, v = text.split("=", 1)
                data[k] = PEntry(k, lit.location, _scalar(v.strip("\"'"), lit.location))
        for f in _seq(m.get("files")):
            text = _text(f)
            if not text:
                continue
            k, _, path = text.rpartition("=")
            src = self.generator_file(kust, f, path)
            if src is not None:
                key = k or posixpath.basename(path)
                data[key] = PEntry(key, f.location, _scalar(src.text, _whole(src)))
        envs = list(_seq(m.get("envs")))
        if m.get("env") is not None:
            envs.append(m.get("env"))  # type: ignore[arg-type]
        for e in envs:
            src = self.generator_file(kust, e, _text(e) or "")
            if src is None:
                continue
            for n, line in enumerate(src.text.split("\n"), start=1):
                stripped = line.strip()
                if stripped and not stripped.startswith("#") and "=" in stripped:
                    k, v = stripped.split("=", 1)
                    loc = Location(src.path, n, 1, n, len(line) + 1)
                    data[k] = PEntry(k, loc, _scalar(v, loc))
        return data

    def generator_file(self, kust: _Kust, item: PNode, ref: str) -> SourceFile | None:
        rel = self.path_of(kust, ref) if ref else None
        if rel is None:
            self.note(kust, item, ref, "generator file outside the scanned directory")
            return None
        if not self.reader.exists(self.reader.root / rel):
            self.note(kust, item, ref, "generator file does not exist (made at deploy time?)")
            return None
        res = self.reader.read(self.reader.root / rel, FileKind.UNKNOWN)
        if isinstance(res, SourceFile):
            return res
        self.note(kust, item, ref, f"generator file not read: {res.message}")
        return None


def _whole(src: SourceFile) -> Location:
    """The whole file: nginx-in-ConfigMap parsing points inside it from here."""
    end_line, end_col = src.position_of(len(src.text))
    return Location(src.path, 1, 1, end_line, end_col, 0, len(src.text))


def _identity_free(patch: PNode) -> PNode:
    """A strategic-merge patch without apiVersion/kind/name/namespace."""
    body = PNode.new_mapping(dict(patch.entries), patch.location)
    for key in ("apiVersion", "kind"):
        body.entries.pop(key, None)
    meta = _map(patch.get("metadata"))
    if meta is not None:
        rest = {k: e for k, e in meta.entries.items() if k not in ("name", "namespace")}
        entry = patch.entries["metadata"]
        body.entries["metadata"] = PEntry(
            "metadata", entry.key_location, PNode.new_mapping(rest, meta.location)
        )
    return body


def _image_name(image: str) -> str:
    ref = image.split("@", 1)[0]
    slash, colon = ref.rfind("/"), ref.rfind(":")
    return ref[:colon] if colon > slash else ref


def _containers(out: list[Resource]) -> Iterator[PNode]:
    for r in out:
        for path in (("spec",), *TEMPLATE_PATHS):
            pod = _walk(r.node, [*path, "spec"] if path != ("spec",) else ["spec"])
            if pod is None or not pod.is_mapping:
                continue
            for key in ("containers", "initContainers"):
                for c in _seq(pod.get(key)):
                    if c.is_mapping:
                        yield c


REF_KEYS = {
    "configMapRef": ("ConfigMap", "name"),
    "configMapKeyRef": ("ConfigMap", "name"),
    "configMap": ("ConfigMap", "name"),
    "secretRef": ("Secret", "name"),
    "secretKeyRef": ("Secret", "name"),
    "secret": ("Secret", "secretName"),
    "service": ("Service", "name"),
}


def _rename_refs(node: PNode, renamed: dict[tuple[str, str], str], depth: int) -> None:
    """kustomize's nameReference for the references our model reads."""
    if depth > 40:
        return
    if node.is_sequence:
        for item in node.items:
            _rename_refs(item, renamed, depth + 1)
        return
    if not node.is_mapping:
        return
    for key, entry in node.entries.items():
        value = entry.value
        ref = REF_KEYS.get(key) if isinstance(key, str) else None
        if key == "scaleTargetRef" and value.is_mapping:
            ref = (_text(value.get("kind")) or "", "name")
        if key == "serviceName":
            _rename_scalar(node, key, "Service", renamed)
        if ref is not None and value.is_mapping:
            _rename_scalar(value, ref[1], ref[0], renamed)
        _rename_refs(value, renamed, depth + 1)


def _rename_scalar(node: PNode, key: str, kind: str, renamed: dict[tuple[str, str], str]) -> None:
    current = node.get(key)
    text = _text(current)
    if current is not None and text is not None and (kind, text) in renamed:
        _set(node, key, _scalar(renamed[(kind, text)], current.location))


def _inline_docs(src: SourceFile, node: PNode) -> list[PNode]:
    """An inline patch parsed where it is written: a block scalar (`patch: |-`) keeps its
    own lines and columns (the rest of the file is blanked), anything else is placed at the
    scalar."""
    text = src.text
    start, end = node.location.offset, node.location.end_offset
    if node.style in ("|", ">") and start is not None and end is not None:
        body_start = text.find("\n", start) + 1
        if 0 < body_start <= end:
            blank, tail = _blanked(text[:body_start]), _blanked(text[end:])
            inner = SourceFile(src.path, src.abspath, src.kind, blank + text[body_start:end] + tail)
            docs, errors = load_positioned_all(inner)
            if not errors:
                return [d for d in docs if d is not None]
    inner = SourceFile(src.path, src.abspath, src.kind, node.text() or "")
    docs, errors = load_positioned_all(inner)
    return [_relocate(d, node.location) for d in docs if d is not None] if not errors else []


def _blanked(text: str) -> str:
    """`text` with every character but newlines a space (its lines keep their lengths)."""
    return "\n".join(" " * len(line) for line in text.split("\n"))


def _relocate(node: PNode, where: Location) -> PNode:
    node.location = where
    for e in node.entries.values():
        e.key_location = where
        _relocate(e.value, where)
    for item in node.items:
        _relocate(item, where)
    return node


def _references(kust: _Kust, renderer: _Renderer) -> Iterator[str]:
    for key in ("resources", "bases", "components"):
        for item in _seq(kust.root.get(key)):
            ref = _text(item)
            if ref and not _REMOTE_RE.search(ref):
                rel = renderer.path_of(kust, ref)
                if rel is not None:
                    yield rel


def _directories(paths: Iterator[str]) -> set[str]:
    dirs: set[str] = set()
    for path in paths:
        parts = path.split("/")[:-1]
        for depth in range(len(parts), -1, -1):
            dirs.add("/".join(parts[:depth]))
    return dirs


def render_kustomizations(sources: list[SourceFile], reader: SourceReader) -> KustomizeResult:
    """Render every root kustomization in the directories of `sources` (and above, and
    every kustomization they reference). Never raises."""
    result = KustomizeResult()
    renderer = _Renderer(reader, result)
    pending = sorted(_directories(s.path for s in sources))
    referenced: set[str] = set()
    seen: set[str] = set()
    while pending:
        directory = pending.pop()
        if directory in seen:
            continue
        seen.add(directory)
        kust = renderer.kustomization(directory)
        if kust is None:
            continue
        for rel in _references(kust, renderer):
            if os.path.isdir(reader.root / rel):
                referenced.add(rel)
                pending.append(rel)
    for directory in sorted(d for d, k in renderer.kusts.items() if k is not None):
        kust = renderer.kusts[directory]
        if kust is None or directory in referenced:
            continue
        if _text(kust.root.get("kind")) == "Component":
            result.not_applied.append(
                NotApplied(kust.src.path, 1, "component", COMPONENT_REASON, error=False)
            )
            continue
        renderer.root_partial = False
        resources = renderer.build(kust, (kust.src.path,))
        result.roots.append(RenderedRoot(kust.src.path, resources, renderer.root_partial))
    return result


__all__ = [
    "KustomizeResult",
    "NotApplied",
    "RenderedRoot",
    "Resource",
    "copy_node",
    "render_kustomizations",
]
