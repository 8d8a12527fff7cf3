"""The Kubernetes part of the stack model: workloads with their pod templates, Services,
Ingresses, HPAs and PDBs read from plain manifests, every fact with its source location.
Built by loaders/kubernetes.py; read by rules/kubernetes. Pure data, no I/O."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import field
from typing import Any

from infradoctor.model.source import Location
from infradoctor.records import record

WORKLOAD_KINDS = frozenset(
    {
        "Deployment",
        "StatefulSet",
        "DaemonSet",
        "ReplicaSet",
        "ReplicationController",
        "Job",
        "CronJob",
        "Pod",
    }
)
# Kinds whose pods are expected to finish: no Service traffic, no readiness needed.
BATCH_KINDS = frozenset({"Job", "CronJob"})


@record(hot=True)
class ContainerPort:
    number: int | None  # containerPort
    name: str | None
    protocol: str  # TCP | UDP | SCTP
    location: Location


@record(hot=True)
class Probe:
    """A readiness/liveness/startup probe. `port` is an int, a port name, or None (exec)."""

    kind: str  # readiness | liveness | startup
    handler: str  # httpGet | tcpSocket | grpc | exec | unknown
    port: int | str | None
    location: Location  # the probe key (readinessProbe:)
    port_location: Location | None = None
    command: list[str] | None = None  # exec.command
    command_location: Location | None = None
    timing: dict[str, int] = field(default_factory=dict)  # timeoutSeconds, periodSeconds, ...
    timing_locations: dict[str, Location] = field(default_factory=dict)
    signature: str = ""  # the probe's whole mapping, to compare two probes
    action: Any = None  # the handler's value as loaded ({path, port, ...}), for fixes to copy


@record(hot=True)
class K8sEnv:
    name: str
    value: str | None  # literal value; None with valueFrom or when absent
    value_from: bool
    location: Location
    config_map_key: tuple[str, str] | None = None  # valueFrom.configMapKeyRef (name, key)


@record(hot=True)
class Container:
    name: str
    location: Location  # the container's mapping (its first key)
    image: str | None = None
    image_location: Location | None = None
    image_managed: bool = False  # tag set by kustomize `images:` or a skaffold artifact
    init: bool = False  # an initContainer
    ports: list[ContainerPort] = field(default_factory=list)
    probes: dict[str, Probe] = field(default_factory=dict)  # kind -> probe
    requests: dict[str, str] = field(default_factory=dict)  # cpu/memory -> quantity
    limits: dict[str, str] = field(default_factory=dict)
    resource_locations: dict[str, Location] = field(default_factory=dict)  # "limits.memory"
    env: list[K8sEnv] = field(default_factory=list)
    env_from_config_maps: list[str] = field(default_factory=list)  # envFrom configMapRef
    command: list[str] | None = None
    args: list[str] | None = None
    command_location: Location | None = None
    args_location: Location | None = None
    security_context: dict[str, Any] = field(default_factory=dict)
    # where `securityContext` and its hardening keys are written ("securityContext" is
    # the key itself; "capabilities.drop" the drop list): the lines a user edits
    security_locations: dict[str, Location] = field(default_factory=dict)
    image_pull_policy: str | None = None
    image_pull_policy_location: Location | None = None

    def port_named(self, name: str) -> ContainerPort | None:
        for p in self.ports:
            if p.name == name:
                return p
        return None

    def exposes(self, number: int) -> bool:
        return any(p.number == number for p in self.ports)

    @property
    def resources_location(self) -> Location:
        return self.resource_locations.get("resources", self.location)


@record(hot=True)
class PodTemplate:
    labels: dict[str, str]
    location: Location  # the template (or the Pod's spec)
    labels_location: Location | None = None
    containers: list[Container] = field(default_factory=list)
    init_containers: list[Container] = field(default_factory=list)
    security_context: dict[str, Any] = field(default_factory=dict)
    security_locations: dict[str, Location] = field(default_factory=dict)  # as Container's
    host_paths: list[tuple[str, Location]] = field(default_factory=list)  # volumes' hostPath
    # hostNetwork / hostPID / hostIPC set to true -> the value's location
    host_namespaces: dict[str, Location] = field(default_factory=dict)

    def port_named(self, name: str) -> tuple[Container, ContainerPort] | None:
        for c in self.containers:
            p = c.port_named(name)
            if p is not None:
                return c, p
        return None

    def exposes(self, number: int) -> bool:
        return any(c.exposes(number) for c in self.containers)

    @property
    def declares_ports(self) -> bool:
        return any(c.ports for c in self.containers)


@record(hot=True)
class LabelSelector:
    """A label selector: Service `selector` (match_labels only) or a workload/PDB
    `selector` with matchLabels and matchExpressions."""

    match_labels: dict[str, str]
    location: Location
    match_expressions: list[tuple[str, str, tuple[str, ...]]] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.match_labels and not self.match_expressions

    def matches(self, labels: Mapping[str, str]) -> bool:
        for key, value in self.match_labels.items():
            if labels.get(key) != value:
                return False
        for key, op, values in self.match_expressions:
            present = key in labels
            if op == "In" and not (present and labels[key] in values):
                return False
            if op == "NotIn" and present and labels[key] in values:
                return False
            if op == "Exists" and not present:
                return False
            if op == "DoesNotExist" and present:
                return False
        return True


@record(hot=True)
class WorkloadSpec:
    pod: PodTemplate
    replicas: int | None = None  # None: not set (1 for Deployment/StatefulSet)
    replicas_location: Location | None = None
    selector: LabelSelector | None = None
    strategy: str | None = None  # Deployment strategy.type (None: not set, RollingUpdate)
    strategy_location: Location | None = None
    max_unavailable: int | str | None = None  # rollingUpdate.maxUnavailable
    max_unavailable_location: Location | None = None
    claims: list[tuple[str, Location]] = field(default_factory=list)  # volumes' PVC names
    # Job/CronJob settings that are set: concurrencyPolicy, startingDeadlineSeconds,
    # backoffLimit -> the value's location (the values themselves are not needed)
    job_settings: dict[str, Location] = field(default_factory=dict)


@record(hot=True)
class ServicePort:
    port: int | None
    target_port: int | str | None  # None: same as `port`
    name: str | None
    protocol: str
    location: Location
    target_location: Location | None = None
    node_port: int | None = None
    node_port_location: Location | None = None

    @property
    def effective_target(self) -> int | str | None:
        return self.target_port if self.target_port is not None else self.port


@record(hot=True)
class ServiceSpec:
    type: str  # ClusterIP | NodePort | LoadBalancer | ExternalName
    selector: LabelSelector | None  # None: no selector (manual Endpoints / ExternalName)
    ports: list[ServicePort] = field(default_factory=list)
    headless: bool = False
    publish_not_ready: bool = False


@record
class IngressBackend:
    service: str
    port: int | str | None  # number or name; None when missing
    location: Location
    port_location: Location | None = None
    path: str | None = None


@record
class HpaSpec:
    target_kind: str | None
    target_name: str | None
    location: Location  # scaleTargetRef's name (else scaleTargetRef, else the object)
    min_replicas: int | None = None
    max_replicas: int | None = None
    min_replicas_location: Location | None = None  # the minReplicas value
    max_replicas_location: Location | None = None
    # resources scaled on Utilization (a percentage of the pods' requests): cpu, memory
    resource_metrics: list[str] = field(default_factory=list)


@record
class PdbSpec:
    selector: LabelSelector | None
    min_available: int | str | None = None
    max_unavailable: int | str | None = None
    location: Location | None = None  # the minAvailable / maxUnavailable value


@record(hot=True)
class K8sObject:
    """One object of a manifest. `partial` marks objects whose final shape is decided
    elsewhere (in a kustomize directory with patches): single-object facts are still
    true of them, cross-object matches are not certain."""

    kind: str
    api_version: str
    name: str
    file: str
    location: Location  # the object's mapping
    namespace: str | None = None  # explicit or from the directory's kustomization
    name_location: Location | None = None
    labels: dict[str, str] = field(default_factory=dict)
    annotations: dict[str, str] = field(default_factory=dict)
    partial: bool = False
    workload: WorkloadSpec | None = None
    service: ServiceSpec | None = None
    # set for Ingress and Gateway API routes (HTTPRoute backendRefs, ...)
    ingress_backends: list[IngressBackend] | None = None
    hpa: HpaSpec | None = None
    pdb: PdbSpec | None = None
    config_data: dict[str, tuple[str, Location]] | None = None  # ConfigMap data: key -> value
    access_modes: list[str] | None = None  # PersistentVolumeClaim spec.accessModes
    tls: bool = False  # an Ingress with spec.tls entries

    @property
    def ref(self) -> str:
        """`Deployment/web` (with the namespace when known: `Deployment/shop/web`)."""
        if self.namespace:
            return f"{self.kind}/{self.namespace}/{self.name}"
        return f"{self.kind}/{self.name}"

    @property
    def directory(self) -> str:
        return self.file.rsplit("/", 1)[0] if "/" in self.file else "."

    def same_namespace(self, other: K8sObject) -> bool:
        """Lenient: an object without a namespace goes wherever `kubectl -n` sends it."""
        return (
            self.namespace is None or other.namespace is None or (self.namespace == other.namespace)
        )

    @property
    def pod(self) -> PodTemplate | None:
        return self.workload.pod if self.workload is not None else None

    @property
    def containers(self) -> list[Container]:
        return self.workload.pod.containers if self.workload is not None else []


def nearest(subject: K8sObject, candidates: list[K8sObject]) -> list[K8sObject]:
    """The candidates closest to `subject` in the file tree: those in the same file, else
    the same directory, else the nearest common ancestor directory. Repositories hold several
    copies of one app (base, release bundle, overlays); the closest copy is the one that
    is applied together with `subject`."""
    if not candidates:
        return []
    same_file = [c for c in candidates if c.file == subject.file]
    if same_file:
        return same_file
    return nearest_to_path(subject.file, candidates)


def nearest_to_path(path: str, candidates: list[K8sObject]) -> list[K8sObject]:
    """The candidates in `path`'s directory, else in the nearest ancestor directory that
    holds any (all of them when none is nearer)."""
    parts = path.split("/")[:-1]
    for depth in range(len(parts), -1, -1):
        prefix = "/".join(parts[:depth])
        found = [c for c in candidates if not prefix or c.file.startswith(prefix + "/")]
        if found:
            return found
    return candidates


def workloads(objects: list[K8sObject]) -> Iterator[K8sObject]:
    for obj in objects:
        if obj.workload is not None:
            yield obj


def services(objects: list[K8sObject]) -> Iterator[K8sObject]:
    for obj in objects:
        if obj.service is not None:
            yield obj


__all__ = [
    "BATCH_KINDS",
    "WORKLOAD_KINDS",
    "Container",
    "ContainerPort",
    "HpaSpec",
    "IngressBackend",
    "K8sEnv",
    "K8sObject",
    "LabelSelector",
    "PdbSpec",
    "PodTemplate",
    "Probe",
    "ServicePort",
    "ServiceSpec",
    "WorkloadSpec",
    "nearest",
    "services",
    "workloads",
]
