"""Typed Kubernetes evidence: the objects the analyzers read, parsed once from the bundle's
`kube/<resource>.json` Lists, with the indexes the joins need (pod by IP, pod -> ReplicaSet
-> Deployment, Service by cluster IP, Service -> ready endpoints, events by object).

Parsing never raises on odd input: missing fields become None/empty."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from infradoctor.diagnose.errorlog import iso_time as _iso_time
from infradoctor.diagnose.evidence import Bundle
from infradoctor.diagnose.kube import layout
from infradoctor.syntax.jsondoc import loads_bounded

CLUSTER_KINDS = frozenset({"Node", "PersistentVolume", "Namespace", "StorageClass", "ClusterRole"})
# RFC 3339 stamps repeat across thousands of objects: parse each distinct one once
iso_time = functools.lru_cache(maxsize=16384)(_iso_time)
WORKLOAD_KINDS = ("Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob")


def _d(obj: Any) -> dict[str, Any]:
    return obj if isinstance(obj, dict) else {}


def _l(obj: Any) -> list[Any]:
    return obj if isinstance(obj, list) else []


def _s(obj: Any) -> str | None:
    return None if obj is None else str(obj)


def _i(obj: Any, default: int = 0) -> int:
    try:
        return int(obj)
    except (TypeError, ValueError):
        return default


def _labels(obj: Any) -> dict[str, str]:
    return {str(k): str(v) for k, v in _d(obj).items()}


@dataclass(frozen=True, slots=True)
class Ref:
    kind: str
    namespace: str
    name: str

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.name}" if self.namespace else self.name

    def __str__(self) -> str:
        return f"{self.kind} {self.key}"


@dataclass(frozen=True, slots=True)
class Probe:
    kind: str  # httpGet | tcpSocket | exec | grpc
    port: str | None
    path: str | None
    text: str  # "httpGet :8080/healthz"


@dataclass(frozen=True, slots=True)
class EnvVar:
    name: str
    value: str | None  # literal value (already redacted when secret-named)
    source: str | None  # "secretKeyRef db-credentials/password", "configMapKeyRef ..."


@dataclass(slots=True)
class ContainerSpec:
    name: str
    image: str
    ports: dict[str, int] = field(default_factory=dict)  # name (or str(port)) -> port
    env: list[EnvVar] = field(default_factory=list)
    env_from: list[str] = field(default_factory=list)  # "secretRef db", "configMapRef app"
    argv: list[str] = field(default_factory=list)  # command + args
    memory_limit: str | None = None
    memory_request: str | None = None
    readiness: Probe | None = None
    liveness: Probe | None = None

    @property
    def port_numbers(self) -> set[int]:
        return set(self.ports.values())


@dataclass(slots=True)
class ContainerStatus:
    name: str
    ready: bool
    restart_count: int
    state: str  # running | waiting | terminated | unknown
    reason: str | None = None
    message: str | None = None
    exit_code: int | None = None
    started_at: float | None = None
    finished_at: float | None = None
    last_reason: str | None = None
    last_exit_code: int | None = None
    last_started_at: float | None = None
    last_finished_at: float | None = None
    last_message: str | None = None
    image: str | None = None
    init: bool = False


@dataclass(slots=True)
class Condition:
    type: str
    status: str
    reason: str | None = None
    message: str | None = None
    last_transition: float | None = None


@dataclass(slots=True)
class Pod:
    namespace: str
    name: str
    labels: dict[str, str]
    annotations: dict[str, str]
    owner: Ref | None
    node: str | None
    ip: str | None
    ips: list[str]
    phase: str | None
    reason: str | None
    message: str | None
    conditions: dict[str, Condition]
    containers: list[ContainerSpec]
    statuses: list[ContainerStatus]
    created: float | None
    deleted: bool = False

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.name}"

    @property
    def ready(self) -> bool:
        c = self.conditions.get("Ready")
        return c is not None and c.status == "True"

    @property
    def finished(self) -> bool:
        return self.phase in ("Succeeded",)

    def status_of(self, container: str) -> ContainerStatus | None:
        for s in self.statuses:
            if s.name == container:
                return s
        return None

    def spec_of(self, container: str) -> ContainerSpec | None:
        for c in self.containers:
            if c.name == container:
                return c
        return None


@dataclass(slots=True)
class ReplicaSet:
    namespace: str
    name: str
    labels: dict[str, str]
    owner: Ref | None
    replicas: int
    ready: int
    available: int
    revision: int
    created: float | None


@dataclass(slots=True)
class Workload:
    kind: str
    namespace: str
    name: str
    labels: dict[str, str]
    annotations: dict[str, str]
    selector: dict[str, str]
    replicas: int
    ready: int
    updated: int
    available: int
    unavailable: int
    conditions: dict[str, Condition]
    containers: list[ContainerSpec]
    revision: int
    created: float | None

    @property
    def ref(self) -> Ref:
        return Ref(self.kind, self.namespace, self.name)

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.name}"

    @property
    def helm_release(self) -> str | None:
        """The Helm release that owns it (annotation, else the instance label of a chart
        managed by Helm)."""
        name = self.annotations.get("meta.helm.sh/release-name")
        if name:
            return name
        if (
            self.labels.get("app.kubernetes.io/managed-by") == "Helm"
            or "helm.sh/chart" in self.labels
        ):
            return self.labels.get("app.kubernetes.io/instance") or self.labels.get("release")
        return self.labels.get("release") if "chart" in self.labels else None


@dataclass(slots=True)
class ServicePort:
    name: str | None
    port: int
    target: str  # number or port name as text
    protocol: str


@dataclass(slots=True)
class Service:
    namespace: str
    name: str
    type: str
    selector: dict[str, str]
    cluster_ips: list[str]
    ports: list[ServicePort]
    external_name: str | None = None

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.name}"


@dataclass(slots=True)
class Endpoint:
    addresses: list[str]
    ready: bool
    pod: str | None  # ns/name of the targetRef pod
    node: str | None


@dataclass(slots=True)
class EndpointSlice:
    namespace: str
    name: str
    service: str | None
    endpoints: list[Endpoint]
    ports: list[int]


@dataclass(slots=True)
class Event:
    namespace: str
    kind: str
    name: str
    type: str
    reason: str
    message: str
    count: int
    first: float | None
    last: float | None
    component: str | None
    index: int  # position in events.json (stable order)

    @property
    def object_key(self) -> str:
        return f"{self.namespace}/{self.name}" if self.namespace else self.name

    def text(self) -> str:
        when = ""
        if self.count > 1 and self.first is not None and self.last is not None:
            when = f" (x{self.count} over {_span(self.last - self.first)})"
        elif self.count > 1:
            when = f" (x{self.count})"
        return f"{self.type} {self.reason}{when} {self.kind} {self.object_key}: {self.message}"


def _span(seconds: float) -> str:
    s = max(0, int(seconds))
    if s < 120:
        return f"{s}s"
    if s < 7200:
        return f"{s // 60}m"
    return f"{s // 3600}h{(s % 3600) // 60}m"


@dataclass(slots=True)
class Node:
    name: str
    conditions: dict[str, Condition]
    taints: list[str]
    unschedulable: bool
    allocatable_memory: str | None
    heartbeat: float | None

    @property
    def ready(self) -> bool:
        c = self.conditions.get("Ready")
        return c is not None and c.status == "True"

    @property
    def pressures(self) -> list[Condition]:
        return [
            c
            for t, c in self.conditions.items()
            if t in ("DiskPressure", "MemoryPressure", "PIDPressure") and c.status == "True"
        ]


@dataclass(slots=True)
class IngressBackend:
    host: str | None
    path: str | None
    service: str  # service name (same namespace)
    port: str | None


@dataclass(slots=True)
class Ingress:
    namespace: str
    name: str
    backends: list[IngressBackend]

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.name}"


@dataclass(slots=True)
class HPA:
    namespace: str
    name: str
    target: Ref | None
    min_replicas: int
    max_replicas: int
    current: int
    desired: int
    conditions: dict[str, Condition]


@dataclass(slots=True)
class PVC:
    namespace: str
    name: str
    phase: str | None
    storage_class: str | None


@dataclass(slots=True)
class LogFile:
    namespace: str
    pod: str
    container: str
    previous: bool
    path: str  # bundle member
    text: str


# ------------------------------------------------------------------ parsing


def _conditions(items: Any) -> dict[str, Condition]:
    out: dict[str, Condition] = {}
    for c in _l(items):
        c = _d(c)
        if not c.get("type"):
            continue
        out[str(c["type"])] = Condition(
            str(c["type"]),
            str(c.get("status", "Unknown")),
            _s(c.get("reason")),
            _s(c.get("message")),
            iso_time(_s(c.get("lastTransitionTime")) or _s(c.get("lastUpdateTime"))),
        )
    return out


def _owner(meta: dict[str, Any]) -> Ref | None:
    ns = str(meta.get("namespace") or "")
    refs = _l(meta.get("ownerReferences"))
    chosen = next((r for r in refs if _d(r).get("controller")), refs[0] if refs else None)
    if not chosen:
        return None
    r = _d(chosen)
    return Ref(str(r.get("kind", "")), ns, str(r.get("name", "")))


def _probe(obj: Any) -> Probe | None:
    p = _d(obj)
    if not p:
        return None
    if "httpGet" in p:
        h = _d(p["httpGet"])
        port = _s(h.get("port"))
        path = _s(h.get("path")) or "/"
        return Probe("httpGet", port, path, f"httpGet :{port}{path}")
    if "tcpSocket" in p:
        port = _s(_d(p["tcpSocket"]).get("port"))
        return Probe("tcpSocket", port, None, f"tcpSocket :{port}")
    if "grpc" in p:
        port = _s(_d(p["grpc"]).get("port"))
        return Probe("grpc", port, None, f"grpc :{port}")
    if "exec" in p:
        cmd = " ".join(str(x) for x in _l(_d(p["exec"]).get("command")))
        return Probe("exec", None, None, f"exec {cmd}")
    return None


def _container(obj: Any) -> ContainerSpec:
    c = _d(obj)
    ports: dict[str, int] = {}
    for p in _l(c.get("ports")):
        p = _d(p)
        n = _i(p.get("containerPort"), -1)
        if n > 0:
            ports[str(p.get("name") or n)] = n
    env: list[EnvVar] = []
    for e in _l(c.get("env")):
        e = _d(e)
        src = None
        vf = _d(e.get("valueFrom"))
        if vf:
            (kind, ref), *_ = list(vf.items()) or [("", {})]
            ref = _d(ref)
            src = f"{kind} {ref.get('name', '')}/{ref.get('key', '')}".rstrip("/")
        env.append(EnvVar(str(e.get("name", "")), _s(e.get("value")), src))
    env_from: list[str] = []
    for e in _l(c.get("envFrom")):
        for kind, ref in _d(e).items():
            if kind in ("secretRef", "configMapRef"):
                env_from.append(f"{kind} {_d(ref).get('name', '')}")
    res = _d(c.get("resources"))
    return ContainerSpec(
        name=str(c.get("name", "")),
        image=str(c.get("image", "")),
        ports=ports,
        env=env,
        env_from=env_from,
        argv=[str(x) for x in _l(c.get("command")) + _l(c.get("args"))],
        memory_limit=_s(_d(res.get("limits")).get("memory")),
        memory_request=_s(_d(res.get("requests")).get("memory")),
        readiness=_probe(c.get("readinessProbe")),
        liveness=_probe(c.get("livenessProbe")),
    )


def _status(obj: Any, init: bool = False) -> ContainerStatus:
    s = _d(obj)
    state = _d(s.get("state"))
    last = _d(_d(s.get("lastState")).get("terminated"))
    kind = next(iter(state), "unknown") if state else "unknown"
    cur = _d(state.get(kind))
    return ContainerStatus(
        name=str(s.get("name", "")),
        ready=bool(s.get("ready")),
        restart_count=_i(s.get("restartCount")),
        state=kind,
        reason=_s(cur.get("reason")),
        message=_s(cur.get("message")),
        exit_code=_i(cur["exitCode"]) if "exitCode" in cur else None,
        started_at=iso_time(_s(cur.get("startedAt"))),
        finished_at=iso_time(_s(cur.get("finishedAt"))),
        last_reason=_s(last.get("reason")),
        last_exit_code=_i(last["exitCode"]) if "exitCode" in last else None,
        last_started_at=iso_time(_s(last.get("startedAt"))),
        last_finished_at=iso_time(_s(last.get("finishedAt"))),
        last_message=_s(last.get("message")),
        image=_s(s.get("image")),
        init=init,
    )


def parse_pod(obj: Any) -> Pod:
    o = _d(obj)
    meta, spec, st = _d(o.get("metadata")), _d(o.get("spec")), _d(o.get("status"))
    statuses = [_status(x, True) for x in _l(st.get("initContainerStatuses"))]
    statuses += [_status(x) for x in _l(st.get("containerStatuses"))]
    ips = [str(_d(x).get("ip")) for x in _l(st.get("podIPs")) if _d(x).get("ip")]
    ip = _s(st.get("podIP")) or (ips[0] if ips else None)
    return Pod(
        namespace=str(meta.get("namespace") or "default"),
        name=str(meta.get("name", "")),
        labels=_labels(meta.get("labels")),
        annotations=_labels(meta.get("annotations")),
        owner=_owner(meta),
        node=_s(spec.get("nodeName")),
        ip=ip,
        ips=ips or ([ip] if ip else []),
        phase=_s(st.get("phase")),
        reason=_s(st.get("reason")),
        message=_s(st.get("message")),
        conditions=_conditions(st.get("conditions")),
        containers=[
            _container(c) for c in _l(spec.get("initContainers")) + _l(spec.get("containers"))
        ],
        statuses=statuses,
        created=iso_time(_s(meta.get("creationTimestamp"))),
        deleted=bool(meta.get("deletionTimestamp")),
    )


def _selector(obj: Any) -> dict[str, str]:
    sel = _d(obj)
    if "matchLabels" in sel or "matchExpressions" in sel:
        return _labels(sel.get("matchLabels"))
    return _labels(sel)


def parse_workload(obj: Any, kind: str) -> Workload:
    o = _d(obj)
    meta, spec, st = _d(o.get("metadata")), _d(o.get("spec")), _d(o.get("status"))
    tpl = _d(_d(spec.get("template")).get("spec"))
    ann = _labels(meta.get("annotations"))
    ann.pop("kubectl.kubernetes.io/last-applied-configuration", None)
    if kind == "DaemonSet":
        replicas = _i(st.get("desiredNumberScheduled"))
        ready = _i(st.get("numberReady"))
        updated = _i(st.get("updatedNumberScheduled"))
        available = _i(st.get("numberAvailable"))
    else:
        replicas = _i(spec.get("replicas"), 1)
        ready = _i(st.get("readyReplicas"))
        updated = _i(st.get("updatedReplicas"))
        available = _i(st.get("availableReplicas"))
    return Workload(
        kind=kind,
        namespace=str(meta.get("namespace") or "default"),
        name=str(meta.get("name", "")),
        labels=_labels(meta.get("labels")),
        annotations=ann,
        selector=_selector(spec.get("selector")),
        replicas=replicas,
        ready=ready,
        updated=updated,
        available=available,
        unavailable=_i(st.get("unavailableReplicas")),
        conditions=_conditions(st.get("conditions")),
        containers=[_container(c) for c in _l(tpl.get("containers"))],
        revision=_i(ann.get("deployment.kubernetes.io/revision")),
        created=iso_time(_s(meta.get("creationTimestamp"))),
    )


def parse_replicaset(obj: Any) -> ReplicaSet:
    o = _d(obj)
    meta, spec, st = _d(o.get("metadata")), _d(o.get("spec")), _d(o.get("status"))
    return ReplicaSet(
        namespace=str(meta.get("namespace") or "default"),
        name=str(meta.get("name", "")),
        labels=_labels(meta.get("labels")),
        owner=_owner(meta),
        replicas=_i(spec.get("replicas")),
        ready=_i(st.get("readyReplicas")),
        available=_i(st.get("availableReplicas")),
        revision=_i(_d(meta.get("annotations")).get("deployment.kubernetes.io/revision")),
        created=iso_time(_s(meta.get("creationTimestamp"))),
    )


def parse_service(obj: Any) -> Service:
    o = _d(obj)
    meta, spec = _d(o.get("metadata")), _d(o.get("spec"))
    ips = [str(x) for x in _l(spec.get("clusterIPs")) if x and x != "None"]
    if not ips and spec.get("clusterIP") and spec.get("clusterIP") != "None":
        ips = [str(spec["clusterIP"])]
    ports = []
    for p in _l(spec.get("ports")):
        p = _d(p)
        port = _i(p.get("port"))
        ports.append(
            ServicePort(
                _s(p.get("name")),
                port,
                str(p.get("targetPort", port)),
                str(p.get("protocol", "TCP")),
            )
        )
    return Service(
        namespace=str(meta.get("namespace") or "default"),
        name=str(meta.get("name", "")),
        type=str(spec.get("type", "ClusterIP")),
        selector=_labels(spec.get("selector")),
        cluster_ips=ips,
        ports=ports,
        external_name=_s(spec.get("externalName")),
    )


def parse_endpointslice(obj: Any) -> EndpointSlice:
    o = _d(obj)
    meta = _d(o.get("metadata"))
    ns = str(meta.get("namespace") or "default")
    eps = []
    for e in _l(o.get("endpoints")):
        e = _d(e)
        cond = _d(e.get("conditions"))
        ref = _d(e.get("targetRef"))
        pod = f"{ref.get('namespace') or ns}/{ref['name']}" if ref.get("kind") == "Pod" else None
        eps.append(
            Endpoint(
                [str(a) for a in _l(e.get("addresses"))],
                cond.get("ready") is not False,  # nil means ready (API reference)
                pod,
                _s(e.get("nodeName")),
            )
        )
    return EndpointSlice(
        namespace=ns,
        name=str(meta.get("name", "")),
        service=_s(_d(meta.get("labels")).get("kubernetes.io/service-name")),
        endpoints=eps,
        ports=[_i(_d(p).get("port")) for p in _l(o.get("ports"))],
    )


def parse_event(obj: Any, index: int) -> Event:
    o = _d(obj)
    meta, inv = _d(o.get("metadata")), _d(o.get("involvedObject") or o.get("regarding"))
    series = _d(o.get("series"))
    count = _i(o.get("count") or series.get("count"), 1)
    first = iso_time(_s(o.get("firstTimestamp"))) or iso_time(_s(o.get("eventTime")))
    last = (
        iso_time(_s(series.get("lastObservedTime")))
        or iso_time(_s(o.get("lastTimestamp")))
        or iso_time(_s(o.get("eventTime")))
        or first
    )
    return Event(
        namespace=str(
            inv.get("namespace")
            or ("" if inv.get("kind") in CLUSTER_KINDS else meta.get("namespace"))
            or ""
        ),
        kind=str(inv.get("kind", "")),
        name=str(inv.get("name", "")),
        type=str(o.get("type", "Normal")),
        reason=str(o.get("reason", "")),
        message=str(o.get("message") or o.get("note") or "").strip(),
        count=max(1, count),
        first=first,
        last=last,
        component=_s(_d(o.get("source")).get("component") or o.get("reportingComponent")),
        index=index,
    )


def parse_node(obj: Any) -> Node:
    o = _d(obj)
    meta, spec, st = _d(o.get("metadata")), _d(o.get("spec")), _d(o.get("status"))
    beats = [iso_time(_s(_d(c).get("lastHeartbeatTime"))) for c in _l(st.get("conditions"))]
    taints = [f"{_d(t).get('key')}:{_d(t).get('effect')}" for t in _l(spec.get("taints"))]
    return Node(
        name=str(meta.get("name", "")),
        conditions=_conditions(st.get("conditions")),
        taints=taints,
        unschedulable=bool(spec.get("unschedulable")),
        allocatable_memory=_s(_d(st.get("allocatable")).get("memory")),
        heartbeat=max((b for b in beats if b is not None), default=None),
    )


def parse_ingress(obj: Any) -> Ingress:
    o = _d(obj)
    meta, spec = _d(o.get("metadata")), _d(o.get("spec"))
    backends: list[IngressBackend] = []

    def backend(b: Any, host: str | None, path: str | None) -> None:
        svc = _d(_d(b).get("service"))
        if svc.get("name"):
            port = _d(svc.get("port"))
            backends.append(
                IngressBackend(
                    host, path, str(svc["name"]), _s(port.get("number") or port.get("name"))
                )
            )
        elif _d(b).get("serviceName"):  # extensions/v1beta1
            backends.append(
                IngressBackend(host, path, str(_d(b)["serviceName"]), _s(_d(b).get("servicePort")))
            )

    if spec.get("defaultBackend") or spec.get("backend"):
        backend(spec.get("defaultBackend") or spec.get("backend"), None, None)
    for rule in _l(spec.get("rules")):
        rule = _d(rule)
        for p in _l(_d(rule.get("http")).get("paths")):
            p = _d(p)
            backend(p.get("backend"), _s(rule.get("host")), _s(p.get("path")))
    return Ingress(str(meta.get("namespace") or "default"), str(meta.get("name", "")), backends)


def parse_hpa(obj: Any) -> HPA:
    o = _d(obj)
    meta, spec, st = _d(o.get("metadata")), _d(o.get("spec")), _d(o.get("status"))
    ns = str(meta.get("namespace") or "default")
    ref = _d(spec.get("scaleTargetRef"))
    return HPA(
        namespace=ns,
        name=str(meta.get("name", "")),
        target=Ref(str(ref.get("kind", "")), ns, str(ref.get("name", ""))) if ref else None,
        min_replicas=_i(spec.get("minReplicas"), 1),
        max_replicas=_i(spec.get("maxReplicas")),
        current=_i(st.get("currentReplicas")),
        desired=_i(st.get("desiredReplicas")),
        conditions=_conditions(st.get("conditions")),
    )


def parse_pvc(obj: Any) -> PVC:
    o = _d(obj)
    meta, spec, st = _d(o.get("metadata")), _d(o.get("spec")), _d(o.get("status"))
    return PVC(
        str(meta.get("namespace") or "default"),
        str(meta.get("name", "")),
        _s(st.get("phase")),
        _s(spec.get("storageClassName")),
    )


# ------------------------------------------------------------------ the state


@dataclass(slots=True)
class KubeState:
    """Every object of the recording, plus the join indexes (built once)."""

    pods: list[Pod] = field(default_factory=list)
    services: list[Service] = field(default_factory=list)
    slices: list[EndpointSlice] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    nodes: list[Node] = field(default_factory=list)
    workloads: list[Workload] = field(default_factory=list)
    replicasets: list[ReplicaSet] = field(default_factory=list)
    ingresses: list[Ingress] = field(default_factory=list)
    hpas: list[HPA] = field(default_factory=list)
    pvcs: list[PVC] = field(default_factory=list)
    logs: dict[tuple[str, str, str, bool], LogFile] = field(default_factory=dict)
    present: set[str] = field(default_factory=set)  # resources that were recorded
    unreadable: list[str] = field(default_factory=list)  # resource files that were not JSON Lists
    cluster: dict[str, Any] = field(default_factory=dict)
    # indexes
    pod_by_key: dict[str, Pod] = field(default_factory=dict)
    pod_by_ip: dict[str, Pod] = field(default_factory=dict)
    rs_by_key: dict[str, ReplicaSet] = field(default_factory=dict)
    workload_by_ref: dict[tuple[str, str, str], Workload] = field(default_factory=dict)
    service_by_key: dict[str, Service] = field(default_factory=dict)
    service_by_ip: dict[str, Service] = field(default_factory=dict)
    slices_by_service: dict[str, list[EndpointSlice]] = field(default_factory=dict)
    events_by_object: dict[tuple[str, str], list[Event]] = field(default_factory=dict)
    node_by_name: dict[str, Node] = field(default_factory=dict)
    ref_by_pod: dict[str, Ref] = field(default_factory=dict)
    pods_by_ref: dict[Ref, list[Pod]] = field(default_factory=dict)
    pods_by_ns: dict[str, list[Pod]] = field(default_factory=dict)

    # -- joins ------------------------------------------------------------------
    def owner_chain(self, pod: Pod) -> list[Ref]:
        """pod -> ReplicaSet -> Deployment (as far as the recording shows)."""
        chain: list[Ref] = []
        ref = pod.owner
        seen = 0
        while ref is not None and seen < 4:
            chain.append(ref)
            seen += 1
            if ref.kind == "ReplicaSet":
                rs = self.rs_by_key.get(ref.key)
                ref = rs.owner if rs is not None else None
            else:
                break
        return chain

    def workload_ref(self, pod: Pod) -> Ref:
        """The top controller of a pod (Deployment for ReplicaSet pods even when the
        ReplicaSet is not in the recording: its name is the Deployment's + a hash)."""
        known = self.ref_by_pod.get(pod.key)
        if known is not None:
            return known
        return self._workload_ref(pod)

    def _workload_ref(self, pod: Pod) -> Ref:
        chain = self.owner_chain(pod)
        if not chain:
            return Ref("Pod", pod.namespace, pod.name)
        top = chain[-1]
        if top.kind == "ReplicaSet":
            template_hash = pod.labels.get("pod-template-hash")
            if template_hash and top.name.endswith("-" + template_hash):
                return Ref("Deployment", top.namespace, top.name[: -len(template_hash) - 1])
        return top

    def workload(self, ref: Ref) -> Workload | None:
        return self.workload_by_ref.get((ref.kind, ref.namespace, ref.name))

    def pods_of(self, ref: Ref) -> list[Pod]:
        return list(self.pods_by_ref.get(ref, []))

    def replicasets_of(self, ref: Ref) -> list[ReplicaSet]:
        return sorted(
            (
                rs
                for rs in self.replicasets
                if rs.owner is not None and rs.owner.kind == ref.kind and rs.owner.key == ref.key
            ),
            key=lambda rs: (rs.revision, rs.created or 0),
        )

    def selected_pods(self, svc: Service) -> list[Pod]:
        if not svc.selector:
            return []
        return [
            p
            for p in self.pods_by_ns.get(svc.namespace, [])
            if all(p.labels.get(k) == v for k, v in svc.selector.items())
        ]

    def endpoints_of(self, svc: Service) -> list[Endpoint]:
        return [e for s in self.slices_by_service.get(svc.key, []) for e in s.endpoints]

    def events_for(self, kind: str, key: str) -> list[Event]:
        return self.events_by_object.get((kind, key), [])

    def log(self, pod: Pod, container: str, previous: bool) -> LogFile | None:
        return self.logs.get((pod.namespace, pod.name, container, previous))

    def reference_time(self) -> float | None:
        """'Now' of the recording: the newest timestamp in it (node heartbeats, events,
        container state changes). Deterministic, so a recording analyzes the same on any
        day; a live collection has fresh heartbeats."""
        stamps: list[float] = []
        stamps += [n.heartbeat for n in self.nodes if n.heartbeat is not None]
        stamps += [e.last for e in self.events if e.last is not None]
        for p in self.pods:
            for s in p.statuses:
                stamps += [
                    x for x in (s.started_at, s.finished_at, s.last_finished_at) if x is not None
                ]
            stamps += [c.last_transition for c in p.conditions.values() if c.last_transition]
        return max(stamps) if stamps else None


class Unreadable(Exception):
    """A resource file that is not a kubectl JSON List."""


def _read_items(bundle: Bundle, resource: str) -> list[Any] | None:
    raw = bundle.read_bytes(layout.resource_path(resource))
    if raw is None:
        return None
    try:
        obj = loads_bounded(raw)
    except ValueError as exc:
        raise Unreadable(f"{resource}.json is not JSON ({exc})") from exc
    if isinstance(obj, dict):
        if "items" in obj:
            return _l(obj.get("items"))
        if isinstance(obj.get("metadata"), dict):
            return [obj]
        raise Unreadable(f"{resource}.json is not a kubectl List")
    if isinstance(obj, list):
        return obj
    raise Unreadable(f"{resource}.json is not a kubectl List")


def build_state(bundle: Bundle) -> KubeState:
    st = KubeState()
    st.cluster = _d(bundle.read_json(layout.CLUSTER, {}))

    def items(resource: str) -> Iterable[Any]:
        try:
            got = _read_items(bundle, resource)
        except Unreadable as exc:
            st.unreadable.append(str(exc))
            return []
        if got is not None:
            st.present.add(resource)
        return [x for x in got or [] if isinstance(x, dict)]

    st.pods = [parse_pod(o) for o in items("pods")]
    st.services = [parse_service(o) for o in items("services")]
    st.slices = [parse_endpointslice(o) for o in items("endpointslices")]
    st.events = [parse_event(o, i) for i, o in enumerate(items("events"))]
    st.nodes = [parse_node(o) for o in items("nodes")]
    for resource, kind in (
        ("deployments", "Deployment"),
        ("statefulsets", "StatefulSet"),
        ("daemonsets", "DaemonSet"),
    ):
        st.workloads += [parse_workload(o, kind) for o in items(resource)]
    st.replicasets = [parse_replicaset(o) for o in items("replicasets")]
    st.ingresses = [parse_ingress(o) for o in items("ingresses")]
    st.hpas = [parse_hpa(o) for o in items("horizontalpodautoscalers")]
    st.pvcs = [parse_pvc(o) for o in items("persistentvolumeclaims")]
    for path in bundle.glob("kube/logs/*/*/*.log"):
        parsed = layout.parse_log_path(path)
        if parsed is None:
            continue
        ns, pod, container, previous = parsed
        st.logs[parsed] = LogFile(ns, pod, container, previous, path, bundle.read_text(path) or "")
    # indexes
    for p in st.pods:
        st.pod_by_key[p.key] = p
        for ip in p.ips:
            # a running pod wins over a finished one that had the address before
            if ip not in st.pod_by_ip or p.phase == "Running":
                st.pod_by_ip[ip] = p
    st.rs_by_key = {f"{rs.namespace}/{rs.name}": rs for rs in st.replicasets}
    st.workload_by_ref = {(w.kind, w.namespace, w.name): w for w in st.workloads}
    for s in st.services:
        st.service_by_key[s.key] = s
        for ip in s.cluster_ips:
            st.service_by_ip[ip] = s
    for sl in st.slices:
        if sl.service:
            st.slices_by_service.setdefault(f"{sl.namespace}/{sl.service}", []).append(sl)
    for e in st.events:
        st.events_by_object.setdefault((e.kind, e.object_key), []).append(e)
    st.node_by_name = {n.name: n for n in st.nodes}
    for p in st.pods:
        ref = st._workload_ref(p)
        st.ref_by_pod[p.key] = ref
        st.pods_by_ref.setdefault(ref, []).append(p)
        st.pods_by_ns.setdefault(p.namespace, []).append(p)
    return st
