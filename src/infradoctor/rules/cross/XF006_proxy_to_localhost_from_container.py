"""XF006: nginx in a container proxies to 127.0.0.1/localhost."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from infradoctor.facts.listen import listen_env, mentions
from infradoctor.facts.ports import effective_port, nginx_listens_or_unknown
from infradoctor.findings import Finding, Severity, subject_dict
from infradoctor.model.stack import ListenAddress, Project, Service, Stack
from infradoctor.records import record
from infradoctor.rules.base import Example, Rule
from infradoctor.rules.cross._common import nginx_service_of, project_targets

COMPOSE = """\
services:
  nginx:
    image: nginx:1.27
    ports: ["80:80"]
    volumes:
      - ./nginx/default.conf:/etc/nginx/conf.d/default.conf:ro
  api:
    image: example/api:1.4
    command: ["gunicorn", "--bind", "0.0.0.0:8000", "app:app"]
    ports: ["8000:8000"]
"""

BAD_CONF = """\
server {
    listen 80;
    location / {
        proxy_pass http://127.0.0.1:8000;
    }
}
"""

# Processes besides nginx that a custom nginx image may run (supervisord images): then
# 127.0.0.1 may well be right.
OTHER_PROCESSES = (
    "supervisor",
    "php",
    "python",
    "node",
    "s6-overlay",
    "gunicorn",
    "uwsgi",
    "java",
    "ruby",
    "runit",
    "pm2",
    "entrypoint",
    "start.sh",
    "run.sh",
)


def _candidates(project: Project, port: int) -> list[tuple[Service, int]]:
    """Services that probably were meant: they listen on, expose or publish `port`."""
    out: list[tuple[Service, int]] = []
    for svc in project.services.values():
        if port in svc.listen_ports:
            out.append((svc, port))
            continue
        for p in svc.ports:
            if p.published == port and p.target is not None:
                out.append((svc, p.target))
                break
    return out


@record(frozen=True, kw_only=True)
class LocalhostTarget:
    """The nginx service, the port proxied on localhost and the service meant."""

    project: str | None = None
    config: str | None = None
    service: str | None = None
    port: int | None = None
    suggestion: str | None = None
    target_service: str | None = None
    suggested_port: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return subject_dict(self)


class ProxyToLocalhostFromContainer(Rule):
    code = "XF006"
    name = "proxy-to-localhost-from-container"
    title = "nginx running in a container proxies to 127.0.0.1/localhost"
    severity = Severity.ERROR
    category = "cross-file"
    why = (
        "In a container, 127.0.0.1 is the nginx container itself, not the Docker host and "
        "not the other services. A config copied from a bare-metal setup (where the app ran "
        "on the same machine) keeps `proxy_pass http://127.0.0.1:8000`; in Compose nothing "
        "listens there and every request is a 502 (`connect() failed (111: Connection "
        "refused)`). Publishing the app's port on the host does not help: the host's "
        "loopback is a different network namespace."
    )
    how_to_fix = (
        "Proxy to the compose service name and its container port (`http://api:8000`). "
        "If the app really runs on the host, use `host.docker.internal` (with "
        '`extra_hosts: ["host.docker.internal:host-gateway"]` on Linux).'
    )
    references = ("https://docs.docker.com/compose/how-tos/networking/",)
    examples = (
        Example(
            bad={"docker-compose.yml": COMPOSE, "nginx/default.conf": BAD_CONF},
            good={
                "docker-compose.yml": COMPOSE,
                "nginx/default.conf": BAD_CONF.replace("127.0.0.1", "api"),
            },
            description="a bare-metal config mounted into the nginx container",
        ),
    )

    def check(self, stack: Stack) -> Iterator[Finding]:
        # per (project, nginx service): facts every loopback target of that nginx shares
        netns: dict[tuple[int, str], bool] = {}
        same: dict[tuple[int, str], list[list[ListenAddress] | None]] = {}
        for project, rt in project_targets(stack):
            if rt.reason != "loopback-in-container":
                continue
            cfg = rt.route.config
            nginx = nginx_service_of(project, cfg)
            if nginx is None or mentions(nginx, OTHER_PROCESSES):
                continue
            key = (id(project), nginx.name)
            if key not in netns:
                netns[key] = any(
                    (s.network_mode or "") in (f"service:{nginx.name}",)
                    for s in project.services.values()
                )
            if netns[key]:
                continue  # another service shares nginx's network namespace
            port = effective_port(rt.route, rt.target)
            if port is None:
                continue
            env = listen_env(nginx)
            if key not in same:
                same[key] = [
                    nginx_listens_or_unknown(c, env)
                    for c in project.nginx
                    if project.nginx_service.get(c.root_file) in (None, nginx.name)
                ]
            own = [nginx_listens_or_unknown(cfg, env), *same[key]]
            if any(listens is None for listens in own):
                continue  # a templated `listen` we can't read: it may be this port
            if any(la.port == port for listens in own for la in listens or []):
                continue  # proxying to another server block of the same nginx
            cands = _candidates(project, port)
            cands = [(s, p) for s, p in cands if s.name != nginx.name]
            suggestion = f"{cands[0][0].name}:{cands[0][1]}" if len(cands) == 1 else None
            hint = (
                f"; use the service name, e.g. {suggestion}"
                if suggestion
                else ("; use the compose service name of the app")
            )
            yield self.finding(
                rt.location,
                f"nginx runs in container '{nginx.name}', so {rt.target.host}:{port} is the "
                f"nginx container itself, not the app{hint}",
                subject=f"{rt.target.host}:{port}",
                detail=LocalhostTarget(
                    project=project.name,
                    config=cfg.root_file,
                    service=nginx.name,
                    port=port,
                    suggestion=suggestion,
                    target_service=cands[0][0].name if len(cands) == 1 else None,
                    suggested_port=cands[0][1] if len(cands) == 1 else None,
                ),
            )
