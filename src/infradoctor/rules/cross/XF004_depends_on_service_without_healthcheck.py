"""XF004: depends_on a service that has no healthcheck."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from infradoctor.facts.readiness import (
    UNKNOWN,
    YES,
    ImageHealth,
    built_elsewhere,
    image_health,
    waits_itself,
)
from infradoctor.findings import Applicability, Finding, Fix, Severity, subject_dict
from infradoctor.fixes import compose_edit as ce
from infradoctor.fixes.context import FixContext, FixUnavailable
from infradoctor.lazyre import lazy
from infradoctor.model.stack import Project, Service, Stack
from infradoctor.records import record
from infradoctor.rules.base import Example, Rule
from infradoctor.rules.compose._util import one_shot_reason
from infradoctor.rules.cross._common import service_dependencies

BAD = """\
services:
  api:
    image: example/api:1.4
    depends_on:
      - db
  db:
    image: postgres:16
"""

GOOD = """\
services:
  api:
    image: example/api:1.4
    depends_on:
      db:
        condition: service_healthy
  db:
    image: postgres:16
    healthcheck:
      test: ["CMD-SHELL", "pg_isready -U postgres"]
      interval: 5s
      timeout: 3s
      retries: 10
"""

BAD_HEALTHY = """\
services:
  api:
    image: example/api:1.4
    depends_on:
      db:
        condition: service_healthy
  db:
    image: postgres:16
"""


# tcp://host:port, host:port, :port or host (the driver's default port is 24224).
FLUENTD_ADDRESS_RE = lazy(r"^(?:tcp://)?(\[[^\]]*\]|[^:/\s]*)?(?::(\d+))?/?$")
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "[::1]", "0.0.0.0"})

DATA_ONLY_IMAGES = ("alpine", "busybox", "tianon/true", "hello-world")


def one_shot(svc: Service, project: Project | None = None) -> bool:
    """A job that runs and exits (migrations, bucket creation): it needs
    `service_completed_successfully`, not a healthcheck. Recommending that for a server
    would deadlock its dependents, so this uses the whole-word judgement of
    `one_shot_reason` (a server anywhere in the command wins) and a restart policy that
    lets the job stay exited."""
    return svc.restart in (None, "no", "on-failure") and one_shot_reason(svc, project) is not None


def data_only(svc: Service) -> bool:
    """A data/volume container (alpine/busybox with nothing to serve)."""
    repo = svc.image_name.split(":", 1)[0]
    return repo in DATA_ONLY_IMAGES and not svc.ports and not svc.expose


def fluentd_address_on(svc: Service, target: Service) -> str | None:
    """The fluentd address `svc` logs to when `target` publishes it on the host (the
    daemon, not the container, connects: localhost and the published port). None when
    the driver is not fluentd, connects asynchronously, or the address is elsewhere."""
    log = svc.logging
    if log is None or (log.driver or "").lower() != "fluentd":
        return None
    if any(_truthy(log.options.get(k)) for k in ("fluentd-async", "fluentd-async-connect")):
        return None
    address = log.options.get("fluentd-address") or "localhost:24224"
    m = FLUENTD_ADDRESS_RE.match(address.strip())
    if m is None or (m.group(1) or "localhost").lower() not in LOCAL_HOSTS:
        return None
    port = int(m.group(2) or 24224)
    published = any(
        p.published == port
        or (p.published_range and p.published_range[0] <= port <= p.published_range[1])
        for p in target.ports
    )
    return address if published else None


def _truthy(value: str | None) -> bool:
    return str(value).strip().lower() in ("true", "1", "yes")


# ---------------------------------------------------------------- fix


def fix_dependency_healthcheck(ctx: FixContext, finding: Finding) -> Fix | None:
    """XF004: give the depended-on service a healthcheck when its image has a known probe."""
    return ce.healthcheck_fix(ctx, _dependency(ctx, finding))


def tell_dependency_healthcheck(ctx: FixContext, finding: Finding) -> Applicability:
    """XF004: what `fix_dependency_healthcheck` would give, without building it."""
    return ce.healthcheck_applicability(ctx, _dependency(ctx, finding))


def _dependency(ctx: FixContext, finding: Finding) -> Service:
    subject = ctx.subject(finding, UnhealthyDependency)
    if not subject.target_service:
        raise FixUnavailable("no dependency named")
    return ctx.other_service(finding, subject.target_service, subject.project, subject.service)


@record(frozen=True, kw_only=True, hot=True)
class UnhealthyDependency:
    """The service, the dependency without a healthcheck and how it waits."""

    project: str | None = None
    service: str | None = None
    target_service: str | None = None
    condition: str | None = None
    one_shot: bool | None = None

    def to_dict(self) -> dict[str, Any]:
        return subject_dict(self)


class DependsOnServiceWithoutHealthcheck(Rule):
    code = "XF004"
    name = "depends-on-service-without-healthcheck"
    title = "depends_on names a service that has no healthcheck"
    severity = Severity.INFO
    category = "cross-file"
    why = (
        "Without a healthcheck Compose only knows that the dependency's container was "
        "*started*, not that it accepts connections. The dependent service starts while "
        "Postgres is still initialising or the API is still importing, fails its first "
        "connections and crash-loops, or nginx sends the first requests to a backend that "
        "is not up (502). With `condition: service_healthy` and no healthcheck on the "
        "target, `docker compose up` refuses to start at all. A Dockerfile HEALTHCHECK "
        "counts as a healthcheck, and so does one the image defines (read from a Dockerfile "
        "in the repository that builds it, or from the curated image table); for an image "
        "the table does not know the finding says so instead of asserting. A service that "
        "waits itself (wait-for-it, dockerize -wait, a pg_isready or nc -z loop in its "
        "command or entrypoint script) is not reported. For a one-shot job (migrations) the right wait is "
        "`condition: service_completed_successfully`; data-only containers are ignored. "
        "Severity follows certainty: `condition: service_healthy` on a dependency known to "
        "have no healthcheck is an error (`up` fails), on an image that may define one a "
        "warning; a plain depends_on is info (many apps retry or connect later), except "
        "when the dependent logs through the fluentd driver to the dependency's published "
        "port (Docker refuses to start a container whose fluentd daemon does not accept "
        "yet): a warning."
    )
    how_to_fix = (
        "Give the dependency a healthcheck that tests real readiness (pg_isready, "
        "redis-cli ping, an HTTP /health endpoint) and depend on it with "
        "`condition: service_healthy`."
    )
    fixer = staticmethod(fix_dependency_healthcheck)
    fix_applicability_of = staticmethod(tell_dependency_healthcheck)
    references = (
        "https://docs.docker.com/compose/how-tos/startup-order/",
        "https://docs.docker.com/reference/compose-file/services/#healthcheck",
    )
    examples = (
        Example(
            bad={"docker-compose.yml": BAD},
            good={"docker-compose.yml": GOOD},
            description="api waits only for the db container to start",
        ),
        Example(
            bad={"docker-compose.yml": BAD_HEALTHY},
            good={"docker-compose.yml": GOOD},
            description="service_healthy on a service without healthcheck",
        ),
    )

    def check(self, stack: Stack) -> Iterator[Finding]:
        index = built_elsewhere(stack)
        for project, svc, dep, target in service_dependencies(stack):
            if dep.condition == "service_completed_successfully":
                continue
            if target.effective_healthcheck is not None or data_only(target):
                continue
            disabled = target.healthcheck is not None and target.healthcheck.disabled
            health = None if disabled else image_health(target, index)
            if health is not None and health.state == YES:
                continue
            if dep.condition != "service_healthy" and waits_itself(svc, stack.root, target):
                continue  # the app waits for its dependency itself
            message, severity = self._message(svc, target, dep.condition, project, health)
            yield self.finding(
                dep.location,
                message,
                subject=f"{svc.name}->{target.name}",
                related=[target.location],
                severity=severity,
                detail=UnhealthyDependency(
                    project=project.name,
                    service=svc.name,
                    target_service=target.name,
                    condition=dep.condition,
                    one_shot=one_shot(target, project),
                ),
            )

    @staticmethod
    def _message(
        svc: Service,
        target: Service,
        condition: str | None,
        project: Project,
        health: ImageHealth | None,
    ) -> tuple[str, Severity | None]:
        """The finding's text and severity (None: the rule's, info): an error only when
        service_healthy meets a healthcheck known to be missing, a warning for an unknown
        image or a fluentd log driver that needs the dependency up (both measured on the
        labelled corpus set: the plain branch was right 3 times in 33)."""
        if health is None:
            state = "has its healthcheck disabled"
        elif health.state == UNKNOWN:
            state = (
                f"has no healthcheck in compose or in a Dockerfile here ({health.evidence}; "
                "unknown: check `docker inspect`)"
            )
        else:
            state = "has no healthcheck (compose or Dockerfile HEALTHCHECK)"
        if condition == "service_healthy":
            if health is not None and health.state == UNKNOWN:
                return (
                    f"'{svc.name}' waits for '{target.name}' to be healthy, but "
                    f"'{target.name}' {state}: without one `docker compose up` fails",
                    Severity.WARNING,
                )
            return (
                f"'{svc.name}' waits for '{target.name}' to be healthy, "
                f"but '{target.name}' {state}: `docker compose up` fails "
                f"with 'dependency ... has no healthcheck configured'",
                Severity.ERROR,
            )
        if one_shot(target, project):
            return (
                f"'{svc.name}' depends on '{target.name}', which looks like "
                f"a one-shot job and has no healthcheck: use `condition: "
                f"service_completed_successfully` so '{svc.name}' waits "
                f"for it to finish",
                None,
            )
        plain = (
            f"'{svc.name}' depends on '{target.name}', which {state}: "
            f"Compose starts '{svc.name}' as soon as the container "
            f"exists, before '{target.name}' is ready"
        )
        address = fluentd_address_on(svc, target)
        if address is not None:
            return (
                f"{plain}; '{svc.name}' logs through the fluentd driver to {address} "
                f"(published by '{target.name}'), and Docker does not start a container "
                "whose fluentd daemon does not accept connections yet",
                Severity.WARNING,
            )
        return plain, None
