"""CMP008: health check durations that Docker cannot parse or that defeat the check."""

from __future__ import annotations

from collections.abc import Iterator

from infradoctor.findings import Finding, Severity
from infradoctor.model.source import Location
from infradoctor.model.stack import Healthcheck, Service, Stack
from infradoctor.rules.base import Example, Rule
from infradoctor.rules.compose._util import project_of, raw_get, service_subject
from infradoctor.subjects import DockerfileSubject
from infradoctor.syntax.numbers import GO_MAX_NS, go_duration_ns, parse_int

DEFAULT_SECONDS = 30.0  # Docker's default interval and timeout
SLOW_START_INTERVAL = 60.0


TIMINGS = ("interval", "timeout", "start_period", "start_interval")


def _typed(hc: Healthcheck) -> dict[str, float | None]:
    """The timings in seconds as the model read them (None: absent or not a duration)."""
    return {
        "interval": hc.interval_s,
        "timeout": hc.timeout_s,
        "start_period": hc.start_period_s,
        "start_interval": hc.start_interval_s,
    }


def _count(value: object) -> int | None:
    """A retries value as Docker reads it (an integer or integer text); None otherwise."""
    if isinstance(value, bool):
        return None
    # clamped like every number read (a 300-digit count overflowed the float estimate)
    return parse_int(value) if isinstance(value, (int, str)) else None


def fmt(seconds: float) -> str:
    return f"{seconds:g}s"


def _short(value: object) -> str:
    text = repr(str(value))
    return text if len(text) <= 40 else text[:30] + "...'"


class HealthcheckTimingInvalid(Rule):
    code = "CMP008"
    name = "healthcheck-timing-invalid"
    title = "Health check timing is invalid or defeats the check"
    severity = Severity.WARNING
    category = "availability"
    why = (
        "Health check durations are Go durations with units (`10s`, `1m30s`, `500ms`). A "
        "bare number (`interval: 30`) or a typo (`timeout: 10sec`) makes `docker compose up` "
        "fail to parse the file, and in a Dockerfile `HEALTHCHECK --interval=30` fails the "
        "build. A `timeout` longer than the `interval` means a hanging probe delays the next "
        "one, so a wedged service is reported unhealthy much later than the interval "
        "suggests, while nginx keeps sending it traffic. Docker runs the first probe only "
        "after one full `interval`: with `interval: 2m` every service that waits for this "
        "one with `condition: service_healthy` starts at least two minutes late on each "
        "deploy, unless `start_interval` (Engine 25+) shortens the start-up checks. "
        "Negative `retries` is rejected. (A timeout above the interval is reported at info "
        "severity: it delays detection but breaks nothing.)"
    )
    how_to_fix = (
        "Use durations with units, a timeout shorter than the interval, and a short "
        "interval (or a start_interval) for services others wait on:\n\n"
        '```yaml\nhealthcheck:\n  test: ["CMD", "pg_isready", "-U", "app"]\n'
        "  interval: 10s\n  timeout: 5s\n  retries: 5\n  start_period: 30s\n"
        "  start_interval: 2s\n```"
    )
    references = (
        "https://docs.docker.com/reference/compose-file/services/#healthcheck",
        "https://docs.docker.com/reference/dockerfile/#healthcheck",
    )
    examples = (
        Example(
            bad={
                "docker-compose.yml": (
                    "services:\n"
                    "  db:\n"
                    "    image: postgres:16\n"
                    "    healthcheck:\n"
                    '      test: ["CMD-SHELL", "pg_isready -U app"]\n'
                    "      interval: 2m\n"
                    "      timeout: 5\n"
                    "      retries: 5\n"
                    "  api:\n"
                    "    image: ghcr.io/acme/api:1.8.0\n"
                    "    depends_on:\n"
                    "      db:\n"
                    "        condition: service_healthy\n"
                )
            },
            good={
                "docker-compose.yml": (
                    "services:\n"
                    "  db:\n"
                    "    image: postgres:16\n"
                    "    healthcheck:\n"
                    '      test: ["CMD-SHELL", "pg_isready -U app"]\n'
                    "      interval: 10s\n"
                    "      timeout: 5s\n"
                    "      retries: 5\n"
                    "      start_period: 1m\n"
                    "  api:\n"
                    "    image: ghcr.io/acme/api:1.8.0\n"
                    "    depends_on:\n"
                    "      db:\n"
                    "        condition: service_healthy\n"
                )
            },
        ),
    )

    def check(self, stack: Stack) -> Iterator[Finding]:
        waiting_on: dict[int, dict[str, list[str]]] = {}  # id(project) -> its index
        for svc in stack.services:
            hc = svc.healthcheck
            if hc is None or hc.disabled:
                continue
            raw = raw_get(svc, "healthcheck")
            values = raw if isinstance(raw, dict) else {}
            fields = {
                "interval": values.get("interval", hc.interval),
                "timeout": values.get("timeout", hc.timeout),
                "start_period": values.get("start_period", hc.start_period),
                "start_interval": values.get("start_interval"),
            }
            typed = _typed(hc)
            yield from self._check_values(
                svc, hc.location, fields, typed, values.get("retries", hc.retries), "compose"
            )
            interval = typed["interval"] if fields["interval"] else None
            if (
                interval is not None
                and interval >= SLOW_START_INTERVAL
                and not fields["start_interval"]
            ):
                waiting = self._healthy_dependents(stack, svc, waiting_on)
                if waiting:
                    yield self.finding(
                        hc.location,
                        f"service '{svc.name}' checks health every {fmt(interval)} and the "
                        "first check only runs after one interval: "
                        f"{', '.join(repr(w) for w in waiting)} wait(s) for service_healthy "
                        f"and start at least {fmt(interval)} late "
                        "(shorten interval or add start_interval)",
                        subject=svc.name,
                        detail=service_subject(svc),
                    )
        for path, df in stack.dockerfiles.items():
            ins = df.healthcheck
            if ins is None or ins.value.strip().upper() == "NONE":
                continue
            flags: dict[str, object] = {
                k.lstrip("-").replace("-", "_"): v for k, v in ins.flags.items()
            }
            typed = _typed(Healthcheck.of_instruction(ins))
            yield from self._check_values(
                None, ins.location, flags, typed, flags.get("retries"), path
            )

    def _healthy_dependents(
        self, stack: Stack, svc: Service, index: dict[int, dict[str, list[str]]]
    ) -> list[str]:
        """The services of `svc`'s project that wait for it with service_healthy, in
        project order (from an index built once per project, not a scan per service)."""
        project = project_of(stack, svc)
        if project is None:
            return []
        waiting = index.get(id(project))
        if waiting is None:
            waiting = index[id(project)] = {}
            for o in project.services.values():
                for target in dict.fromkeys(
                    d.service for d in o.depends_on if d.condition == "service_healthy"
                ):
                    waiting.setdefault(target, []).append(o.name)
        return list(waiting.get(svc.name, ()))

    def _check_values(
        self,
        svc: Service | None,
        location: Location,
        fields: dict[str, object],
        typed: dict[str, float | None],
        retries: object,
        origin: str,
    ) -> Iterator[Finding]:
        who = f"service '{svc.name}'" if svc else origin
        detail = service_subject(svc) if svc else DockerfileSubject(origin)
        subject = svc.name if svc else origin
        parsed: dict[str, float] = {}
        for key in TIMINGS:
            value = fields.get(key)
            if value is None or value == "":
                continue
            seconds = typed[key]
            ns = go_duration_ns(value) if seconds is None else None
            if ns is not None and ns > GO_MAX_NS:
                yield self.finding(
                    location,
                    f"{who}: healthcheck {key} {_short(value)} is longer than the longest "
                    "duration Docker accepts (about 292 years); Docker rejects it",
                    subject=subject,
                    detail=detail,
                )
            elif seconds is None:
                yield self.finding(
                    location,
                    f"{who}: healthcheck {key} {str(value)!r} is not a duration with a unit "
                    '(write e.g. "10s" or "1m30s"); Docker rejects it',
                    subject=subject,
                    detail=detail,
                )
            else:
                parsed[key] = seconds
        if retries is not None and not isinstance(retries, bool):
            count = _count(retries)
            if count is None or count < 0:
                yield self.finding(
                    location,
                    f"{who}: healthcheck retries {retries!r} is not a count >= 0",
                    subject=subject,
                    detail=detail,
                )
        interval = parsed.get("interval") or DEFAULT_SECONDS
        timeout = parsed.get("timeout") or DEFAULT_SECONDS
        # Only an explicit timeout counts: Docker's implicit 30s timeout next to a short
        # interval (the pg_isready idiom) is everywhere and harmless in practice.
        if "timeout" in parsed and timeout > interval:
            count = _count(retries) if retries is not None else 3
            tries = max(count, 1) if count is not None else 3
            overridden = self.effective_severity != self.severity
            yield self.finding(
                location,
                f"{who}: healthcheck timeout {fmt(timeout)} is longer than its interval "
                f"{fmt(interval)}: a hanging probe delays the next one, so a wedged service "
                f"is marked unhealthy only after ~{fmt(tries * (interval + timeout))} "
                "(keep timeout below interval)",
                severity=None if overridden else Severity.INFO,
                subject=subject,
                detail=detail,
            )
