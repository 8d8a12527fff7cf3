"""Helpers shared by the Kubernetes rules (package-private): who selects whom, quantities,
JVM detection."""

from __future__ import annotations

import re
from collections.abc import Iterator

from infradoctor.facts.sizes import k8s_size
from infradoctor.lazyre import lazy
from infradoctor.model.k8s import BATCH_KINDS, Container, K8sObject, nearest
from infradoctor.model.source import Location
from infradoctor.model.stack import Stack
from infradoctor.runmemo import per_run
from infradoctor.syntax.numbers import k8s_quantity

JVM_ENV = frozenset(
    {
        "JAVA_OPTS",
        "JAVA_TOOL_OPTIONS",
        "JDK_JAVA_OPTIONS",
        "_JAVA_OPTIONS",
        "JVM_OPTS",
        "JAVA_OPTIONS",
        "CATALINA_OPTS",
        "ES_JAVA_OPTS",
        "KAFKA_HEAP_OPTS",
    }
)
JVM_IMAGES = lazy(
    r"(^|/)(openjdk|eclipse-temurin|amazoncorretto|ibm-semeru-runtimes|ibmjava|sapmachine|"
    r"tomcat|jetty|wildfly|jenkins|keycloak|elasticsearch|logstash|kafka|cp-kafka|zookeeper|"
    r"cassandra|solr|sonarqube|neo4j|[\w.-]*-jdk|[\w.-]*-jre)(:|$)"
)


def parse_memory(text: str | None) -> int | None:
    """Bytes of a Kubernetes memory quantity (`512Mi`, `1G`, `1e9`, `134217728`); None if
    unparsable. Never raises; an absurdly large quantity is clamped to `numbers.HUGE`."""
    return k8s_quantity(text)


human_bytes = k8s_size  # the name K8S006 and diagnose import


def k8s_id(obj: K8sObject) -> tuple[str, str, str | None]:
    """Kind, name and namespace: the first fields of every K8S subject
    (`subjects.K8sSubject(*k8s_id(obj), ...)`)."""
    return obj.kind, obj.name, obj.namespace


def labels_text(labels: dict[str, str]) -> str:
    return ", ".join(f"{k}={v}" for k, v in sorted(labels.items())) or "(none)"


class _Index:
    """Workloads by pod label, built once per stack: selector matching is the hot path on
    big manifests (thousands of Services x thousands of workloads)."""

    def __init__(self, objects: list[K8sObject]) -> None:
        self.workloads = [o for o in objects if o.workload is not None]
        self.by_label: dict[tuple[str, str], list[K8sObject]] = {}
        # workloads by name, directory and namespace, and every object by (directory,
        # name): rules look these up once per object instead of scanning the manifests
        self.by_name: dict[str, list[K8sObject]] = {}
        self.by_directory: dict[str, list[K8sObject]] = {}
        self.by_namespace: dict[str | None, list[K8sObject]] = {}
        self.position: dict[int, int] = {}
        for i, w in enumerate(self.workloads):
            assert w.workload is not None
            for item in w.workload.pod.labels.items():
                self.by_label.setdefault(item, []).append(w)
            self.by_name.setdefault(w.name, []).append(w)
            self.by_directory.setdefault(w.directory, []).append(w)
            self.by_namespace.setdefault(w.namespace, []).append(w)
            self.position[id(w)] = i
        self.objects_named: dict[tuple[str, str], list[K8sObject]] = {}
        for o in objects:
            self.objects_named.setdefault((o.directory, o.name), []).append(o)
        self.limit_ranges = [o for o in objects if o.kind == "LimitRange"]
        self._nearby: dict[tuple[str, str | None], tuple[list[K8sObject], bool]] = {}
        # per Service (by id: the index holds the objects) the workloads it selects, and
        # the (workload, Service) pairs served: asked by a dozen rules each
        self.selected: dict[int, tuple[K8sObject, list[K8sObject]]] = {}
        self.served: list[tuple[K8sObject, K8sObject]] | None = None

    def _near(self, obj: K8sObject) -> tuple[list[K8sObject], bool]:
        key = (obj.directory, obj.namespace)
        found = self._nearby.get(key)
        if found is None:
            near = [w for w in self.by_directory.get(obj.directory, ()) if obj.same_namespace(w)]
            found = self._nearby[key] = (near, any(w.partial for w in near))
        return found

    def nearby(self, obj: K8sObject) -> list[K8sObject]:
        """Workloads in the same directory as `obj` (and a compatible namespace): the
        manifests applied together with it; computed once per (directory, namespace)."""
        return self._near(obj)[0]

    def nearby_partial(self, obj: K8sObject) -> bool:
        """Whether one of the workloads near `obj` is only partly understood."""
        return self._near(obj)[1]


_INDEX: dict[int, tuple[list[K8sObject], int, _Index]] = per_run({})


def index(stack: Stack) -> _Index:
    hit = _INDEX.get(id(stack))
    if hit is not None and hit[0] is stack.k8s and hit[1] == len(stack.k8s):
        return hit[2]
    built = _Index(stack.k8s)
    _INDEX.clear()  # one stack at a time; holding its list keeps the identity check sound
    _INDEX[id(stack)] = (stack.k8s, len(stack.k8s), built)
    return built


def selected_workloads(stack: Stack, service: K8sObject) -> list[K8sObject]:
    """The workloads whose pods a Service selects, nearest copies first (see `nearest`).
    Jobs and CronJobs are included: a selector may well target them."""
    assert service.service is not None
    sel = service.service.selector
    if sel is None:
        return []
    idx = index(stack)
    hit = idx.selected.get(id(service))
    if hit is None or hit[0] is not service:  # held there: its id is not reused
        hit = idx.selected[id(service)] = (service, _selected(idx, service))
    return list(hit[1])


def _selected(idx: _Index, service: K8sObject) -> list[K8sObject]:
    assert service.service is not None and service.service.selector is not None
    sel = service.service.selector
    pool = idx.workloads
    if sel.match_labels:
        pool = min((idx.by_label.get(item, []) for item in sel.match_labels.items()), key=len)
    found = [
        w
        for w in pool
        if w.workload is not None
        and service.same_namespace(w)
        and w.workload.pod.labels
        and sel.matches(w.workload.pod.labels)
    ]
    return nearest(service, found)


def served_workloads(stack: Stack) -> Iterator[tuple[K8sObject, K8sObject]]:
    """(workload, service) for every long-running workload that a Service sends traffic to;
    each workload once, with the first Service that selects it (worked out once per
    stack)."""
    idx = index(stack)
    if idx.served is None:
        idx.served = list(_served(stack))
    yield from idx.served


def _served(stack: Stack) -> Iterator[tuple[K8sObject, K8sObject]]:
    seen: set[int] = set()
    for svc in stack.k8s:
        if svc.service is None or svc.service.selector is None or not svc.service.ports:
            continue
        if svc.service.publish_not_ready or svc.service.type == "ExternalName":
            continue
        if svc.service.headless and all(p.target_port == 0 for p in svc.service.ports):
            continue  # `targetPort: 0` on a headless Service: a placeholder, nothing served
        for w in selected_workloads(stack, svc):
            if w.kind in BATCH_KINDS or id(w) in seen:
                continue
            seen.add(id(w))
            yield w, svc


def ingress_backend_workloads(
    stack: Stack, ing: K8sObject
) -> Iterator[tuple[K8sObject, K8sObject]]:
    """(service, workload) behind each of the Ingress's backends."""
    by_name: dict[str, list[K8sObject]] = {}
    for o in stack.k8s:
        if o.service is not None:
            by_name.setdefault(o.name, []).append(o)
    for b in ing.ingress_backends or ():
        svcs = nearest(ing, [s for s in by_name.get(b.service, ()) if ing.same_namespace(s)])
        if svcs and not svcs[0].partial:
            for w in selected_workloads(stack, svcs[0]):
                yield svcs[0], w


def config_map(stack: Stack, obj: K8sObject, name: str) -> K8sObject | None:
    """The ConfigMap `name` applied with `obj` (nearest copy, compatible namespace)."""
    found = nearest(
        obj,
        [
            o
            for o in stack.k8s
            if o.config_data is not None and o.name == name and obj.same_namespace(o)
        ],
    )
    return found[0] if found else None


def env_values(
    stack: Stack | None, obj: K8sObject | None, container: Container
) -> Iterator[tuple[str, str, Location]]:
    """(name, value, location) of the container's environment: literal values, then values
    taken from ConfigMaps (`configMapKeyRef`, `envFrom`) when the ConfigMap is loaded; the
    location is where the value is written."""
    for env in container.env:
        if env.value:
            yield env.name, env.value, env.location
        elif env.config_map_key and stack is not None and obj is not None:
            cm = config_map(stack, obj, env.config_map_key[0])
            entry = cm.config_data.get(env.config_map_key[1]) if cm and cm.config_data else None
            if entry is not None:
                yield env.name, entry[0], entry[1]
    if stack is not None and obj is not None:
        for name in container.env_from_config_maps:
            cm = config_map(stack, obj, name)
            for key, (value, loc) in (cm.config_data or {}).items() if cm else ():
                yield key, value, loc


def heap_texts(
    container: Container, stack: Stack | None = None, obj: K8sObject | None = None
) -> Iterator[tuple[str, str, Location | None]]:
    """(text, where, location) of every place that can carry JVM flags."""
    for name, value, loc in env_values(stack, obj, container):
        yield value, name, loc
    if container.command:
        yield " ".join(container.command), "command", container.command_location
    if container.args:
        yield " ".join(container.args), "args", container.args_location


def is_jvm(container: Container, stack: Stack | None = None, obj: K8sObject | None = None) -> bool:
    """A JVM runs in the container: JVM option variables, `java` as the command, or a
    JVM image."""
    if any(e.name in JVM_ENV for e in container.env):
        return True
    if any(name in JVM_ENV for name, _, _ in env_values(stack, obj, container)):
        return True
    cmd = container.command or container.args or []
    if cmd and cmd[0].rsplit("/", 1)[-1] == "java":
        return True
    if any(
        ("-Xmx" in text or "MaxRAMPercentage" in text)  # what the pattern needs
        and re.search(r"(^|\s)-Xmx\d|MaxRAMPercentage", text)
        for text, _, _ in heap_texts(container, stack, obj)
    ):
        return True
    image = (container.image or "").lower().split("@", 1)[0]
    return bool(
        JVM_IMAGES.search(image.rsplit(":", 1)[0] if ":" in image.rsplit("/", 1)[-1] else image)
    )


def has_limit_range(stack: Stack, obj: K8sObject) -> bool:
    """A LimitRange in the namespace gives containers default limits."""
    return any(o.same_namespace(obj) for o in index(stack).limit_ranges)
