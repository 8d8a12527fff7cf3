"""Build the inventory from the stack model: compose services (every profile), Kubernetes
workloads, volumes with what mounts them, and nginx / Ingress routes with their resolved
service. Reads the model only; redacts everything quoted from the scanned files."""

from __future__ import annotations

import re
from typing import Any

from infradoctor.facts.cluster import cluster_targets, split_service_host
from infradoctor.inventory.model import (
    DependsEntry,
    HealthEntry,
    Inventory,
    Listen,
    MountedBy,
    PortEntry,
    RouteEntry,
    RouteRef,
    ServiceEntry,
    VolumeEntry,
    VolumeMount,
)
from infradoctor.model.k8s import K8sObject, nearest
from infradoctor.model.nginx import NginxConfig, ProxyRoute
from infradoctor.model.stack import Project, ResolvedTarget, Service, Stack
from infradoctor.redact import redact_text

DESCRIPTION_LABELS = (
    "description",
    "com.docker.compose.description",
    "org.opencontainers.image.description",
    "org.opencontainers.image.title",
    "org.label-schema.description",
)


def _r(text: str | None) -> str | None:
    return None if text is None else redact_text(text)


def _str(value: Any) -> str | None:
    if value is None or isinstance(value, dict | list):
        return None
    return str(value)


def _dig(raw: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(raw, dict):
            return None
        raw = raw.get(key)
    return raw


def compose_resources(svc: Service) -> dict[str, str]:
    """memory/cpu limits and reservations from `deploy.resources` and the legacy keys."""
    out: dict[str, str] = {}
    pairs = (
        ("memory_limit", ("deploy", "resources", "limits", "memory")),
        ("cpu_limit", ("deploy", "resources", "limits", "cpus")),
        ("memory_reservation", ("deploy", "resources", "reservations", "memory")),
        ("cpu_reservation", ("deploy", "resources", "reservations", "cpus")),
        ("memory_limit", ("mem_limit",)),
        ("cpu_limit", ("cpus",)),
        ("memory_reservation", ("mem_reservation",)),
    )
    for key, path in pairs:
        value = _str(_dig(svc.raw, *path))
        if value and key not in out:
            out[key] = value
    if "memory_limit" not in out and svc.mem_limit:
        out["memory_limit"] = svc.mem_limit
    return out


def _server_label(route: ProxyRoute) -> str:
    names = [n for n in route.server_names if n]
    return " ".join(names) if names else "_"


def _listen_label(route: ProxyRoute) -> str:
    return ", ".join(route.listens) if route.listens else "80"


def _target_text(rt: ResolvedTarget) -> str:
    t = rt.target
    if t.unix:
        return f"unix:{t.unix}"
    if rt.route.upstream is not None and t.host is not None:
        port = f":{t.port}" if t.port is not None else ""
        return f"{rt.route.upstream.name} ({t.host}{port})"
    return rt.route.raw


def _compose_service(svc: Service, project: Project) -> ServiceEntry:
    entry = ServiceEntry(
        name=svc.name,
        kind="compose service",
        project=project.name,
        file=svc.location.file,
        line=svc.location.line,
        image=_r(svc.image),
        build=svc.build_context,
        restart=svc.restart or svc.deploy_restart_condition,
        replicas=svc.replicas,
        resources=compose_resources(svc),
        profiles=list(svc.profiles),
    )
    for port in svc.ports:
        entry.ports.append(
            PortEntry(
                "published",
                port.target,
                port.published,
                port.published_range,
                port.host_ip,
                port.protocol or "tcp",
            )
        )
    exposed: set[int] = set()
    for number, _loc in svc.expose:
        if number not in exposed:
            exposed.add(number)
            entry.ports.append(PortEntry("exposed", number))
    if svc.dockerfile is not None:
        for ins in svc.dockerfile.expose:
            for word in ins.value.split():
                head, _, proto = word.partition("/")
                if head.isdigit() and int(head) not in exposed:
                    exposed.add(int(head))
                    entry.ports.append(PortEntry("exposed", int(head), protocol=proto or "tcp"))
    seen: set[tuple[int, str | None]] = set()
    for la in svc.listens:
        # a published or exposed port says where traffic may go, not what the process binds
        if la.source.startswith(("ports:", "expose:", "EXPOSE:")):
            continue
        if (la.port, la.host) in seen:
            continue
        seen.add((la.port, la.host))
        entry.listens.append(Listen(la.port, la.host, redact_text(la.source)))
    bound = {la.port for la in entry.listens if la.host}
    entry.listens = [la for la in entry.listens if la.host or la.port not in bound]
    hc = svc.effective_healthcheck
    if hc is not None:
        test = hc.command_text
        if hc.source == "dockerfile":
            test = re.sub(r"^(--\S+\s+)*(CMD(-SHELL)?\s+)?", "", test.strip())
        entry.healthcheck = HealthEntry(
            hc.source,
            redact_text(test),
            hc.interval,
            hc.timeout,
            hc.retries,
            hc.start_period,
        )
    for m in svc.volumes:
        entry.volumes.append(VolumeMount(m.type, _r(m.source), redact_text(m.target), m.read_only))
    if svc.network_mode:
        entry.networks.append(f"network_mode: {svc.network_mode}")
    entry.networks.extend(svc.networks)
    entry.depends_on = [DependsEntry(d.service, d.condition) for d in svc.depends_on]
    for key in DESCRIPTION_LABELS:
        if svc.labels.get(key):
            entry.description = redact_text(svc.labels[key])
            break
    return entry


def _default_port(route: ProxyRoute) -> int:
    """The port a proxy target without one reaches (nginx's default for its scheme)."""
    return 80 if route.scheme in (None, "http", "grpc") else 443


def _reached_by(entry: ServiceEntry, server: str, location: str | None, port: int | None) -> None:
    """List a route on the service it reaches (once)."""
    ref = RouteRef(server, location, port)
    if ref not in entry.routes:
        entry.routes.append(ref)


def _route_entry(
    rt: ResolvedTarget, project: Project | None, config: NginxConfig, reason: str | None = None
) -> RouteEntry:
    route = rt.route
    loc = route.directive.location
    resolved = rt.service is not None
    port = rt.target.port
    if port is None and rt.service is not None:
        port = _default_port(route)
    return RouteEntry(
        server=_server_label(route),
        listen=_listen_label(route),
        location=route.path,
        target=redact_text(_target_text(rt)),
        service=rt.service.name if rt.service is not None else None,
        port=port,
        resolved=resolved,
        file=loc.file,
        line=loc.line,
        project=project.name if project is not None else None,
        config=config.root_file,
        gateway=project.nginx_service.get(config.root_file) if project is not None else None,
        reason=reason if reason is not None else (None if resolved else rt.reason or "unknown"),
    )


def _compose(stack: Stack, inv: Inventory) -> None:
    attached: set[str] = set()
    for project in stack.projects:
        entries: dict[str, ServiceEntry] = {}
        for svc in project.services.values():
            entries[svc.name] = _compose_service(svc, project)
            inv.services.append(entries[svc.name])
        for cfg in project.nginx:
            attached.add(cfg.root_file)
        configs = {id(c): c for c in project.nginx}
        for rt in project.targets:
            cfg = rt.route.config
            configs.setdefault(id(cfg), cfg)
            entry = _route_entry(rt, project, cfg)
            inv.routes.append(entry)
            if rt.service is not None and rt.service.name in entries:
                _reached_by(entries[rt.service.name], entry.server, entry.location, entry.port)
        # volumes: named volumes of the project, then bind-mounted host paths
        named: dict[str, VolumeEntry] = {}
        for name, vloc in project.volumes.items():
            named[name] = VolumeEntry(name, "volume", project.name, [], vloc.file, vloc.line)
        binds: dict[str, VolumeEntry] = {}
        for svc in project.services.values():
            for m in svc.volumes:
                if not m.source:
                    continue
                mb = MountedBy(svc.name, project.name, m.target, m.read_only)
                if m.type == "volume":
                    ve = named.setdefault(
                        m.source, VolumeEntry(m.source, "volume", project.name, [])
                    )
                elif m.type == "bind":
                    src = redact_text(m.source)
                    ve = binds.setdefault(src, VolumeEntry(src, "bind", project.name, []))
                else:
                    continue
                ve.mounted_by.append(mb)
        inv.volumes.extend(named.values())
        inv.volumes.extend(binds.values())
    for cfg in stack.nginx:
        if cfg.root_file in attached or cfg.embedded is not None:
            continue  # nginx in a ConfigMap: its routes reach Services (see _cluster_routes)
        for route in cfg.routes:
            for target in route.targets or []:
                rt = ResolvedTarget(route, target, None, None, "no compose project")
                inv.routes.append(_route_entry(rt, None, cfg, "no compose project"))


def _k8s_probe_text(obj: K8sObject) -> HealthEntry | None:
    parts: list[str] = []
    for c in obj.containers:
        for kind, probe in c.probes.items():
            port = f" :{probe.port}" if probe.port is not None else ""
            who = f"{c.name}: " if len(obj.containers) > 1 else ""
            parts.append(f"{who}{kind} {probe.handler}{port}")
    return HealthEntry("probes", "; ".join(parts)) if parts else None


def _k8s(stack: Stack, inv: Inventory) -> None:
    objects = stack.k8s
    workloads = [o for o in objects if o.workload is not None]
    services = [o for o in objects if o.service is not None]
    entries: dict[int, ServiceEntry] = {}
    for w in workloads:
        assert w.workload is not None
        images = [c.image for c in w.containers if c.image]
        resources: dict[str, str] = {}
        for c in w.containers:
            for key, src in (
                ("memory_limit", c.limits.get("memory")),
                ("cpu_limit", c.limits.get("cpu")),
                ("memory_reservation", c.requests.get("memory")),
                ("cpu_reservation", c.requests.get("cpu")),
            ):
                if src and key not in resources:
                    resources[key] = src if len(w.containers) == 1 else f"{c.name}={src}"
                elif src:
                    resources[key] += f", {c.name}={src}"
        entry = ServiceEntry(
            name=w.name,
            kind=w.kind,
            project=w.namespace or "(k8s)",
            file=w.file,
            line=(w.name_location or w.location).line,
            image=_r(", ".join(images)) if images else None,
            replicas=w.workload.replicas,
            resources=resources,
            healthcheck=_k8s_probe_text(w),
            restart=None,
        )
        for c in w.containers:
            for p in c.ports:
                entry.ports.append(
                    PortEntry("container", p.number, protocol=p.protocol.lower(), name=p.name)
                )
        entries[id(w)] = entry
        inv.services.append(entry)
    # Services: exposure (NodePort/LoadBalancer as published) and which workloads they reach
    reached: dict[int, list[K8sObject]] = {}
    for s in services:
        assert s.service is not None
        sel = s.service.selector
        if sel is None or sel.empty:
            continue
        found = [
            w
            for w in workloads
            if w.workload is not None
            and s.same_namespace(w)
            and w.workload.pod.labels
            and sel.matches(w.workload.pod.labels)
        ]
        found = nearest(s, found)
        reached[id(s)] = found
        if s.service.type in ("NodePort", "LoadBalancer"):
            for w in found:
                for sp in s.service.ports:
                    target = sp.effective_target
                    entries[id(w)].ports.append(
                        PortEntry(
                            "published",
                            target if isinstance(target, int) else None,
                            sp.port,
                            host_ip=s.service.type,
                            protocol=sp.protocol.lower(),
                            name=sp.name,
                        )
                    )
    _cluster_routes(stack, inv, entries, reached)
    for ing in objects:
        if ing.ingress_backends is None:
            continue
        hosts = ing.ref
        for backend in ing.ingress_backends:
            svc_objs = nearest(
                ing,
                [s for s in services if s.name == backend.service and ing.same_namespace(s)],
            )
            targets: list[K8sObject] = []
            for s in svc_objs[:1]:
                targets = reached.get(id(s), [])
            port = backend.port if isinstance(backend.port, int) else None
            resolved = bool(svc_objs)
            route_entry = RouteEntry(
                server=hosts,
                listen="ingress",
                location=backend.path,
                target=f"{backend.service}:{backend.port}" if backend.port else backend.service,
                service=backend.service if resolved else None,
                port=port,
                resolved=resolved,
                file=backend.location.file,
                line=backend.location.line,
                kind="ingress",
                project=ing.namespace,
                config=ing.ref,
                reason=None if resolved else "no Service of that name",
            )
            inv.routes.append(route_entry)
            for w in targets:
                _reached_by(entries[id(w)], hosts, backend.path, port)


def _cluster_routes(
    stack: Stack,
    inv: Inventory,
    entries: dict[int, ServiceEntry],
    reached: dict[int, list[K8sObject]],
) -> None:
    """Routes of nginx configs embedded in ConfigMaps, resolved to the Services their
    targets name (`api`, `api.ns`, `api.ns.svc.cluster.local`) and to the workloads those
    Services select."""
    found = {(id(ct.route), id(ct.target)): ct.service for ct in cluster_targets(stack)}
    for cfg in stack.nginx:
        if cfg.embedded is None:
            continue
        for route in cfg.routes:
            for target in route.targets or []:
                svc = found.get((id(route), id(target)))
                rt = ResolvedTarget(route, target, None, None)
                entry = _route_entry(
                    rt, None, cfg, _cluster_reason(target.host, target.has_variables)
                )
                if svc is not None:
                    port = target.port if target.port is not None else _default_port(route)
                    entry.service, entry.port, entry.resolved = svc.name, port, True
                    entry.project, entry.reason = svc.namespace, None
                inv.routes.append(entry)
                for w in reached.get(id(svc), []) if svc is not None else []:
                    _reached_by(entries[id(w)], entry.server, entry.location, entry.port)


def _cluster_reason(host: str | None, has_variables: bool) -> str:
    """Why a target of in-cluster nginx matched no Service of the manifests."""
    if has_variables:
        return "target built from variables"
    if host is None:
        return "not a host:port target"
    if split_service_host(host) is None:
        return "not a cluster Service name"
    return "no single Service of the manifests has that name"


def build_inventory(stack: Stack) -> Inventory:
    inv = Inventory()
    _compose(stack, inv)
    _k8s(stack, inv)
    return inv
