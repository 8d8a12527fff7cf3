"""XF003: a proxied service listens on 127.0.0.1 inside its own container."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from infradoctor.facts.listen import loopback_only
from infradoctor.facts.ports import container_port
from infradoctor.findings import Finding, Severity, subject_dict
from infradoctor.model.stack import Stack
from infradoctor.records import record
from infradoctor.rules.base import Example, Rule
from infradoctor.rules.cross._common import project_targets

CONF = """\
server {
    listen 80;
    location / {
        proxy_pass http://api:8000;
    }
}
"""

BAD = """\
services:
  nginx:
    image: nginx:1.27
    ports: ["80:80"]
    volumes:
      - ./nginx/default.conf:/etc/nginx/conf.d/default.conf:ro
  api:
    image: example/api:1.4
    command: uvicorn app.main:app --port 8000
"""

BAD_GUNICORN = """\
services:
  nginx:
    image: nginx:1.27
    ports: ["80:80"]
    volumes:
      - ./nginx/default.conf:/etc/nginx/conf.d/default.conf:ro
  api:
    build: ./api
"""

DOCKERFILE_BAD = """\
FROM python:3.12-slim
WORKDIR /app
COPY . .
CMD ["gunicorn", "--bind", "127.0.0.1:8000", "app:app"]
"""


@record(frozen=True, kw_only=True)
class LoopbackBind:
    """The proxied service, the port it binds on loopback and the bind to use."""

    project: str | None = None
    service: str | None = None
    port: int | None = None
    config: str | None = None
    target_service: str | None = None
    bind: str | None = None
    suggestion: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return subject_dict(self)


class ProxiedServiceBindsLoopback(Rule):
    code = "XF003"
    name = "proxied-service-binds-loopback"
    title = "a proxied service listens on 127.0.0.1 inside its container"
    severity = Severity.ERROR
    category = "cross-file"
    why = (
        "127.0.0.1 inside a container is that container's own loopback interface. nginx in "
        "another container (or on the host through a published port, which Docker forwards "
        "to the container's eth0 address) connects to the container's network address, "
        "where nothing listens: `connect() failed (111: Connection refused)`, 502 on every "
        "request. It works when you curl from inside the container, which is why it "
        "survives testing. uvicorn, gunicorn, hypercorn, daphne, flask run and "
        "`manage.py runserver` all bind 127.0.0.1 when no host is given."
    )
    how_to_fix = (
        "Bind all interfaces inside the container: `uvicorn --host 0.0.0.0`, "
        "`gunicorn --bind 0.0.0.0:8000`, `flask run --host 0.0.0.0`, "
        "`manage.py runserver 0.0.0.0:8000`. The container is still only reachable through "
        "its networks and published ports."
    )
    references = (
        "https://www.uvicorn.org/settings/#socket-binding",
        "https://docs.gunicorn.org/en/stable/settings.html#bind",
    )
    examples = (
        Example(
            bad={"docker-compose.yml": BAD, "nginx/default.conf": CONF},
            good={
                "docker-compose.yml": BAD.replace("--port 8000", "--host 0.0.0.0 --port 8000"),
                "nginx/default.conf": CONF,
            },
            description="uvicorn without --host binds 127.0.0.1",
        ),
        Example(
            bad={
                "docker-compose.yml": BAD_GUNICORN,
                "nginx/default.conf": CONF,
                "api/Dockerfile": DOCKERFILE_BAD,
            },
            good={
                "docker-compose.yml": BAD_GUNICORN,
                "nginx/default.conf": CONF,
                "api/Dockerfile": DOCKERFILE_BAD.replace("127.0.0.1", "0.0.0.0"),
            },
            description="gunicorn --bind 127.0.0.1 in the Dockerfile CMD",
        ),
    )

    def check(self, stack: Stack) -> Iterator[Finding]:
        seen: set[tuple[str, str, int]] = set()
        for project, rt in project_targets(stack):
            svc = rt.service
            if svc is None or rt.via == "shared-netns":
                continue
            mode = svc.network_mode or ""
            if mode == "host" or mode.startswith(("service:", "container:")):
                continue
            if project.nginx_service.get(rt.route.config.root_file) == svc.name:
                continue  # nginx proxying to a process in its own container
            port = container_port(rt)
            if port is None:
                continue
            la = loopback_only(svc, port)
            if la is None:
                continue
            key = (project.name, svc.name, port)
            if key in seen:
                continue
            seen.add(key)
            detail = la.source.split(":", 1)[1] if ":" in la.source else la.source
            frm = (
                "nginx on the host via a published port"
                if rt.via == "published-port"
                else "nginx in another container"
            )
            yield self.finding(
                la.location or svc.location,
                f"service '{svc.name}' listens on {la.host}:{port} only ({detail}), but "
                f"{frm} proxies to it ({rt.route.raw} in {rt.location.file}:"
                f"{rt.location.line}): connection refused, 502",
                subject=svc.name,
                related=[rt.location],
                detail=LoopbackBind(
                    project=project.name,
                    service=svc.name,
                    port=port,
                    config=rt.route.config.root_file,
                    target_service=svc.name,
                    bind=la.host,
                    suggestion=f"0.0.0.0:{port}",
                ),
            )
