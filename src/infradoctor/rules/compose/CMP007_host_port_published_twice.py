"""CMP007: two port entries of one project claim the same host port."""

from __future__ import annotations

from collections.abc import Iterator

from infradoctor.findings import Finding, Severity
from infradoctor.model.stack import Port, Project, Service, Stack
from infradoctor.records import record
from infradoctor.rules.base import Example, Rule
from infradoctor.subjects import ServiceSubject

ALL_INTERFACES = {None, "", "0.0.0.0", "::", "[::]"}


def host_ports(port: Port) -> range:
    if port.published_range is not None:
        lo, hi = port.published_range
        return range(lo, hi + 1)
    if port.published is not None:
        return range(port.published, port.published + 1)
    return range(0)


def same_interface(a: str | None, b: str | None) -> bool:
    """Do two host IPs overlap? 0.0.0.0 (or unset) binds every address."""
    if a in ALL_INTERFACES or b in ALL_INTERFACES:
        return True
    return (a or "").strip("[]") == (b or "").strip("[]")


def may_run_together(project: Project, a: Service, b: Service) -> bool:
    """Services in disjoint profiles (dev vs prod) never run at the same time, and
    components pulled in from separate `include:` files of a catalogue (laradock: nginx vs
    apache2 vs caddy, each in its own file, started by name) are alternatives."""
    if a.profiles and b.profiles and not set(a.profiles) & set(b.profiles):
        return False
    return not (a.file != b.file and included(project, a.file) and included(project, b.file))


def included(project: Project, path: str) -> bool:
    """A compose file from another directory than the project's own files (via `include:`)."""
    parent = path.rsplit("/", 1)[0] if "/" in path else "."
    return parent != (project.directory or ".")


@record(frozen=True)
class PortClash(ServiceSubject):
    """The service, the host port it publishes and the service that published it first."""

    port: int
    other_service: str


class HostPortPublishedTwice(Rule):
    code = "CMP007"
    name = "host-port-published-twice"
    title = "The same host port is published twice"
    severity = Severity.ERROR
    category = "availability"
    why = (
        "Only one socket can bind a host port. When two services (or two entries of one "
        "service) publish the same host port on overlapping addresses, the second container "
        "fails to start with `Bind for 0.0.0.0:8080 failed: port is already allocated`, and "
        "`docker compose up` stops there: whatever comes after it in the start order is "
        "down too. Entries bound to different specific IPs, different protocols (tcp/udp) "
        "or services in disjoint profiles (dev vs prod) do not conflict and are not flagged, "
        "nor are services from two different `include:`d files (a catalogue of alternative "
        "components started by name, as in laradock). "
        "Replicas of one service sharing a fixed port are XF010's case."
    )
    how_to_fix = (
        "Give each service its own host port, or publish only the front proxy and let it "
        "reach the others over the compose network:\n\n"
        '```yaml\nservices:\n  web:\n    ports:\n      - "8080:80"\n  admin:\n'
        '    ports:\n      - "8081:80"\n```'
    )
    references = ("https://docs.docker.com/reference/compose-file/services/#ports",)
    examples = (
        Example(
            bad={
                "docker-compose.yml": (
                    "services:\n"
                    "  web:\n"
                    "    image: ghcr.io/acme/web:2.0.0\n"
                    "    ports:\n"
                    '      - "8080:3000"\n'
                    "  admin:\n"
                    "    image: ghcr.io/acme/admin:2.0.0\n"
                    "    ports:\n"
                    '      - "8080:8000"\n'
                )
            },
            good={
                "docker-compose.yml": (
                    "services:\n"
                    "  web:\n"
                    "    image: ghcr.io/acme/web:2.0.0\n"
                    "    ports:\n"
                    '      - "8080:3000"\n'
                    "  admin:\n"
                    "    image: ghcr.io/acme/admin:2.0.0\n"
                    "    ports:\n"
                    '      - "127.0.0.1:8081:8000"\n'
                    "  dns:\n"
                    "    image: coredns/coredns:1.11.1\n"
                    "    ports:\n"
                    '      - "53:53/udp"\n'
                    '      - "53:53/tcp"\n'
                )
            },
        ),
    )

    def check(self, stack: Stack) -> Iterator[Finding]:
        for project in stack.projects:
            yield from self._check_project(project)

    def _check_project(self, project: Project) -> Iterator[Finding]:
        seen = _Published()
        for svc in project.services.values():
            if svc.network_mode == "host":
                continue
            for port in svc.ports:
                mine = host_ports(port)
                if not mine:
                    continue
                protocol = port.protocol or "tcp"
                for other_svc, other in seen.overlapping(protocol, mine):
                    if other_svc is svc and (other.target, other.published, other.host_ip) == (
                        port.target,
                        port.published,
                        port.host_ip,
                    ):
                        continue  # an identical entry (base + override): compose merges it
                    if not same_interface(other.host_ip, port.host_ip):
                        continue
                    if not may_run_together(project, svc, other_svc):
                        continue
                    clash = min(set(mine) & set(host_ports(other)))
                    who = "this service" if other_svc is svc else f"service '{other_svc.name}'"
                    yield self.finding(
                        port.location,
                        f"service '{svc.name}' publishes host port {clash}/"
                        f"{protocol}, already published by {who} "
                        f"({other.raw}): the second container fails to start with "
                        "'port is already allocated'",
                        subject=svc.name,
                        related=[other.location],
                        detail=PortClash(svc.name, svc.project, clash, other_svc.name),
                    )
                    break
                seen.add(protocol, mine, svc, port)


class _Published:
    """The port entries of a project seen so far, indexed by (protocol, host port) so
    that each new entry meets only the entries it overlaps (comparing every pair made
    the rule quadratic in a project's ports). Port ranges wider than one port are kept
    in a list of their own and met by every entry of their protocol."""

    def __init__(self) -> None:
        self.entries: list[tuple[Service, Port]] = []
        self.by_port: dict[tuple[str, int], list[int]] = {}
        self.ranges: dict[str, list[tuple[range, int]]] = {}

    def add(self, protocol: str, ports: range, svc: Service, port: Port) -> None:
        i = len(self.entries)
        self.entries.append((svc, port))
        if len(ports) == 1:
            self.by_port.setdefault((protocol, ports[0]), []).append(i)
        else:
            self.ranges.setdefault(protocol, []).append((ports, i))

    def overlapping(self, protocol: str, ports: range) -> list[tuple[Service, Port]]:
        """The entries of `protocol` sharing a host port with `ports`, in the order seen."""
        found: set[int] = set()
        if len(ports) <= len(self.by_port):
            for p in ports:
                found.update(self.by_port.get((protocol, p), ()))
        else:
            for (proto, p), indices in self.by_port.items():
                if proto == protocol and p in ports:
                    found.update(indices)
        for other, i in self.ranges.get(protocol, ()):
            if other.start < ports.stop and ports.start < other.stop:
                found.add(i)
        return [self.entries[i] for i in sorted(found)]
