"""Terraform modules into the stack model: `kubernetes_*` resources become the same
K8sObjects as YAML manifests (so every K8S rule applies, at .tf lines) and `helm_release`
resources are recorded (model/terraform.py).

Terraform blocks are turned into the manifest shape (`spec { template { spec { container
{ ... } } } }`: repeated blocks are list items, snake_case names camelCase fields) as
positioned nodes, and handed to the manifest reader of loaders/kubernetes.py. Values
are evaluated only when they are literal: strings, heredocs, numbers, lists, objects,
`var.x` / `local.x` with a literal value (a variable's default, unless a tfvars file or
a calling module may set it), `file()` / `templatefile()` of files in the module. Anything
else stays unknown, never guessed: an unknown label or port makes the object `partial`
(cross-object rules leave it alone), an unknown value a rule would read as "missing"
(resources, probes, replicas, ...) keeps the whole resource out, listed in
`stack.skipped` with the reason, like every resource we do not model."""

from __future__ import annotations

import json
import os
import posixpath
import re
import textwrap
from collections.abc import Hashable
from dataclasses import field
from pathlib import Path
from typing import Any

from infradoctor.lazyre import lazy
from infradoctor.loaders.files import SourceReader
from infradoctor.model.k8s import K8sObject
from infradoctor.model.source import FileKind, LoadError, Location, Skipped, SourceFile
from infradoctor.model.terraform import HelmRelease, HelmSet
from infradoctor.parsecache import hcl_body
from infradoctor.records import record
from infradoctor.syntax.hcl import Attribute, Block, Expr, HclError, parse, parse_template
from infradoctor.syntax.yaml import PEntry, PNode

# resource type (without `kubernetes_` and the version suffix) -> (kind, apiVersion)
KINDS: dict[str, tuple[str, str]] = {
    "deployment": ("Deployment", "apps/v1"),
    "stateful_set": ("StatefulSet", "apps/v1"),
    "daemon_set": ("DaemonSet", "apps/v1"),
    "daemonset": ("DaemonSet", "apps/v1"),
    "replication_controller": ("ReplicationController", "v1"),
    "pod": ("Pod", "v1"),
    "job": ("Job", "batch/v1"),
    "cron_job": ("CronJob", "batch/v1"),
    "service": ("Service", "v1"),
    "ingress": ("Ingress", "networking.k8s.io/v1"),
    "config_map": ("ConfigMap", "v1"),
    "secret": ("Secret", "v1"),
    "horizontal_pod_autoscaler": ("HorizontalPodAutoscaler", "autoscaling/v2"),
    "pod_disruption_budget": ("PodDisruptionBudget", "policy/v1"),
    "persistent_volume_claim": ("PersistentVolumeClaim", "v1"),
    "network_policy": ("NetworkPolicy", "networking.k8s.io/v1"),
}
_VERSION_SUFFIX = lazy(r"_v\d+(?:(?:alpha|beta)\d+)?$")
# Terraform block name -> manifest list field (every other block is a single object)
LIST_BLOCKS = {
    "container": "containers",
    "init_container": "initContainers",
    "ephemeral_container": "ephemeralContainers",
    "port": "ports",
    "ports": "ports",
    "env": "env",
    "env_from": "envFrom",
    "volume": "volumes",
    "volume_mount": "volumeMounts",
    "volume_device": "volumeDevices",
    "volume_claim_template": "volumeClaimTemplates",
    "rule": "rules",
    "path": "paths",
    "tls": "tls",
    "metric": "metrics",
    "match_expressions": "matchExpressions",
    "toleration": "tolerations",
    "image_pull_secrets": "imagePullSecrets",
    "host_aliases": "hostAliases",
    "topology_spread_constraint": "topologySpreadConstraints",
    "readiness_gate": "readinessGates",
    "items": "items",
    "ingress": "ingress",
    "egress": "egress",
    "from": "from",
    "to": "to",
    "http_header": "httpHeaders",
    "node_selector_term": "nodeSelectorTerms",
    "match_fields": "matchFields",
    "preferred_during_scheduling_ignored_during_execution": (
        "preferredDuringSchedulingIgnoredDuringExecution"
    ),
    "sources": "sources",
    "policy": "policies",
}
# snake_case names whose manifest field is not plain camelCase
SPECIAL_NAMES = {
    "cluster_ip": "clusterIP",
    "cluster_ips": "clusterIPs",
    "external_ips": "externalIPs",
    "load_balancer_ip": "loadBalancerIP",
    "host_ip": "hostIP",
    "host_pid": "hostPID",
    "host_ipc": "hostIPC",
    "target_cpu_utilization_percentage": "targetCPUUtilizationPercentage",
}
# resource-level arguments that are Terraform's, not the object's
META_ARGUMENTS = frozenset(
    {
        "count",
        "for_each",
        "depends_on",
        "lifecycle",
        "provider",
        "timeouts",
        "provisioner",
        "connection",
        "wait_for_rollout",
        "wait_for_load_balancer",
        "wait_for_completion",
        "wait_for_default_service_account",
        "immutable",
    }
)
SECRET_FIELDS = frozenset({"data", "string_data", "binary_data"})
# An unknown value at one of these keys could hide a match: the object becomes partial.
PARTIAL_KEYS = frozenset(
    {
        "labels",
        "selector",
        "matchLabels",
        "matchExpressions",
        "name",
        "namespace",
        "ports",
        "port",
        "targetPort",
        "containerPort",
        "number",
        "backend",
        "service",
        "serviceName",
        "servicePort",
        "scaleTargetRef",
        "rules",
        "paths",
        "kind",
        "image",
        "type",
    }
)
# An unknown value here would read as "missing" (no limit, no probe): not analysed.
# (An unknown env/command only hides facts, so it never makes a finding: kept.)
BLOCKING_KEYS = frozenset(
    {
        "resources",
        "limits",
        "requests",
        "memory",
        "cpu",
        "readinessProbe",
        "livenessProbe",
        "startupProbe",
        "httpGet",
        "tcpSocket",
        "exec",
        "grpc",
        "containers",
        "initContainers",
        "template",
        "spec",
        "jobTemplate",
        "replicas",
        "minReplicas",
        "maxReplicas",
        "minAvailable",
        "maxUnavailable",
        "metrics",
        "metadata",
        "targetCPUUtilizationPercentage",
        "strategy",
        "securityContext",
    }
)
# maps whose keys are the user's (labels, file names), not manifest fields
USER_MAPS = {
    "labels": "partial",
    "selector": "partial",
    "matchLabels": "partial",
    "annotations": None,
    "data": None,
    "binaryData": None,
    "stringData": None,
    "nodeSelector": None,
}
MAX_RESOLVE_DEPTH = 16


def _skipped(path: str, reason: str, line: int | None = None) -> Skipped:
    """A Terraform part not analysed, listed in `stats.skipped` (never a silent skip)."""
    return Skipped(path, reason, "terraform", line)


def _effect(path: tuple[str, ...]) -> str | None:
    """What an unknown value at `path` does: "block" (resource not analysed),
    "partial" (cross-object matches uncertain) or None (only a fact is missing)."""
    for key in path:
        if key in USER_MAPS:
            return USER_MAPS[key]
    last = path[-1] if path else ""
    if last in BLOCKING_KEYS or last.startswith("dynamic:"):
        return "block"
    return "partial" if last in PARTIAL_KEYS else None


class _Unknown:
    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN: Any = _Unknown()


class _Text(str):
    """A string read from a file (`file()`, `templatefile()`): where it starts."""

    origin: Location


def camel(name: str) -> str:
    if name in SPECIAL_NAMES:
        return SPECIAL_NAMES[name]
    head, *rest = name.split("_")
    return head + "".join(p[:1].upper() + p[1:] for p in rest)


def resource_kind(rtype: str) -> tuple[str, str] | None:
    if not rtype.startswith("kubernetes_"):
        return None
    return KINDS.get(_VERSION_SUFFIX.sub("", rtype[len("kubernetes_") :]))


@record(hot=True)
class _Module:
    """The .tf files of one directory, with the values its variables and locals get."""

    directory: str  # relative to the root ("" for the root)
    files: list[tuple[SourceFile, list[Attribute | Block]]] = field(default_factory=list)
    variables: dict[str, tuple[Expr, SourceFile] | None] = field(default_factory=dict)
    locals: dict[str, tuple[Expr, SourceFile]] = field(default_factory=dict)
    # variables set by a tfvars file or a calling module: (expr, file, module) or None
    overrides: dict[str, tuple[Expr, SourceFile, _Module] | None] = field(default_factory=dict)
    # (type, name) -> the resource block, for `kubernetes_namespace.x.metadata[0].name`
    resources: dict[tuple[str, str], tuple[Block, SourceFile]] = field(default_factory=dict)


@record
class TerraformResult:
    objects: list[K8sObject] = field(default_factory=list)
    helm_releases: list[HelmRelease] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    errors: list[LoadError] = field(default_factory=list)
    resources: int = 0  # kubernetes_* and helm_release resources modelled
    # files whose text a modelled value holds (`file()`, a rendered `templatefile()`)
    read_files: set[str] = field(default_factory=set)

    def embedded_nginx_files(self) -> set[str]:
        """Files read into a ConfigMap value that is parsed as nginx there (loaders/
        embedded.py): loaded once, through Terraform, never again as a standalone config."""
        from infradoctor.loaders.embedded import looks_like_nginx

        return {
            loc.file
            for obj in self.objects
            if obj.config_data
            for key, (value, loc) in obj.config_data.items()
            if loc.file != obj.file and loc.file in self.read_files and looks_like_nginx(key, value)
        }


# ------------------------------------------------------------------ evaluation


class _Eval:
    """Literal values of expressions in one module; UNKNOWN for anything else."""

    def __init__(self, reader: SourceReader, result: TerraformResult) -> None:
        self.reader = reader
        self.result = result
        self.depth = 0
        self.dropped: list[tuple[str, ...]] = []
        # iteration values in scope: `each`, `count`, a dynamic block's iterator
        self.scope: dict[str, Any] = {}
        # characters of HCL that expansion (instances, dynamic blocks) may still evaluate
        # again: a bound proportional to the input, so nesting never multiplies work
        self.budget = 0

    def spend(self, chars: int) -> bool:
        """Take `chars` from the expansion budget; False (nothing taken) when short."""
        if chars > self.budget:
            return False
        self.budget -= chars
        return True

    def loc(self, src: SourceFile, offset: int) -> Location:
        return src.location(offset)

    # ---------------------------------------------------------------- references
    def resolve(self, name: str, mod: _Module) -> tuple[Expr, SourceFile, _Module] | None:
        kind, _, rest = name.partition(".")
        if self.scope and (head := _REF_HEAD.match(name)) and head.group() in self.scope:
            return None  # an iteration value (`each.value`): ref_value reads it
        if kind == "var" and rest.isidentifier():
            if rest in mod.overrides:
                return mod.overrides[rest]
            found = mod.variables.get(rest)
            return (found[0], found[1], mod) if found is not None else None
        if kind == "local" and rest.isidentifier():
            local = mod.locals.get(rest)
            return (local[0], local[1], mod) if local is not None else None
        return _resource_attribute(name, mod)

    def ref_value(self, name: str, mod: _Module) -> Any:
        head = _REF_HEAD.match(name)
        if head is not None and head.group() in self.scope:
            return _walk(self.scope[head.group()], name, head.end())
        if name == "path.module":
            return str(self.reader.root / mod.directory) if mod.directory else str(self.reader.root)
        target = self.resolve(name, mod)
        if target is None or self.depth >= MAX_RESOLVE_DEPTH:
            return UNKNOWN
        self.depth += 1
        try:
            return self.value(target[0], target[1], target[2])
        finally:
            self.depth -= 1

    # ---------------------------------------------------------------- values
    def value(self, expr: Expr, src: SourceFile, mod: _Module) -> Any:
        """The Python value of `expr`, or UNKNOWN (possibly nested in lists/dicts)."""
        kind = expr.kind
        if kind == "literal":
            return expr.value
        if kind == "template":
            return self.template(expr, src, mod)
        if kind == "list":
            return [self.value(i, src, mod) for i in expr.items]
        if kind == "object":
            out: dict[str, Any] = {}
            for key, _, v in expr.pairs:
                if key is None:
                    return UNKNOWN
                out[key] = self.value(v, src, mod)
            return out
        if kind == "ref":
            return self.ref_value(expr.name, mod)
        if kind == "call":
            return self.call(expr, src, mod)
        return UNKNOWN

    def template(
        self, expr: Expr, src: SourceFile, mod: _Module, scope: dict[str, Any] | None = None
    ) -> Any:
        if expr.directive:
            return UNKNOWN
        out: list[str] = []
        for part in expr.parts:
            if isinstance(part, str):
                out.append(part)
                continue
            if scope is not None:
                v = scope.get(part.name, UNKNOWN) if part.kind == "ref" else UNKNOWN
            else:
                v = self.value(part, src, mod)
            text = _scalar_text(v)
            if text is None:
                return UNKNOWN
            out.append(text)
        joined = "".join(out)
        return textwrap.dedent(joined) if expr.strip_indent else joined

    def call(self, expr: Expr, src: SourceFile, mod: _Module) -> Any:
        name, args = expr.name, expr.items
        vals = [self.value(a, src, mod) for a in args]
        if name in ("file", "templatefile") and vals and isinstance(vals[0], str):
            read = self.read_file(vals[0], mod, src, expr)
            if read is None:
                return UNKNOWN
            if name == "file":
                text = _Text(read.text)
                text.origin = Location(read.path, 1, 1, offset=0)
                self.result.read_files.add(read.path)
                return text
            scope = vals[1] if len(vals) > 1 else {}
            if not isinstance(scope, dict):
                return UNKNOWN
            rendered = self.render(read, scope)
            if rendered is not UNKNOWN:
                self.result.read_files.add(read.path)
            return rendered
        if any(_has_unknown(v) for v in vals):
            return UNKNOWN
        if name == "jsonencode" and len(vals) == 1:
            return json.dumps(vals[0], sort_keys=True, separators=(",", ":"))
        if name == "yamlencode" and len(vals) == 1:
            import yaml

            return yaml.safe_dump(vals[0], sort_keys=True)
        if name in ("tostring", "tonumber", "tolist", "toset", "tomap") and len(vals) == 1:
            return vals[0]
        if name == "trimspace" and len(vals) == 1 and isinstance(vals[0], str):
            return vals[0].strip()
        if name in ("lower", "upper") and len(vals) == 1 and isinstance(vals[0], str):
            return vals[0].lower() if name == "lower" else vals[0].upper()
        if name == "join" and len(vals) == 2 and isinstance(vals[0], str):
            texts = [_scalar_text(v) for v in vals[1]] if isinstance(vals[1], list) else [None]
            if all(t is not None for t in texts):
                return vals[0].join(t for t in texts if t is not None)
        return UNKNOWN

    def read_file(self, path: str, mod: _Module, src: SourceFile, expr: Expr) -> SourceFile | None:
        """A file named by `file()` / `templatefile()`: inside the scanned root only."""
        p = Path(path)
        if not p.is_absolute():
            p = self.reader.root / mod.directory / p
        if not self.reader.exists(p):
            return None
        # a file discovery already read (an nginx .conf) is the same text: not a duplicate
        cached = self.reader.cache.get(self.reader.relpath(p))
        res = cached if cached is not None else self.reader.read(p, FileKind.TERRAFORM)
        if isinstance(res, SourceFile):
            return res
        line, col = src.position_of(expr.start)
        self.result.errors.append(LoadError(src.path, res.message, res.kind, line, col))
        return None

    def render(self, tpl: SourceFile, scope: dict[str, Any]) -> Any:
        """`templatefile()`: `${name}` from the given variables; directives stay unknown."""
        try:
            expr = parse_template(tpl.text)
        except HclError as exc:
            line, col = tpl.position_of(min(exc.offset, len(tpl.text)))
            self.result.errors.append(
                LoadError(tpl.path, f"template: {exc.message}", "parse-error", line, col)
            )
            return UNKNOWN
        rendered = self.template(expr, tpl, _Module(""), scope=scope)
        if rendered is UNKNOWN:
            return UNKNOWN
        text = _Text(rendered)
        text.origin = Location(tpl.path, 1, 1, offset=0)
        return text

    # ---------------------------------------------------------------- nodes
    def node(
        self, expr: Expr, src: SourceFile, mod: _Module, path: tuple[str, ...]
    ) -> PNode | None:
        """A positioned node for `expr` (None, recorded in `dropped`, when unknown)."""
        kind = expr.kind
        if kind == "list":
            items = [n for i in expr.items if (n := self.node(i, src, mod, path)) is not None]
            return PNode.new_sequence(items, self.loc(src, expr.start))
        if kind == "object":
            entries: dict[Hashable, PEntry] = {}
            for key, key_at, v in expr.pairs:
                if key is None:
                    self.dropped.append(path)
                    continue
                n = self.node(v, src, mod, (*path, key))
                if n is not None:
                    entries[key] = PEntry(key, self.loc(src, key_at), n)
            return PNode.new_mapping(entries, self.loc(src, expr.start))
        if kind == "ref" and self.depth < MAX_RESOLVE_DEPTH:
            target = self.resolve(expr.name, mod)
            if target is not None:
                self.depth += 1
                try:
                    return self.node(target[0], target[1], target[2], path)
                finally:
                    self.depth -= 1
        value = self.value(expr, src, mod)
        if _has_unknown(value):
            self.dropped.append(path)
            return None
        if isinstance(value, _Text):
            at = value.origin
        elif expr.kind == "template" and expr.heredoc:
            at = self.loc(src, expr.content_start)
        else:
            at = self.loc(src, expr.start)
        return _plain_node(value, at)

    def body(
        self,
        body: list[Attribute | Block],
        src: SourceFile,
        mod: _Module,
        path: tuple[str, ...],
        at: int,
    ) -> PNode:
        """A block body as a mapping: attributes and blocks under their manifest names."""
        entries: dict[Hashable, PEntry] = {}
        for item in body:
            if isinstance(item, Attribute):
                key = camel(item.name)
                n = self.node(item.expr, src, mod, (*path, key))
                if n is not None:
                    entries[key] = PEntry(key, self.loc(src, item.start), n)
                continue
            if item.type == "dynamic":
                self.dynamic(item, entries, src, mod, path)
            else:
                self.block(item, entries, src, mod, path)
        return PNode.new_mapping(entries, self.loc(src, at))

    def block(
        self,
        item: Block,
        entries: dict[Hashable, PEntry],
        src: SourceFile,
        mod: _Module,
        path: tuple[str, ...],
    ) -> None:
        """A nested block under its manifest name: a list item or a single object."""
        parent = path[-1] if path else ""
        listed = LIST_BLOCKS.get(item.type)
        if item.type == "port" and parent == "service":  # ingress backend.service.port
            listed = None
        key = listed or camel(item.type)
        child = self.body(item.body, src, mod, (*path, key), item.start)
        if listed is None:
            entries.setdefault(key, PEntry(key, self.loc(src, item.start), child))
            return
        entry = entries.get(key)
        if entry is None or not entry.value.is_sequence:
            seq = PNode.new_sequence([], self.loc(src, item.start))
            entries[key] = entry = PEntry(key, self.loc(src, item.start), seq)
        entry.value.items.append(child)

    def dynamic(
        self,
        item: Block,
        entries: dict[Hashable, PEntry],
        src: SourceFile,
        mod: _Module,
        path: tuple[str, ...],
    ) -> None:
        """`dynamic "port" { for_each = [...] content { ... } }`: one block per element
        when `for_each` is literal; otherwise recorded as dropped (never guessed)."""
        label = item.labels[0] if item.labels else "?"
        content = item.blocks("content")
        for_each = item.attr("for_each")
        iterator = item.attr("iterator")
        name = iterator.expr.name if iterator is not None else label
        pairs = (
            _iterations(self.value(for_each.expr, src, mod))
            if for_each is not None and len(content) == 1 and name.isidentifier()
            else None
        )
        if pairs is not None and not self.spend(len(pairs) * (content[0].end - content[0].start)):
            pairs = None  # over the expansion budget: as if unknown, listed
        if pairs is None:
            self.dropped.append((*path, "dynamic:" + label))
            return
        saved = self.scope.get(name, _UNSET)
        try:
            for key, value in pairs:
                self.scope[name] = {"key": key, "value": value}
                self.block(
                    Block(label, [], content[0].start, content[0].body), entries, src, mod, path
                )
        finally:
            if saved is _UNSET:
                self.scope.pop(name, None)
            else:
                self.scope[name] = saved


_REF_HEAD = lazy(r"[A-Za-z_][\w-]*")
_UNSET: Any = object()
_PARTIAL = "-partial"  # an instance scope key no HCL identifier can be
MAX_INSTANCES = 64  # count / for_each instances expanded; more are modelled once, partial
EXPANSION_FACTOR = 8  # expansion evaluates at most 8x the .tf text again (+ the floor)
EXPANSION_FLOOR = 1_000_000


def _walk(value: Any, name: str, pos: int) -> Any:
    """`each.value["port"]`, `count.index`: the steps after the head into a literal value."""
    while pos < len(name):
        step = _STEP_RE.match(name, pos)
        if step is None:
            return UNKNOWN
        ident, dot_index, index, key = step.groups()
        pos = step.end()
        if isinstance(value, dict) and (ident or key) is not None:
            value = value.get(ident if ident is not None else key, UNKNOWN)
        elif isinstance(value, list) and (dot_index or index) is not None:
            i = int(dot_index or index)
            value = value[i] if i < len(value) else UNKNOWN
        else:
            return UNKNOWN
    return value


def _iterations(value: Any) -> list[tuple[Any, Any]] | None:
    """(key, value) pairs of a literal `for_each`: a map's entries, a list's or set's
    elements (a set's key is the element, a dynamic block's list key its index)."""
    if _has_unknown(value):
        return None
    if isinstance(value, dict):
        return sorted(value.items(), key=lambda kv: str(kv[0]))
    if isinstance(value, list):
        return list(enumerate(value))
    return None


_STEP_RE = lazy(r"\.([A-Za-z_][\w-]*)|\.(\d+)|\[(\d+)\]|\[\"([^\"]*)\"\]")


def _resource_attribute(name: str, mod: _Module) -> tuple[Expr, SourceFile, _Module] | None:
    """`kubernetes_namespace.x.metadata[0].name`: the literal argument of a resource of
    the module (single blocks indexed 0, map keys); anything else is unknown."""
    m = re.match(r"([a-z][\w-]*)\.([A-Za-z_][\w-]*)", name)
    if m is None or (m.group(1), m.group(2)) not in mod.resources:
        return None
    block, src = mod.resources[(m.group(1), m.group(2))]
    steps: list[str | int] = []
    pos = m.end()
    while pos < len(name):
        found_step = _STEP_RE.match(name, pos)
        if found_step is None:
            return None
        ident, dot_index, index, key = found_step.groups()
        steps.append(int(dot_index or index) if (dot_index or index) else (ident or key))
        pos = found_step.end()
    node: Block | Expr = block
    for step in steps:
        if isinstance(node, Block):
            if isinstance(step, int):
                if step != 0:
                    return None
                continue
            attr = node.attr(step)
            children = node.blocks(step)
            if attr is not None:
                node = attr.expr
            elif len(children) == 1:
                node = children[0]
            else:
                return None
        elif node.kind == "object" and isinstance(step, str):
            found = [v for k, _, v in node.pairs if k == step]
            if len(found) != 1:
                return None
            node = found[0]
        else:
            return None
    return (node, src, mod) if isinstance(node, Expr) else None


def _scalar_text(v: Any) -> str | None:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, str | int | float):
        return str(v)
    return None


def _has_unknown(v: Any) -> bool:
    if v is UNKNOWN:
        return True
    if isinstance(v, list):
        return any(_has_unknown(i) for i in v)
    if isinstance(v, dict):
        return any(_has_unknown(i) for i in v.values())
    return False


def _plain_node(value: Any, at: Location) -> PNode:
    if isinstance(value, dict):
        return PNode.new_mapping(
            {k: PEntry(k, at, _plain_node(v, at)) for k, v in value.items()}, at
        )
    if isinstance(value, list):
        return PNode.new_sequence([_plain_node(v, at) for v in value], at)
    raw = _scalar_text(value)
    return PNode.new_scalar(str(value) if isinstance(value, str) else value, at, raw=raw)


# ------------------------------------------------------------------ modules


def _modules(sources: list[SourceFile], result: TerraformResult) -> dict[str, _Module]:
    """Parse every .tf / .tfvars file, grouped by directory."""
    modules: dict[str, _Module] = {}
    tfvars: list[tuple[SourceFile, list[Attribute | Block]]] = []
    for src in sources:
        if src.path.endswith(".tf.json"):
            result.skipped.append(_skipped(src.path, "Terraform JSON syntax is not read"))
            continue
        try:
            body = hcl_body(parse, src)
        except HclError as exc:
            line, col = src.position_of(min(exc.offset, len(src.text)))
            result.errors.append(
                LoadError(src.path, f"Terraform syntax: {exc.message}", "parse-error", line, col)
            )
            continue
        directory = posixpath.dirname(src.path)
        mod = modules.setdefault(directory, _Module(directory))
        if src.path.endswith(".tfvars"):
            tfvars.append((src, body))
            continue
        mod.files.append((src, body))
        for item in body:
            if not isinstance(item, Block):
                continue
            if item.type == "variable" and item.labels:
                default = item.attr("default")
                mod.variables[item.labels[0]] = (default.expr, src) if default is not None else None
            elif (
                item.type == "resource"
                and len(item.labels) >= 2
                and not (item.attr("count") or item.attr("for_each"))
            ):
                mod.resources[(item.labels[0], item.labels[1])] = (item, src)
            elif item.type == "locals":
                for a in item.body:
                    if isinstance(a, Attribute):
                        mod.locals[a.name] = (a.expr, src)
    for src, body in tfvars:
        mod = modules[posixpath.dirname(src.path)]
        name = posixpath.basename(src.path)
        auto = name == "terraform.tfvars" or name.endswith(".auto.tfvars")
        for item in body:
            if isinstance(item, Attribute):
                # an auto-loaded file sets the value; any other may be passed with -var-file
                known = auto and item.name not in mod.overrides
                mod.overrides[item.name] = (item.expr, src, mod) if known else None
    _module_calls(modules)
    return modules


def _module_calls(modules: dict[str, _Module]) -> None:
    """Variables a `module "x" { source = "./dir" ... }` call sets: its value (when one
    caller sets it) replaces the default; several callers make it unknown."""
    for caller in list(modules.values()):
        for src, body in caller.files:
            for item in body:
                if not isinstance(item, Block) or item.type != "module":
                    continue
                source = item.attr("source")
                if source is None or source.expr.kind != "template" or len(source.expr.parts) != 1:
                    continue
                target_path = source.expr.parts[0]
                if not isinstance(target_path, str) or not target_path.startswith(("./", "../")):
                    continue
                target = posixpath.normpath(posixpath.join(caller.directory or ".", target_path))
                target = "" if target == "." else target
                callee = modules.get(target)
                if callee is None:
                    continue
                for a in item.body:
                    if isinstance(a, Attribute) and a.name in callee.variables:
                        seen = a.name in callee.overrides
                        callee.overrides[a.name] = None if seen else (a.expr, src, caller)


# ------------------------------------------------------------------ resources


def _resource_iterations(value: Any) -> list[tuple[Any, Any]] | None:
    """A resource's `for_each`: a map's entries, or a set of strings (`toset([...])`,
    each.key = each.value = the element); None when not literal."""
    if isinstance(value, list) and not _has_unknown(value):
        texts = [_scalar_text(v) for v in value]
        return None if None in texts else [(t, t) for t in dict.fromkeys(texts)]
    return _iterations(value) if isinstance(value, dict) else None


def _instances(
    block: Block, ev: _Eval, src: SourceFile, mod: _Module, result: TerraformResult
) -> list[dict[str, Any]] | None:
    """The iteration scopes of a resource: one per instance when `count` / `for_each` is
    literal and the body uses `count.index` / `each.*` (identical instances are one
    object), [{}] for a single object; None when `count = 0` (listed, never created).
    A non-literal or too large `count` / `for_each` gives one partial object, listed."""
    rtype, rname = block.labels[0], block.labels[1]
    line = src.location(block.start).line
    body_text = src.text[block.start : block.end]
    count, for_each = block.attr("count"), block.attr("for_each")
    if count is not None:
        n = ev.value(count.expr, src, mod)
        if n == 0 and isinstance(n, int):
            reason = f"{rtype}.{rname}: count = 0, never created"
            result.skipped.append(_skipped(src.path, reason, line=line))
            return None
        if isinstance(n, int) and not isinstance(n, bool) and 0 < n <= MAX_INSTANCES:
            if "count.index" not in body_text:
                return [{}]
            if ev.spend((n - 1) * len(body_text)):
                return [{"count": {"index": i}} for i in range(n)]
        what = "count"
    elif for_each is not None:
        pairs = _resource_iterations(ev.value(for_each.expr, src, mod))
        if pairs is not None and len(pairs) <= MAX_INSTANCES:
            if not pairs:
                reason = f"{rtype}.{rname}: for_each is empty, never created"
                result.skipped.append(_skipped(src.path, reason, line=line))
                return None
            if not re.search(r"\beach\.", body_text):
                return [{}]
            if ev.spend((len(pairs) - 1) * len(body_text)):
                return [{"each": {"key": k, "value": v}} for k, v in pairs]
        what = "for_each"
    else:
        return [{}]
    reason = (
        f"{rtype}.{rname}: {what} is not a literal value (at most {MAX_INSTANCES}"
        " instances, within the expansion budget): instances not expanded, modelled once"
        " as partial"
    )
    result.skipped.append(_skipped(src.path, reason, line=line))
    return [{_PARTIAL: True}]


def _k8s_resource(
    block: Block,
    kind: str,
    api: str,
    src: SourceFile,
    mod: _Module,
    ev: _Eval,
    result: TerraformResult,
) -> None:
    instances = _instances(block, ev, src, mod, result)
    if instances is None:
        return
    modelled = 0
    listed = len(result.skipped)
    for scope in instances:
        ev.scope = {k: v for k, v in scope.items() if k != _PARTIAL}
        try:
            modelled += _k8s_instance(block, kind, api, src, mod, ev, result, _PARTIAL in scope)
        finally:
            ev.scope = {}
    # the same unknown value in every instance is listed once
    unique = {(s.path, s.reason, s.line): s for s in result.skipped[listed:]}
    result.skipped[listed:] = list(unique.values())
    if modelled:
        result.resources += 1


def _k8s_instance(
    block: Block,
    kind: str,
    api: str,
    src: SourceFile,
    mod: _Module,
    ev: _Eval,
    result: TerraformResult,
    partial_instance: bool,
) -> bool:
    """One object of a resource (one instance of its count / for_each); False when an
    unknown value keeps it out (listed in `skipped`)."""
    from infradoctor.loaders.kubernetes import _Context, _object

    rtype, rname = block.labels[0], block.labels[1]
    where = src.location(block.start)
    ev.dropped = []
    body = [
        i
        for i in block.body
        if not (isinstance(i, Block | Attribute) and _name(i) in META_ARGUMENTS)
        and not (kind == "Secret" and _name(i) in SECRET_FIELDS)
    ]
    root = ev.body(body, src, mod, (), block.start)
    template = root.get("spec")
    template = template.get("template") if template is not None else None
    if template is not None and template.get("containers") is not None:
        _legacy_template(root, template)
    blocking = sorted({".".join(p) for p in ev.dropped if _effect(p) == "block"})
    if blocking:
        result.skipped.append(
            _skipped(
                src.path,
                f"{rtype}.{rname}: not analysed, {blocking[0]} is not a literal value"
                + (f" (and {len(blocking) - 1} more)" if len(blocking) > 1 else ""),
                line=where.line,
            )
        )
        return False
    at = root.location
    root.entries["apiVersion"] = PEntry("apiVersion", at, PNode.new_scalar(api, at))
    root.entries["kind"] = PEntry("kind", at, PNode.new_scalar(kind, at))
    before = len(result.objects)
    ctx = _Context(src, None, False, set(), result.objects, set())
    _object(root, ctx)
    partial = partial_instance or any(_effect(p) == "partial" for p in ev.dropped)
    for obj in result.objects[before:]:
        obj.partial = obj.partial or partial
    if kind == "ConfigMap":
        _config_map_notes(rtype, rname, root, ev, src, where, result)
    return True


def _legacy_template(root: PNode, template: PNode) -> None:
    """The old replication_controller schema: `template { container {} }` is the pod
    spec, and its pods carry the controller's selector labels."""
    at = template.location
    spec_entries: dict[Hashable, PEntry] = {"containers": template.entries.pop("containers")}
    template.entries["spec"] = PEntry("spec", at, PNode.new_mapping(spec_entries, at))
    spec = root.get("spec")
    selector = spec.get("selector") if spec is not None else None
    if "metadata" not in template.entries and selector is not None and selector.is_mapping:
        meta: dict[Hashable, PEntry] = {"labels": PEntry("labels", selector.location, selector)}
        template.entries["metadata"] = PEntry("metadata", at, PNode.new_mapping(meta, at))


def _config_map_notes(
    rtype: str,
    rname: str,
    root: PNode,
    ev: _Eval,
    src: SourceFile,
    where: Location,
    result: TerraformResult,
) -> None:
    for p in ev.dropped:
        if len(p) >= 2 and p[0] == "data":
            result.skipped.append(
                _skipped(
                    src.path,
                    f"{rtype}.{rname}: data {p[1]!r} is not a literal value",
                    line=where.line,
                )
            )


def _name(item: Attribute | Block) -> str:
    return item.name if isinstance(item, Attribute) else item.type


def _helm_release(
    block: Block, src: SourceFile, mod: _Module, ev: _Eval, result: TerraformResult
) -> None:
    rname = block.labels[1]

    def text(attr: str) -> str | None:
        a = block.attr(attr)
        v = ev.value(a.expr, src, mod) if a is not None else None
        return _scalar_text(v) if v is not None and not _has_unknown(v) else None

    rel = HelmRelease(text("name") or rname, src.path, src.location(block.start))
    rel.chart, rel.repository = text("chart"), text("repository")
    rel.version, rel.namespace = text("version"), text("namespace")
    if (
        rel.chart
        and not rel.repository
        and not rel.chart.startswith(("oci://", "http://", "https://"))
    ):
        chart_dir = Path(rel.chart)
        if not chart_dir.is_absolute():
            chart_dir = ev.reader.root / mod.directory / chart_dir
        if os.path.isfile(chart_dir / "Chart.yaml"):  # never raises (ENAMETOOLONG)
            rel.chart_path = ev.reader.relpath(chart_dir)
            result.skipped.append(
                _skipped(
                    src.path,
                    f"helm_release.{rname}: local chart {rel.chart_path} is not rendered from Terraform (values and set blocks recorded)",
                    line=rel.location.line,
                )
            )
    values = block.attr("values")
    if values is not None and values.expr.kind == "list":
        for item in values.expr.items:
            v = ev.value(item, src, mod)
            if isinstance(v, str) and not _has_unknown(v):
                at = (
                    v.origin
                    if isinstance(v, _Text)
                    else src.location(item.content_start if item.heredoc else item.start)
                )
                rel.values.append((str(v), at))
            else:
                rel.unresolved_values += 1
    elif values is not None:
        rel.unresolved_values += 1
    for kind in ("set", "set_list", "set_sensitive"):
        for b in block.blocks(kind):
            name_attr, value_attr = b.attr("name"), b.attr("value")
            name = ev.value(name_attr.expr, src, mod) if name_attr is not None else None
            if not isinstance(name, str):
                continue
            value: str | None = None
            if kind != "set_sensitive" and value_attr is not None:
                v = ev.value(value_attr.expr, src, mod)
                value = (
                    json.dumps(v)
                    if isinstance(v, list) and not _has_unknown(v)
                    else _scalar_text(v)
                )
            rel.sets.append(HelmSet(name, value, src.location(b.start), kind))
        attr = block.attr(kind)  # provider 3: `set = [{ name = .., value = .. }]`
        if attr is not None and attr.expr.kind == "list":
            for item in attr.expr.items:
                v = ev.value(item, src, mod)
                if isinstance(v, dict) and isinstance(v.get("name"), str):
                    value = None if kind == "set_sensitive" else _scalar_text(v.get("value"))
                    rel.sets.append(HelmSet(v["name"], value, src.location(item.start), kind))
    result.helm_releases.append(rel)
    result.resources += 1


def _manifest(
    block: Block, src: SourceFile, mod: _Module, ev: _Eval, result: TerraformResult
) -> bool:
    """`kubernetes_manifest` with an object literal: already the manifest shape."""
    from infradoctor.loaders.kubernetes import _Context, _object

    attr = block.attr("manifest")
    if attr is None or attr.expr.kind != "object":
        return False
    ev.dropped = []
    root = ev.node(attr.expr, src, mod, ())
    if root is None or any(_effect(p) == "block" for p in ev.dropped):
        return False
    before = len(result.objects)
    _object(root, _Context(src, None, False, set(), result.objects, set()))
    partial = block.attr("for_each") is not None or any(_effect(p) == "partial" for p in ev.dropped)
    for obj in result.objects[before:]:
        obj.partial = obj.partial or partial
    result.resources += 1
    return True


def load_terraform(sources: list[SourceFile], reader: SourceReader) -> TerraformResult:
    """Kubernetes objects and Helm releases of the Terraform files in `sources`. Never
    raises: syntax errors are LoadErrors at file:line, resources we do not model are
    listed in `skipped`."""
    result = TerraformResult()
    ev = _Eval(reader, result)
    ev.budget = EXPANSION_FACTOR * sum(len(s.text) for s in sources) + EXPANSION_FLOOR
    for mod in _modules(sources, result).values():
        objects, skipped = len(result.objects), len(result.skipped)
        helm = len(result.helm_releases)
        for src, body in mod.files:
            _file_resources(src, body, mod, ev, result)
        if (
            len(result.helm_releases) > helm
            or any(_may_run_pods(s.reason) for s in result.skipped[skipped:])
            or any(isinstance(i, Block) and i.type == "module" for _, b in mod.files for i in b)
        ):
            # pods may come from what we did not read: matches against them are uncertain
            for obj in result.objects[objects:]:
                if obj.workload is None:
                    obj.partial = True
    return result


# resource types that never run pods: not reading them leaves selector matches certain
POD_FREE = lazy(
    r"^kubernetes_(namespace|role|role_binding|cluster_role|cluster_role_binding|"
    r"service_account|storage_class|persistent_volume|certificate_signing_request|"
    r"limit_range|resource_quota|priority_class|config_map|secret|default_service_account|"
    r"annotations|labels|env|node_taint|validating_webhook_configuration|"
    r"mutating_webhook_configuration|csi_driver|api_service|endpoints|endpoint_slice|"
    r"ingress_class|runtime_class)(_v\d+\w*)?\."
)


def _may_run_pods(reason: str) -> bool:
    return (
        "count = 0" not in reason and not POD_FREE.match(reason) and "other providers" not in reason
    )


def _file_resources(
    src: SourceFile, body: list[Attribute | Block], mod: _Module, ev: _Eval, result: TerraformResult
) -> None:
    others = 0
    for item in body:
        if not isinstance(item, Block) or item.type != "resource" or len(item.labels) < 2:
            continue
        rtype = item.labels[0]
        kind = resource_kind(rtype)
        if kind is None and not rtype.startswith(("kubernetes_", "helm_")):
            others += 1  # most resources: counted, no position to work out
            continue
        where = src.position_of(item.start)[0]
        try:
            if kind is not None:
                _k8s_resource(item, kind[0], kind[1], src, mod, ev, result)
            elif rtype == "helm_release":
                _helm_release(item, src, mod, ev, result)
            elif rtype == "kubernetes_manifest":
                if not _manifest(item, src, mod, ev, result):
                    result.skipped.append(
                        _skipped(
                            src.path,
                            f"{rtype}.{item.labels[1]}: manifest is not a literal object",
                            line=where,
                        )
                    )
            else:  # another kubernetes_ / helm_ type
                result.skipped.append(
                    _skipped(
                        src.path,
                        f"{rtype}.{item.labels[1]}: resource type not modelled",
                        line=where,
                    )
                )
        except (AttributeError, TypeError, ValueError, RecursionError) as exc:  # defensive
            result.errors.append(
                LoadError(
                    src.path, f"unreadable Terraform resource {rtype}: {exc}", "invalid", where, 1
                )
            )
    if others:
        result.skipped.append(
            _skipped(src.path, f"{others} resource(s) of other providers not analysed")
        )


__all__ = ["KINDS", "TerraformResult", "camel", "load_terraform", "resource_kind"]
