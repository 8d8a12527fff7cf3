"""The inventory: a flat, render-ready description of the stack (services, volumes, nginx
routes) built from the same `Stack` model lint uses. Pure data; `to_dict` gives the JSON
shape documented in docs/inventory.md (a contract: fields may be added, never renamed or
removed). Everything quoted from the scanned files is already redacted here."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class PortEntry:
    """One port of a service. `kind`: published (compose `ports:`, reachable from the
    host at `host_ip:published`), exposed (compose `expose:` / Dockerfile `EXPOSE`,
    reachable from the project network) or container (a Kubernetes containerPort)."""

    kind: str
    container: int | None
    published: int | None = None
    published_range: tuple[int, int] | None = None
    host_ip: str | None = None  # None: all interfaces
    protocol: str = "tcp"
    name: str | None = None

    @property
    def label(self) -> str:
        proto = "" if self.protocol == "tcp" else f"/{self.protocol}"
        if self.kind == "published":
            host = f"{self.host_ip}:" if self.host_ip else ""
            if self.published_range and self.published_range[0] != self.published_range[1]:
                pub = f"{self.published_range[0]}-{self.published_range[1]}"
            else:
                pub = str(self.published) if self.published is not None else "?"
            target = self.container if self.container is not None else "?"
            return f"{host}{pub}->{target}{proto}"
        name = f" ({self.name})" if self.name else ""
        return f"{self.container}{proto}{name}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "container": self.container,
            "published": self.published,
            "host_ip": self.host_ip,
            "protocol": self.protocol,
            "name": self.name,
        }


@dataclass(slots=True)
class Listen:
    port: int
    host: str | None
    source: str

    @property
    def label(self) -> str:
        return f"{self.host}:{self.port}" if self.host else str(self.port)

    def to_dict(self) -> dict[str, Any]:
        return {"port": self.port, "host": self.host, "source": self.source}


@dataclass(slots=True)
class HealthEntry:
    source: str  # compose | dockerfile | probes
    test: str
    interval: str | None = None
    timeout: str | None = None
    retries: int | None = None
    start_period: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "test": self.test,
            "interval": self.interval,
            "timeout": self.timeout,
            "retries": self.retries,
            "start_period": self.start_period,
        }


@dataclass(slots=True)
class VolumeMount:
    type: str  # volume | bind | tmpfs | ...
    source: str | None
    target: str
    read_only: bool

    @property
    def label(self) -> str:
        src = f"{self.source}:" if self.source else ""
        ro = ":ro" if self.read_only else ""
        return f"{src}{self.target}{ro}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "source": self.source,
            "target": self.target,
            "read_only": self.read_only,
        }


@dataclass(slots=True)
class RouteRef:
    """An nginx route reaching a service (as listed on the service)."""

    server: str
    location: str | None
    port: int | None

    @property
    def label(self) -> str:
        loc = self.location or "/"
        port = f" ->:{self.port}" if self.port is not None else ""
        return f"{self.server} {loc}{port}"

    def to_dict(self) -> dict[str, Any]:
        return {"server": self.server, "location": self.location, "port": self.port}


@dataclass(slots=True)
class DependsEntry:
    service: str
    condition: str

    def to_dict(self) -> dict[str, Any]:
        return {"service": self.service, "condition": self.condition}


@dataclass(slots=True)
class ServiceEntry:
    name: str
    kind: str  # compose service | Deployment | StatefulSet | ...
    project: str
    file: str
    line: int
    image: str | None = None
    build: str | None = None
    ports: list[PortEntry] = field(default_factory=list)
    listens: list[Listen] = field(default_factory=list)
    healthcheck: HealthEntry | None = None
    restart: str | None = None
    replicas: int | None = None
    resources: dict[str, str] = field(default_factory=dict)
    volumes: list[VolumeMount] = field(default_factory=list)
    networks: list[str] = field(default_factory=list)
    profiles: list[str] = field(default_factory=list)
    depends_on: list[DependsEntry] = field(default_factory=list)
    routes: list[RouteRef] = field(default_factory=list)
    description: str | None = None  # from a description/title label, when there is one

    @property
    def node_id(self) -> str:
        return f"{self.project}/{self.name}"

    @property
    def published(self) -> list[PortEntry]:
        return [p for p in self.ports if p.kind == "published"]

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "project": self.project,
            "image": self.image,
            "build": self.build,
            "ports": [p.to_dict() for p in self.ports],
            "listens": [la.to_dict() for la in self.listens],
            "healthcheck": self.healthcheck.to_dict() if self.healthcheck else None,
            "restart": self.restart,
            "replicas": self.replicas,
            "resources": dict(self.resources),
            "volumes": [v.to_dict() for v in self.volumes],
            "networks": list(self.networks),
            "profiles": list(self.profiles),
            "depends_on": [d.to_dict() for d in self.depends_on],
            "routes": [r.to_dict() for r in self.routes],
            "description": self.description,
            "file": self.file,
            "line": self.line,
        }


@dataclass(slots=True)
class MountedBy:
    service: str
    project: str
    target: str
    read_only: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "service": self.service,
            "project": self.project,
            "target": self.target,
            "read_only": self.read_only,
        }


@dataclass(slots=True)
class VolumeEntry:
    name: str
    type: str  # volume (named) | bind (host path)
    project: str
    mounted_by: list[MountedBy] = field(default_factory=list)
    file: str | None = None
    line: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "type": self.type,
            "project": self.project,
            "mounted_by": [m.to_dict() for m in self.mounted_by],
            "file": self.file,
            "line": self.line,
        }


@dataclass(slots=True)
class RouteEntry:
    """One proxy target of an nginx route (or a Kubernetes Ingress backend)."""

    server: str
    listen: str
    location: str | None
    target: str  # as written (proxy_pass argument, or host:port of an upstream server)
    service: str | None
    port: int | None
    resolved: bool
    file: str
    line: int
    kind: str = "nginx"  # nginx | ingress
    project: str | None = None
    config: str | None = None  # nginx root config file / the Ingress ref
    gateway: str | None = None  # the compose service running this nginx, if any
    reason: str | None = None  # why unresolved

    def to_dict(self) -> dict[str, Any]:
        return {
            "server": self.server,
            "listen": self.listen,
            "location": self.location,
            "target": self.target,
            "service": self.service,
            "port": self.port,
            "resolved": self.resolved,
            "file": self.file,
            "line": self.line,
            "kind": self.kind,
            "project": self.project,
            "config": self.config,
            "gateway": self.gateway,
            "reason": self.reason,
        }


@dataclass(slots=True)
class Inventory:
    services: list[ServiceEntry] = field(default_factory=list)
    volumes: list[VolumeEntry] = field(default_factory=list)
    routes: list[RouteEntry] = field(default_factory=list)

    def service(self, project: str, name: str) -> ServiceEntry | None:
        for s in self.services:
            if s.project == project and s.name == name:
                return s
        return None

    def to_dict(self) -> dict[str, Any]:
        from infradoctor import __version__

        return {
            "tool": "infradoctor",
            "version": __version__,
            "services": [s.to_dict() for s in self.services],
            "volumes": [v.to_dict() for v in self.volumes],
            "routes": [r.to_dict() for r in self.routes],
        }
