"""XF010: more than one replica of a service publishing a fixed host port."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from infradoctor.findings import Finding, Severity, subject_dict
from infradoctor.model.stack import Stack
from infradoctor.records import record
from infradoctor.rules.base import Example, Rule

BAD = """\
services:
  api:
    image: example/api:1.4
    ports:
      - "8000:8000"
    deploy:
      replicas: 3
"""

GOOD = """\
services:
  api:
    image: example/api:1.4
    expose:
      - "8000"
    deploy:
      replicas: 3
"""

GOOD_RANGE = """\
services:
  api:
    image: example/api:1.4
    ports:
      - "8000-8002:8000"
    deploy:
      replicas: 3
"""


@record(frozen=True, kw_only=True)
class ReplicatedFixedPort:
    """The replicated service and the fixed host port it publishes."""

    project: str | None = None
    service: str | None = None
    replicas: int | None = None
    published: str | int | None = None

    def to_dict(self) -> dict[str, Any]:
        return subject_dict(self)


class ReplicatedServiceFixedHostPort(Rule):
    code = "XF010"
    name = "replicated-service-fixed-host-port"
    title = "a replicated service publishes a fixed host port"
    severity = Severity.ERROR
    category = "cross-file"
    why = (
        "A host port can be bound by one container only. With `replicas: N` (or `scale`) "
        'and `ports: ["8000:8000"]` the first replica starts and every other one fails with '
        "`Bind for 0.0.0.0:8000 failed: port is already allocated`: you run one replica "
        "while believing you run N, and a rolling restart has nothing to fail over to."
    )
    how_to_fix = (
        "Don't publish replicated services: let nginx (or another proxy in the network) "
        "reach them by service name on the container port, and publish only the proxy. "
        "If you must publish, use a host port range at least as large as the replica "
        'count (`8000-8002:8000`) or publish only the container port (`"8000"`).'
    )
    references = (
        "https://docs.docker.com/reference/compose-file/services/#ports",
        "https://docs.docker.com/reference/compose-file/deploy/#replicas",
    )
    examples = (
        Example(
            bad={"docker-compose.yml": BAD},
            good={"docker-compose.yml": GOOD},
            description="three replicas, one host port",
        ),
        Example(
            bad={"docker-compose.yml": BAD},
            good={"docker-compose.yml": GOOD_RANGE},
            description="a host port range covers every replica",
        ),
    )

    def check(self, stack: Stack) -> Iterator[Finding]:
        for project in stack.projects:
            for svc in project.services.values():
                n = svc.replicas or 1
                if n <= 1:
                    continue
                for p in svc.ports:
                    if p.published is None:
                        continue
                    if p.published_range is not None:
                        size = p.published_range[1] - p.published_range[0] + 1
                        if size >= n:
                            continue
                    yield self.finding(
                        p.location,
                        f"'{svc.name}' runs {n} replicas but publishes fixed host port "
                        f"{p.published} (`{p.raw}`): only one replica can bind it, the others "
                        f"fail with 'port is already allocated'",
                        subject=f"{svc.name}:{p.published}",
                        detail=ReplicatedFixedPort(
                            project=project.name,
                            service=svc.name,
                            replicas=n,
                            published=p.published,
                        ),
                    )
