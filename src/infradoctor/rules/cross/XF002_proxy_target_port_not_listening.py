"""XF002: nginx sends traffic to a port the target service does not listen on."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from infradoctor.facts.listen import describe, evidence, kind_of
from infradoctor.facts.ports import container_port, effective_port
from infradoctor.findings import Applicability, Finding, Fix, Severity, subject_dict
from infradoctor.fixes import nginx_blocks as nb
from infradoctor.fixes.context import FixContext, FixUnavailable, make_fix
from infradoctor.model.stack import ListenAddress, Project, ResolvedTarget, Service, Stack
from infradoctor.records import record
from infradoctor.rules.base import Example, Rule
from infradoctor.rules.cross._common import project_targets

COMPOSE = """\
services:
  nginx:
    image: nginx:1.27
    ports: ["80:80"]
    volumes:
      - ./nginx/default.conf:/etc/nginx/conf.d/default.conf:ro
  api:
    image: example/api:1.4
    command: ["uvicorn", "app.main:app", "--host", "0.0.0.0", "--port", "8000"]
"""

BAD_CONF = """\
server {
    listen 80;
    location / {
        proxy_pass http://api:8080;
    }
}
"""

HOST_PORT_COMPOSE = """\
services:
  nginx:
    image: nginx:1.27
    ports: ["80:80"]
    volumes:
      - ./nginx/default.conf:/etc/nginx/conf.d/default.conf:ro
  web:
    image: example/web:2.0
    ports: ["8081:80"]
"""

HOST_PORT_CONF = """\
server {
    listen 80;
    location / {
        proxy_pass http://web:8081;
    }
}
"""

# Order in which listen sources are trusted when suggesting the right port.
PREFERENCE = (
    "command",
    "default",
    "convention",
    "nginx",
    "env",
    "expose",
    "EXPOSE",
    "ports",
    "healthcheck",
    "image",
)


def _sorted(listens: list[ListenAddress]) -> list[ListenAddress]:
    return sorted(
        listens, key=lambda la: PREFERENCE.index(kind_of(la)) if kind_of(la) in PREFERENCE else 99
    )


def _suggested(svc: Service) -> int | None:
    ports = [la.port for la in _sorted(svc.listens)]
    return ports[0] if ports else None


# ---------------------------------------------------------------- fix

DISPLAY = Applicability.DISPLAY_ONLY


def fix_port_mismatch(ctx: FixContext, finding: Finding) -> Fix | None:
    subject = ctx.subject(finding, PortMismatch)
    port = subject.suggested_port
    if not port:
        raise FixUnavailable("no suggested port")
    d = nb.target_directive(ctx, finding, subject.config)
    return make_fix(
        f"The service listens on {port}: proxy to that port",
        DISPLAY,
        [nb.rewrite_target(ctx, d, None, port)],
    )


@record(frozen=True, kw_only=True)
class PortMismatch:
    """The route's project, config and service, the port proxied to and the port to use."""

    project: str | None = None
    config: str | None = None
    service: str | None = None
    target_service: str | None = None
    upstream: str | None = None
    port: int | None = None
    suggested_port: int | None = None
    suggested_container_port: int | None = None
    suggestion: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return subject_dict(self)


class ProxyTargetPortNotListening(Rule):
    code = "XF002"
    name = "proxy-target-port-not-listening"
    title = "nginx proxies to a port the target service does not listen on"
    severity = Severity.ERROR
    category = "cross-file"
    why = (
        "nginx connects to the container's IP on the port written in proxy_pass or the "
        "upstream `server`. If the app listens on another port, the kernel answers the SYN "
        "with RST and nginx logs `connect() failed (111: Connection refused) while "
        "connecting to upstream`: every request on the route is a 502. Common variants: "
        "the host port of a `ports:` mapping used inside the network (`8081:80` -> only 80 "
        "is reachable from other containers), an app whose default port changed, or an "
        "EXPOSE/command that disagrees with the nginx config."
    )
    how_to_fix = (
        "Use the port the service really listens on inside its container (the finding "
        "names it and where it comes from), or change the app's --port/--bind to match."
    )
    fixer = staticmethod(fix_port_mismatch)
    fix_applicability = Applicability.DISPLAY_ONLY
    references = (
        "https://docs.docker.com/compose/how-tos/networking/",
        "https://nginx.org/en/docs/http/ngx_http_proxy_module.html#proxy_pass",
    )
    examples = (
        Example(
            bad={"docker-compose.yml": COMPOSE, "nginx/default.conf": BAD_CONF},
            good={
                "docker-compose.yml": COMPOSE,
                "nginx/default.conf": BAD_CONF.replace("8080", "8000"),
            },
            description="uvicorn listens on 8000, nginx proxies to 8080",
        ),
        Example(
            bad={"docker-compose.yml": HOST_PORT_COMPOSE, "nginx/default.conf": HOST_PORT_CONF},
            good={
                "docker-compose.yml": HOST_PORT_COMPOSE,
                "nginx/default.conf": HOST_PORT_CONF.replace("8081", "80"),
            },
            description="the published host port is used from inside the network",
        ),
    )

    def check(self, stack: Stack) -> Iterator[Finding]:
        seen: set[tuple[str, int, str, int]] = set()
        for project, rt in project_targets(stack):
            svc = rt.service
            if svc is None and rt.reason == "not-published":
                found = self._container_port_used_on_host(project, rt)
                if found is not None:
                    yield found
                continue
            if svc is None or rt.via == "shared-netns":
                continue
            port = container_port(rt)
            if port is None or port in self._known_ports(rt, svc):
                continue
            message = self._message(rt, svc, port)
            if message is None:
                continue
            key = (rt.location.file, rt.location.line, svc.name, port)
            if key in seen:
                continue
            seen.add(key)
            suggested = self._suggest(rt, svc, port)
            container_fix = rt.via == "published-port"  # the `ports:` mapping is wrong
            yield self.finding(
                rt.location,
                message,
                subject=svc.name,
                related=[la.location for la in _sorted(svc.listens)[:3] if la.location],
                detail=PortMismatch(
                    project=project.name,
                    config=rt.route.config.root_file,
                    service=svc.name,
                    target_service=svc.name,
                    upstream=rt.route.upstream.name if rt.route.upstream else None,
                    port=port,
                    suggested_port=None if container_fix else suggested,
                    suggested_container_port=suggested if container_fix else None,
                    suggestion=f"{rt.target.host}:{suggested}"
                    if suggested and not container_fix
                    else None,
                ),
            )

    def _container_port_used_on_host(self, project: Project, rt: ResolvedTarget) -> Finding | None:
        """Host nginx -> 127.0.0.1:PORT where PORT is a service's *container* port that is
        published under another host port (`8000:8816` and proxy_pass to :8816)."""
        port = effective_port(rt.route, rt.target)
        for svc in project.services.values():
            for p in svc.ports:
                if p.target == port and p.published is not None and p.published != port:
                    return self.finding(
                        rt.location,
                        f"nginx on the host proxies to {rt.target.host}:{port}, but no service "
                        f"publishes {port}: it is the container port of '{svc.name}', "
                        f"published on the host as {p.published} (`{p.raw}`)",
                        subject=svc.name,
                        related=[p.location],
                        detail=PortMismatch(
                            project=project.name,
                            config=rt.route.config.root_file,
                            service=svc.name,
                            target_service=svc.name,
                            port=port,
                            upstream=rt.route.upstream.name if rt.route.upstream else None,
                            suggested_port=p.published,
                            suggestion=f"{rt.target.host}:{p.published}",
                        ),
                    )
        return None

    def _known_ports(self, rt: ResolvedTarget, svc: Service) -> set[int]:
        """Ports we know are listened on. Through a published port the container port comes
        from the `ports:` mapping itself, so that mapping can't vouch for it."""
        if rt.via == "published-port":
            return {la.port for la in svc.listens if kind_of(la) != "ports"}
        return svc.listen_ports

    def _suggest(self, rt: ResolvedTarget, svc: Service, port: int) -> int | None:
        for p in svc.ports:
            if p.published == port and p.target is not None:
                return p.target
        return _suggested(svc)

    def _message(self, rt: ResolvedTarget, svc: Service, port: int) -> str | None:
        """The finding text, or None when we don't know enough to say."""
        ev = evidence(svc)
        listens = _sorted(svc.listens)
        if rt.via == "published-port":
            listens = [la for la in listens if kind_of(la) != "ports"]
            if ev == "declared" and not listens:
                return None
        per_port: dict[int, ListenAddress] = {}
        for la in listens:
            per_port.setdefault(la.port, la)
        how = "; ".join(describe(la) for la in list(per_port.values())[:4])
        written = f"{rt.target.host}:{effective_port(rt.route, rt.target)}"
        if rt.via == "published-port":
            reach = (
                f"nginx on the host reaches '{svc.name}' through published port "
                f"{effective_port(rt.route, rt.target)} -> container port {port}"
            )
        else:
            reach = f"nginx proxies to {written} (service '{svc.name}')"
        host_port = next(
            (
                p
                for p in svc.ports
                if p.published == port and p.target != port and p.target is not None
            ),
            None,
        )
        if host_port is not None and rt.via != "published-port":
            return (
                f"{reach}, but {port} is the HOST port of `{host_port.raw}`; other "
                f"containers must use the container port {host_port.target}"
            )
        if ev == "strong" or (ev == "declared" and (svc.dockerfile is not None or svc.expose)):
            return f"{reach}, but it listens on {how}"
        return None
