"""Kubernetes manifests into the stack model (model/k8s.py).

Reads plain multi-document YAML with the positioned YAML of syntax/yaml.py (alias budget,
depth guard: never a bare `yaml.compose` on untrusted input), unwraps `List` kinds, and
reads the kustomize facts that change what the manifests mean: a directory whose
kustomization has patches produces objects marked `partial` (cross-object rules leave them
alone), patch files are not objects at all, `namespace:` applies to the directory, and
images retagged by kustomize `images:` or built by skaffold are `image_managed`.
Helm templates are not loaded. Bad input never raises: it becomes a LoadError."""

from __future__ import annotations

import posixpath
from collections.abc import Iterable
from dataclasses import field
from pathlib import Path
from typing import TYPE_CHECKING

from infradoctor.loaders.files import SourceReader
from infradoctor.model.k8s import (
    BATCH_KINDS,
    WORKLOAD_KINDS,
    Container,
    ContainerPort,
    HpaSpec,
    IngressBackend,
    K8sEnv,
    K8sObject,
    LabelSelector,
    PdbSpec,
    PodTemplate,
    Probe,
    ServicePort,
    ServiceSpec,
    WorkloadSpec,
)
from infradoctor.model.source import FileKind, LoadError, Location, SourceFile
from infradoctor.parsecache import manifest_documents
from infradoctor.records import record
from infradoctor.syntax.gotemplate import is_helm_template
from infradoctor.syntax.numbers import clamp_int, digits_value
from infradoctor.syntax.yaml import PNode, load_positioned_all, load_positioned_shared

if TYPE_CHECKING:
    from infradoctor.loaders.kustomize import KustomizeResult

KUSTOMIZATION_NAMES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
KUSTOMIZE_KINDS = frozenset({"Kustomization", "Component"})
# Kustomization keys that change objects after the fact (so the files alone are not final).
PATCH_KEYS = (
    "patches",
    "patchesStrategicMerge",
    "patchesJson6902",
    "replacements",
    "components",
    "replicas",
)

PROBE_KINDS = (
    ("readinessProbe", "readiness"),
    ("livenessProbe", "liveness"),
    ("startupProbe", "startup"),
)
MAX_LIST_DEPTH = 4


@record
class Kustomization:
    """What we need of a kustomization: where, its namespace, whether it patches, which
    files are patches and which image names it retags."""

    directory: str  # relative to root ("" for the root)
    namespace: str | None = None
    patches: bool = False
    patch_files: set[str] = field(default_factory=set)
    images: set[str] = field(default_factory=set)


# ------------------------------------------------------------------ node helpers


# The helpers below are the hot path of reading objects: `kind` compared directly (the
# is_* properties are a call each) and PNode.text() inlined.


def _map(node: PNode | None) -> PNode | None:
    return node if node is not None and node.kind == "mapping" else None


def _seq(node: PNode | None) -> list[PNode]:
    return node.items if node is not None and node.kind == "sequence" else []


def _text(node: PNode | None) -> str | None:
    """PNode.text(): a scalar as text (numbers/bools as written); None otherwise."""
    if node is None or node.kind != "scalar" or node.scalar is None:
        return None
    if isinstance(node.scalar, str):
        return node.scalar
    return node.raw if node.raw is not None else str(node.scalar)


def _int(node: PNode | None) -> int | None:
    if node is None or not node.is_scalar:
        return None
    v = node.scalar
    if isinstance(v, bool):
        return None
    if isinstance(v, int):
        return clamp_int(v)
    if isinstance(v, str):
        return digits_value(v.strip())
    return None


def _int_or_str(node: PNode | None) -> int | str | None:
    """Kubernetes IntOrString: a number, or a name / percentage."""
    n = _int(node)
    if n is not None:
        return n
    t = _text(node)
    return t.strip() if t and t.strip() else None


def _str_dict(node: PNode | None) -> dict[str, str]:
    out: dict[str, str] = {}
    m = _map(node)
    if m is None:
        return out
    for key, value in m.pairs():
        t = _text(value)
        if isinstance(key, str) and t is not None:
            out[key] = t
    return out


def _str_list(node: PNode | None) -> list[str] | None:
    if node is None or not node.is_sequence:
        t = _text(node)
        return [t] if t is not None else None
    return [t for t in (_text(i) for i in node.items) if t is not None]


def _loc(node: PNode | None, fallback: Location) -> Location:
    return node.location if node is not None else fallback


def image_repository(image: str) -> str:
    """`ghcr.io/acme/api:1.2@sha256:..` -> `ghcr.io/acme/api` (lower-case)."""
    ref = image.strip().lower().split("@", 1)[0]
    slash, colon = ref.rfind("/"), ref.rfind(":")
    return ref[:colon] if colon > slash else ref


# ------------------------------------------------------------------ kustomize / skaffold


def _kustomization_from(root: PNode, directory: str) -> Kustomization:
    k = Kustomization(directory)
    k.namespace = _text(root.get("namespace"))
    for key in PATCH_KEYS:
        if root.get(key) is not None:
            k.patches = True

    def add_patch(path: str | None) -> None:
        if path and "\n" not in path and not path.lstrip().startswith(("{", "-")):
            k.patch_files.add(posixpath.normpath(posixpath.join(directory or ".", path)))

    for item in _seq(root.get("patchesStrategicMerge")):
        add_patch(_text(item))
    for key in ("patchesJson6902", "patches"):
        for item in _seq(root.get(key)):
            m = _map(item)
            add_patch(_text(m.get("path")) if m is not None else _text(item))
    for item in _seq(root.get("images")):
        m = _map(item)
        name = _text(m.get("name")) if m is not None else None
        if name:
            k.images.add(image_repository(name))
    return k


def _skaffold_images(root: PNode) -> set[str]:
    out: set[str] = set()
    build = _map(root.get("build"))
    for art in _seq(build.get("artifacts") if build is not None else None):
        m = _map(art)
        name = _text(m.get("image")) if m is not None else None
        if name:
            out.add(image_repository(name))
    for profile in _seq(root.get("profiles")):
        m = _map(profile)
        if m is not None:
            out |= _skaffold_images(m)
    return out


def _directories_of(path: str) -> Iterable[str]:
    """`a/b/c.yaml` -> `a/b`, `a`, `` (the root)."""
    parts = path.split("/")[:-1]
    for depth in range(len(parts), -1, -1):
        yield "/".join(parts[:depth])


def _find_kustomizations(
    sources: list[SourceFile], reader: SourceReader, known: dict[str, PNode | None]
) -> tuple[dict[str, Kustomization], list[SourceFile]]:
    """Kustomizations in the directories of the manifests (and above). Those without an
    apiVersion line are not classified as Kubernetes by discovery, so we look for them.
    `known`: the trees the kustomize renderer already read, by directory."""
    found: dict[str, Kustomization] = {}
    extra: list[SourceFile] = []
    dirs: set[str] = set()
    for src in sources:
        dirs.update(_directories_of(src.path))
    for directory in sorted(dirs):
        if directory in known:
            tree = known[directory]
            if tree is not None:
                found[directory] = _kustomization_from(tree, directory)
            continue
        for name in KUSTOMIZATION_NAMES:
            path = reader.root / directory / name if directory else reader.root / name
            res = reader.read_optional(path, FileKind.K8S)
            if res is None:
                continue
            if not isinstance(res, SourceFile):
                break
            root, _errors = load_positioned_shared(res)  # errors: reported by the caller
            if root is not None and root.is_mapping:
                found[directory] = _kustomization_from(root, directory)
                if res not in sources:
                    extra.append(res)
            break
    return found, extra


# ------------------------------------------------------------------ objects


def _selector(node: PNode | None, *, plain: bool = False) -> LabelSelector | None:
    """A LabelSelector (`plain`: a bare label map as in Service/ReplicationController)."""
    m = _map(node)
    if m is None:
        return None
    if plain or ("matchLabels" not in m and "matchExpressions" not in m):
        return LabelSelector(_str_dict(m), m.location)
    sel = LabelSelector(_str_dict(m.get("matchLabels")), m.location)
    for expr in _seq(m.get("matchExpressions")):
        e = _map(expr)
        if e is None:
            continue
        key, op = _text(e.get("key")), _text(e.get("operator"))
        if key and op:
            values = tuple(v for v in (_str_list(e.get("values")) or []) if v)
            sel.match_expressions.append((key, op, values))
    return sel


PROBE_TIMING = ("timeoutSeconds", "periodSeconds", "failureThreshold", "initialDelaySeconds")


def probe_from_node(kind: str, key_loc: Location, node: PNode | None) -> Probe:
    """A readiness/liveness/startup probe mapping (shared with the Helm values reader)."""
    m = _map(node)
    if m is None:
        return Probe(kind, "unknown", None, key_loc)
    probe = Probe(kind, "unknown", None, key_loc, signature=repr(m.value))
    for key in PROBE_TIMING:
        value = m.get(key)
        number = _int(value)
        if value is not None and number is not None:
            probe.timing[key] = number
            probe.timing_locations[key] = value.location
    for handler in ("httpGet", "tcpSocket", "grpc"):
        h = _map(m.get(handler))
        if h is not None:
            port_node = h.get("port")
            probe.handler = handler
            probe.action = h.value
            probe.port = _int_or_str(port_node)
            probe.port_location = port_node.location if port_node is not None else None
            return probe
    ex = _map(m.get("exec"))
    if m.get("exec") is not None:
        probe.handler = "exec"
        cmd = ex.get("command") if ex is not None else None
        if cmd is not None and cmd.is_sequence:
            probe.command = _str_list(cmd)
            probe.command_location = cmd.location
    return probe


SECURITY_KEYS = (
    "runAsNonRoot",
    "runAsUser",
    "allowPrivilegeEscalation",
    "privileged",
    "readOnlyRootFilesystem",
    "capabilities",
)
HOST_NAMESPACES = ("hostNetwork", "hostPID", "hostIPC")


def security_locations(owner: PNode, key: str = "securityContext") -> dict[str, Location]:
    """Where `owner`'s securityContext (`key`) and its hardening keys are written, so
    the hardening rules point at the line to edit (shared with the Helm values reader)."""
    entry = owner.entry(key) if owner.is_mapping else None
    if entry is None:
        return {}
    out = {"securityContext": entry.key_location}
    sc = _map(entry.value)
    if sc is None:
        return out
    for name in SECURITY_KEYS:
        node = sc.get(name)
        if node is not None:
            out[name] = node.location
    caps = _map(sc.get("capabilities"))
    drop = caps.get("drop") if caps is not None else None
    if drop is not None:
        out["capabilities.drop"] = drop.location
    return out


def _is_managed(image: str, managed: set[str]) -> bool:
    """Retagged by kustomize or built by skaffold (by repository, or its last part)."""
    repo = image_repository(image)
    return repo in managed or repo.rsplit("/", 1)[-1] in {r.rsplit("/", 1)[-1] for r in managed}


def _file_context(
    src: SourceFile,
    kustomizations: dict[str, Kustomization],
    managed: set[str],
    out: list[K8sObject],
) -> _Context:
    """How the objects of one manifest file are read (its kustomization's namespace)."""
    directory = src.path.rsplit("/", 1)[0] if "/" in src.path else ""
    own = kustomizations.get(directory)
    namespace = next(
        (
            kustomizations[d].namespace
            for d in _directories_of(src.path)
            if d in kustomizations and kustomizations[d].namespace
        ),
        None,
    )
    return _Context(src, namespace, bool(own and own.patches), managed, out, set())


def _container(node: PNode, init: bool, managed: set[str]) -> Container | None:  # noqa: C901
    m = _map(node)
    if m is None:
        return None
    c = Container(_text(m.get("name")) or "", m.location, init=init)
    image = m.get("image")
    c.image = _text(image)
    if image is not None:
        c.image_location = image.location
    if c.image:
        c.image_managed = _is_managed(c.image, managed)
    for p in _seq(m.get("ports")):
        pm = _map(p)
        if pm is None:
            continue
        c.ports.append(
            ContainerPort(
                _int(pm.get("containerPort")),
                _text(pm.get("name")),
                (_text(pm.get("protocol")) or "TCP").upper(),
                pm.location,
            )
        )
    for key, kind in PROBE_KINDS:
        entry = m.entry(key)
        if entry is not None:
            c.probes[kind] = probe_from_node(kind, entry.key_location, entry.value)
    res = _map(m.get("resources"))
    if res is not None:
        key_loc = m.key_location("resources")
        if key_loc is not None:
            c.resource_locations["resources"] = key_loc
        for section, target in (("requests", c.requests), ("limits", c.limits)):
            sm = _map(res.get(section))
            if sm is None:
                continue
            for rname, value in sm.pairs():
                t = _text(value)
                if isinstance(rname, str) and t is not None:
                    target[rname] = t
                    c.resource_locations[f"{section}.{rname}"] = value.location
    for e in _seq(m.get("env")):
        em = _map(e)
        name = _text(em.get("name")) if em is not None else None
        if em is None or not name:
            continue
        env = K8sEnv(name, _text(em.get("value")), em.get("valueFrom") is not None, em.location)
        vf = _map(em.get("valueFrom"))
        ref = _map(vf.get("configMapKeyRef")) if vf is not None else None
        if ref is not None:
            cm_name, cm_key = _text(ref.get("name")), _text(ref.get("key"))
            if cm_name and cm_key:
                env.config_map_key = (cm_name, cm_key)
        c.env.append(env)
    for source in _seq(m.get("envFrom")):
        sm = _map(source)
        ref = _map(sm.get("configMapRef")) if sm is not None else None
        from_name = _text(ref.get("name")) if ref is not None else None
        if from_name:
            c.env_from_config_maps.append(from_name)
    for key in ("command", "args"):
        cmd_node = m.get(key)
        if cmd_node is not None:
            setattr(c, key, _str_list(cmd_node))
            setattr(c, f"{key}_location", cmd_node.location)
    sc = _map(m.get("securityContext"))
    if sc is not None and isinstance(sc.value, dict):
        c.security_context = dict(sc.value)
    c.security_locations = security_locations(m)
    policy = m.get("imagePullPolicy")
    if policy is not None:
        c.image_pull_policy = _text(policy)
        c.image_pull_policy_location = policy.location
    return c


def _pod_template(template: PNode, managed: set[str]) -> PodTemplate:
    meta = _map(template.get("metadata"))
    labels_node = meta.get("labels") if meta is not None else None
    spec = _map(template.get("spec"))
    pod = PodTemplate(
        _str_dict(labels_node),
        template.location,
        labels_node.location if labels_node is not None else None,
    )
    if spec is not None:
        for item in _seq(spec.get("containers")):
            c = _container(item, False, managed)
            if c is not None:
                pod.containers.append(c)
        for item in _seq(spec.get("initContainers")):
            c = _container(item, True, managed)
            if c is not None:
                pod.init_containers.append(c)
        sc = _map(spec.get("securityContext"))
        if sc is not None and isinstance(sc.value, dict):
            pod.security_context = dict(sc.value)
        pod.security_locations = security_locations(spec)
        for key in HOST_NAMESPACES:
            node = spec.get(key)
            if node is not None and node.scalar is True:
                pod.host_namespaces[key] = node.location
        for volume in _seq(spec.get("volumes")):
            vm = _map(volume)
            host = _map(vm.get("hostPath")) if vm is not None else None
            path = host.get("path") if host is not None else None
            if path is not None and _text(path):
                pod.host_paths.append((_text(path) or "", path.location))
    return pod


def _workload(kind: str, root: PNode, spec: PNode | None, managed: set[str]) -> WorkloadSpec | None:
    if kind == "Pod":
        return WorkloadSpec(_pod_template(root, managed), replicas=1)
    if spec is None:
        return None
    template_spec: PNode | None = spec
    if kind == "CronJob":
        job = _map(spec.get("jobTemplate"))
        template_spec = _map(job.get("spec")) if job is not None else None
    if template_spec is None:
        return None
    template = _map(template_spec.get("template"))
    if template is None:
        return None
    if kind not in WORKLOAD_KINDS and _map(template.get("spec")) is None:
        return None
    w = WorkloadSpec(_pod_template(template, managed))
    replicas = spec.get("replicas")
    if replicas is not None:
        w.replicas = _int(replicas)
        w.replicas_location = replicas.location
    w.selector = _selector(spec.get("selector"), plain=kind == "ReplicationController")
    _strategy(w, spec)
    if kind in BATCH_KINDS:
        _job_settings(w, spec if kind == "CronJob" else None, template_spec)
    pod_spec = _map(template.get("spec"))
    for volume in _seq(pod_spec.get("volumes") if pod_spec is not None else None):
        vm = _map(volume)
        pvc = _map(vm.get("persistentVolumeClaim")) if vm is not None else None
        claim = pvc.get("claimName") if pvc is not None else None
        if claim is not None and _text(claim):
            w.claims.append((_text(claim) or "", claim.location))
    return w


def _job_settings(w: WorkloadSpec, cron: PNode | None, job: PNode) -> None:
    """Which of the settings the batch rules look for are present (CronJob spec, Job spec)."""
    found = [(job, "backoffLimit")]
    if cron is not None:
        found += [(cron, "concurrencyPolicy"), (cron, "startingDeadlineSeconds")]
    for owner, key in found:
        node = owner.get(key)
        if node is not None:
            w.job_settings[key] = node.location


def _strategy(w: WorkloadSpec, spec: PNode) -> None:
    """Deployment `strategy` (StatefulSet/DaemonSet `updateStrategy` are not modelled)."""
    strategy = _map(spec.get("strategy"))
    if strategy is None:
        return
    type_node = strategy.get("type")
    w.strategy = _text(type_node)
    w.strategy_location = _loc(type_node, strategy.location)
    rolling = _map(strategy.get("rollingUpdate"))
    mu = rolling.get("maxUnavailable") if rolling is not None else None
    if mu is not None:
        w.max_unavailable = _int_or_str(mu)
        w.max_unavailable_location = mu.location


def _service(spec: PNode | None, fallback: Location) -> ServiceSpec:
    if spec is None:
        return ServiceSpec("ClusterIP", None)
    sel = _selector(spec.get("selector"), plain=True)
    if sel is not None and sel.empty:
        sel = None
    pna = spec.get("publishNotReadyAddresses")
    svc = ServiceSpec(
        _text(spec.get("type")) or "ClusterIP",
        sel,
        headless=_text(spec.get("clusterIP")) == "None",
        publish_not_ready=pna is not None and pna.scalar is True,
    )
    for p in _seq(spec.get("ports")):
        pm = _map(p)
        if pm is None:
            continue
        target = pm.get("targetPort")
        node_port = pm.get("nodePort")
        svc.ports.append(
            ServicePort(
                _int(pm.get("port")),
                _int_or_str(target),
                _text(pm.get("name")),
                (_text(pm.get("protocol")) or "TCP").upper(),
                pm.location,
                target.location if target is not None else None,
                _int(node_port),
                node_port.location if node_port is not None else None,
            )
        )
    return svc


def _backend(node: PNode | None, path: str | None) -> IngressBackend | None:
    m = _map(node)
    if m is None:
        return None
    svc = _map(m.get("service"))
    if svc is not None:  # networking.k8s.io/v1
        name = _text(svc.get("name"))
        port = _map(svc.get("port"))
        port_node = None
        port_value: int | str | None = None
        if port is not None:
            port_node = port.get("number")
            if port_node is None:
                port_node = port.get("name")
            port_value = _int_or_str(port_node)
        return (
            IngressBackend(
                name,
                port_value,
                m.location,
                port_node.location if port_node is not None else None,
                path,
            )
            if name
            else None
        )
    name = _text(m.get("serviceName"))  # extensions/v1beta1, networking.k8s.io/v1beta1
    if name:
        port_node = m.get("servicePort")
        return IngressBackend(
            name,
            _int_or_str(port_node),
            m.location,
            port_node.location if port_node is not None else None,
            path,
        )
    return None


def _ingress(spec: PNode | None) -> list[IngressBackend]:
    out: list[IngressBackend] = []
    if spec is None:
        return out
    for key in ("defaultBackend", "backend"):
        b = _backend(spec.get(key), None)
        if b is not None:
            out.append(b)
    for rule in _seq(spec.get("rules")):
        r = _map(rule)
        http = _map(r.get("http")) if r is not None else None
        for p in _seq(http.get("paths") if http is not None else None):
            pm = _map(p)
            if pm is not None:
                b = _backend(pm.get("backend"), _text(pm.get("path")))
                if b is not None:
                    out.append(b)
    return out


ROUTE_KINDS = frozenset({"HTTPRoute", "GRPCRoute", "TCPRoute", "TLSRoute", "UDPRoute"})


def _route_backends(spec: PNode | None, namespace: str | None) -> list[IngressBackend]:
    """Gateway API route `backendRefs` that name a Service in the route's namespace
    (other kinds and cross-namespace references are not modelled)."""
    out: list[IngressBackend] = []
    if spec is None:
        return out
    for rule in _seq(spec.get("rules")):
        r = _map(rule)
        for ref in _seq(r.get("backendRefs") if r is not None else None):
            m = _map(ref)
            if m is None:
                continue
            name = _text(m.get("name"))
            kind = _text(m.get("kind")) or "Service"
            group = _text(m.get("group")) or ""
            ref_ns = _text(m.get("namespace"))
            if not name or kind != "Service" or group or (ref_ns and ref_ns != namespace):
                continue
            port_node = m.get("port")
            out.append(
                IngressBackend(
                    name,
                    _int(port_node),
                    m.location,
                    port_node.location if port_node is not None else None,
                )
            )
    return out


def _hpa(spec: PNode | None, fallback: Location) -> HpaSpec:
    if spec is None:
        return HpaSpec(None, None, fallback)
    ref = _map(spec.get("scaleTargetRef"))
    hpa = HpaSpec(
        _text(ref.get("kind")) if ref is not None else None,
        _text(ref.get("name")) if ref is not None else None,
        _loc(ref.get("name") if ref is not None else None, _loc(ref, fallback)),
        _int(spec.get("minReplicas")),
        _int(spec.get("maxReplicas")),
    )
    min_node = spec.get("minReplicas")
    if min_node is not None:
        hpa.min_replicas_location = min_node.location
    max_node = spec.get("maxReplicas")
    if max_node is not None:
        hpa.max_replicas_location = max_node.location
    if spec.get("targetCPUUtilizationPercentage") is not None:  # autoscaling/v1
        hpa.resource_metrics.append("cpu")
    metrics = _seq(spec.get("metrics"))
    for metric in metrics:
        mm = _map(metric)
        res = _map(mm.get("resource")) if mm is not None else None
        if res is None:
            continue
        name = _text(res.get("name"))
        target = _map(res.get("target"))
        utilization = (target is not None and _text(target.get("type")) == "Utilization") or (
            res.get("targetAverageUtilization") is not None
        )
        if name and utilization:
            hpa.resource_metrics.append(name)
    if not metrics and "targetCPUUtilizationPercentage" not in spec:
        hpa.resource_metrics.append("cpu")  # no metrics: the default is 80% CPU utilization
    return hpa


def _pdb(spec: PNode | None) -> PdbSpec:
    if spec is None:
        return PdbSpec(None)
    pdb = PdbSpec(_selector(spec.get("selector")))
    for key in ("minAvailable", "maxUnavailable"):
        node = spec.get(key)
        if node is not None:
            setattr(
                pdb,
                "min_available" if key == "minAvailable" else "max_unavailable",
                _int_or_str(node),
            )
            pdb.location = node.location
    return pdb


@record(hot=True)
class _Context:
    src: SourceFile
    namespace: str | None
    partial: bool
    managed: set[str]
    objects: list[K8sObject]
    skaffold: set[str]


def _object(root: PNode, ctx: _Context, depth: int = 0) -> None:
    kind = _text(root.get("kind"))
    api = _text(root.get("apiVersion")) or ""
    if not kind:
        return
    if api.startswith("skaffold/"):
        ctx.skaffold |= _skaffold_images(root)
        return
    if kind in KUSTOMIZE_KINDS or api.startswith("kustomize.config.k8s.io"):
        return
    items = root.get("items")
    if kind == "List" or (kind.endswith("List") and items is not None and items.is_sequence):
        if depth < MAX_LIST_DEPTH:
            for item in _seq(items):
                if item.is_mapping:
                    _object(item, ctx, depth + 1)
        return
    meta = _map(root.get("metadata"))
    name_node = meta.get("name") if meta is not None else None
    name = _text(name_node) or ""
    if not name and meta is not None:
        name = _text(meta.get("generateName")) or ""
    obj = K8sObject(
        kind,
        api,
        name,
        ctx.src.path,
        root.location,
        namespace=(_text(meta.get("namespace")) if meta is not None else None) or ctx.namespace,
        name_location=name_node.location if name_node is not None else root.key_location("kind"),
        labels=_str_dict(meta.get("labels") if meta is not None else None),
        annotations=_str_dict(meta.get("annotations") if meta is not None else None),
        partial=ctx.partial,
    )
    spec = _map(root.get("spec"))
    if kind == "Service":
        obj.service = _service(spec, root.location)
    elif kind == "Ingress":
        obj.ingress_backends = _ingress(spec)
        obj.tls = bool(_seq(spec.get("tls") if spec is not None else None))
    elif kind == "PersistentVolumeClaim":
        obj.access_modes = _str_list(spec.get("accessModes")) if spec is not None else None
    elif kind in ROUTE_KINDS and api.startswith("gateway.networking.k8s.io"):
        obj.ingress_backends = _route_backends(spec, obj.namespace)
    elif kind == "ConfigMap":
        data = _map(root.get("data"))
        obj.config_data = {}
        if data is not None:
            for key, value in data.pairs():
                text = _text(value)
                if isinstance(key, str) and text is not None:
                    obj.config_data[key] = (text, value.location)
    elif kind == "HorizontalPodAutoscaler":
        obj.hpa = _hpa(spec, root.location)
    elif kind == "PodDisruptionBudget":
        obj.pdb = _pdb(spec)
    else:
        obj.workload = _workload(kind, root, spec, ctx.managed)
    ctx.objects.append(obj)


def objects_from_documents(
    docs: Iterable[tuple[PNode, SourceFile]], group: str, *, partial: bool, managed: set[str]
) -> tuple[list[K8sObject], list[LoadError]]:
    """Objects of documents rendered elsewhere (loaders/kustomize.py): their nodes keep the
    locations of the files that set them; `file` is `group` (the root kustomization), so
    the objects of one render are matched with each other, not with another overlay's."""
    objects: list[K8sObject] = []
    errors: list[LoadError] = []
    for doc, src in docs:
        ctx = _Context(src, None, partial, managed, objects, set())
        try:
            _object(doc, ctx)
        except (AttributeError, TypeError, ValueError) as exc:  # defensive: odd shapes
            errors.append(
                LoadError(
                    src.path, f"unreadable Kubernetes object: {exc}", "invalid", doc.location.line
                )
            )
    for obj in objects:
        obj.file = group
    return objects, errors


def load_kubernetes(
    sources: list[SourceFile], reader: SourceReader, kustomize: KustomizeResult | None = None
) -> tuple[list[K8sObject], list[LoadError]]:
    """Every object of the Kubernetes manifests in `sources`. Root kustomizations are
    rendered (`kustomize`, else computed here): the files they render are not read on their
    own; skaffold configs give the images they build; Helm templates and patch files are
    skipped quietly. Never raises."""
    objects: list[K8sObject] = []
    errors: list[LoadError] = []
    if kustomize is None:
        from infradoctor.loaders.kustomize import render_kustomizations

        kustomize = render_kustomizations(sources, reader)
        errors.extend(kustomize.errors)
    try:
        kustomizations, _extra = _find_kustomizations(sources, reader, kustomize.trees)
    except OSError:
        kustomizations = {}
    patch_files: set[str] = set()
    managed: set[str] = set()
    for k in kustomizations.values():
        patch_files |= k.patch_files
        managed |= k.images
    skaffold: set[str] = set()
    built: list[K8sObject] = []  # each document's objects are built as soon as it is read
    object_errors: list[LoadError] = []
    for src in sources:
        if src.path in patch_files or src.path in kustomize.consumed:
            continue
        if is_helm_template(src.text):
            continue
        if Path(src.path).name in KUSTOMIZATION_NAMES:
            root, errs = load_positioned_shared(src)
            errors.extend(errs)
            continue
        ctx = _file_context(src, kustomizations, managed, built)

        def read(doc: PNode | None, ctx: _Context = ctx) -> None:
            if doc is None or not doc.is_mapping:
                return
            if (_text(doc.get("apiVersion")) or "").startswith("skaffold/"):
                skaffold.update(_skaffold_images(doc))
            try:
                _object(doc, ctx)
            except (AttributeError, TypeError, ValueError) as exc:  # defensive: odd shapes
                loc = doc.location
                message = f"unreadable Kubernetes object: {exc}"
                object_errors.append(
                    LoadError(ctx.src.path, message, "invalid", loc.line, loc.column)
                )

        errors.extend(manifest_documents(load_positioned_all, src, read))
    errors.extend(object_errors)
    if skaffold - managed:
        # images a skaffold config later in the stream builds: as if known from the start
        managed |= skaffold
        for c in (
            c for o in built for c in o.containers + (o.pod.init_containers if o.pod else [])
        ):
            if c.image:
                c.image_managed = _is_managed(c.image, managed)
    objects.extend(built)
    for rendered in kustomize.roots:
        found, errs = objects_from_documents(
            ((r.node, r.src) for r in rendered.resources),
            rendered.path,
            partial=rendered.partial,
            managed=managed,
        )
        for c in (
            c for o in found for c in o.containers + (o.pod.init_containers if o.pod else [])
        ):
            if c.image_location is not None and c.image_location.file in kustomize.kustomizations:
                c.image_managed = False  # set by this render's `images:`: its last word
        objects.extend(found)
        errors.extend(errs)
    return objects, errors


def load_rendered_documents(
    src: SourceFile, docs: list[PNode | None]
) -> tuple[list[K8sObject], list[LoadError]]:
    """The objects of already-rendered documents (`helm template` output): final, so no
    kustomize facts apply. Locations point into `src`; the caller maps them back."""
    objects: list[K8sObject] = []
    errors: list[LoadError] = []
    ctx = _Context(src, None, False, set(), objects, set())
    for doc in docs:
        if doc is None or not doc.is_mapping:
            continue
        try:
            _object(doc, ctx)
        except (AttributeError, TypeError, ValueError) as exc:  # defensive: odd shapes
            errors.append(
                LoadError(
                    src.path, f"unreadable Kubernetes object: {exc}", "invalid", doc.location.line
                )
            )
    return objects, errors


__all__ = [
    "Kustomization",
    "image_repository",
    "is_helm_template",
    "load_kubernetes",
    "load_rendered_documents",
    "objects_from_documents",
]
