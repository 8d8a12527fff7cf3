"""Container state on its own (without an nginx error pointing at it): OOM kills,
crash loops, stopped proxied containers, failing health checks."""

from __future__ import annotations

from infradoctor.diagnose.analyzers.base import Diagnosis, make
from infradoctor.diagnose.analyzers.facts import Container, Facts
from infradoctor.diagnose.analyzers.upstream import (
    container_evidence,
    last_log_error,
    state_cause,
    state_plan,
    state_values,
)
from infradoctor.diagnose.evidence import Bundle


def analyze(bundle: Bundle, f: Facts) -> list[Diagnosis]:
    out: list[Diagnosis] = []
    for c in f.containers:
        proxied = f.is_proxied(c)
        state = state_cause(f, c)
        if state is not None:
            cause, conf, head = state
            if cause == "container-stopped":
                if c.exit_code == 0 and not proxied:
                    continue  # a one-shot job that finished
                # a stopped container nothing routes to is worth a note, not an alarm
                severity = "error" if proxied else "info"
                if not proxied:
                    conf -= 0.3
                    head += " (nginx does not proxy to it)"
            else:
                severity = "error"
            d = make(
                cause,
                severity,
                conf,
                head + ".",
                c.subject(),
                {"address": _address(c), **state_values(c)},
                plan=state_plan(c, cause),
            )
            d.first_seen = c.finished_at if cause != "container-crashloop" else c.started_at
            container_evidence(d, f, c)
            hit = last_log_error(f, c)
            if hit is not None:
                d.add_evidence(c.log_path or "", hit[0], hit[1])
            _log_tail_evidence(d, bundle, c.log_path)
            out.append(d)
        if c.health_status == "unhealthy":
            logs = [x for x in c.health.get("Log") or [] if isinstance(x, dict)]
            last = logs[-1] if logs else {}
            output = str(last.get("Output") or "").strip().replace("\n", " ")[:300]
            d = make(
                "healthcheck-failing",
                "warning",
                0.9,
                f"{c.name} is unhealthy ({c.health.get('FailingStreak', '?')} failed checks "
                f"in a row); last check exit code {last.get('ExitCode')}: "
                f"{output or 'no output'}.",
                c.subject(),
            )
            test = (c.config.get("Healthcheck") or {}).get("Test")
            if test:
                d.add_evidence(
                    "docker/containers.json", None, f"{c.name}: Config.Healthcheck.Test={test}"
                )
            for entry in logs[-3:]:
                d.add_evidence(
                    "docker/containers.json",
                    None,
                    f"{c.name}: Health.Log {entry.get('Start')} exit "
                    f"{entry.get('ExitCode')}: "
                    f"{str(entry.get('Output') or '').strip()[:300]}",
                )
            out.append(d)
    return out


def _log_tail_evidence(d: Diagnosis, bundle: Bundle, member: str | None) -> None:
    """Quote the last meaningful lines the container printed before it stopped."""
    if not member:
        return
    lines = (bundle.read_text(member) or "").splitlines()
    tail = [(i, ln) for i, ln in enumerate(lines, 1) if ln.strip()][-3:]
    for i, ln in tail:
        d.add_evidence(member, i, ln)


def _address(c: Container) -> str | None:
    if not c.ips:
        return None
    ports = sorted(c.exposed_ports)
    return f"{c.ips[0]}:{ports[0]}" if ports else c.ips[0]
