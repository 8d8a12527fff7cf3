"""`infradoctor smoke PATH`: the `wait --from` probes once, then every nginx route end to
end (through nginx's listen port on 127.0.0.1) and the proxied service directly (its
published port on 127.0.0.1), so a failing route says whether the service or nginx is at
fault: the runbooks' "check the backend directly, then through nginx" as one command.

Only loopback is contacted: nginx is reached on 127.0.0.1 (its own listen port when it
runs on the host, the published port of its container otherwise) and services on the
127.0.0.1 side of their published ports (or the loopback upstream a host nginx uses)."""

from __future__ import annotations

import http.client
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from infradoctor.model.nginx import ProxyRoute
from infradoctor.model.stack import Project, ResolvedTarget, Stack
from infradoctor.wait.runner import READY, TargetState, WaitOptions, wait_all

LOOPBACK_NAMES = {"127.0.0.1", "localhost", "::1", "[::1]", "0.0.0.0"}


@dataclass(slots=True)
class HttpCheck:
    url: str  # what was requested (loopback)
    host_header: str | None = None
    status: int | None = None
    error: str | None = None
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.error is None and self.status is not None and self.status < 500

    @property
    def summary(self) -> str:
        if self.error is not None:
            return self.error
        return f"HTTP {self.status}"


@dataclass(slots=True)
class RouteCheck:
    route: str  # "server_name location -> upstream"
    config: str  # file:line of the pass directive
    via_nginx: HttpCheck | None
    direct: HttpCheck | None
    ok: bool = False
    cause: str | None = None
    note: str | None = None
    findings: list[str] = field(default_factory=list)


@dataclass(slots=True)
class SmokeReport:
    probes: list[TargetState]
    routes: list[RouteCheck]
    skipped: list[str]
    errors: list[str]

    @property
    def ok(self) -> bool:
        return all(p.state == READY for p in self.probes) and all(r.ok for r in self.routes)


def http_check(
    port: int, path: str, host_header: str | None, timeout: float, host: str = "127.0.0.1"
) -> HttpCheck:
    check = HttpCheck(f"http://{host}:{port}{path}", host_header)
    start = time.monotonic()
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        headers = {"User-Agent": "infradoctor-smoke", "Connection": "close"}
        if host_header:
            headers["Host"] = host_header
        conn.request("GET", path, headers=headers)
        resp = conn.getresponse()
        resp.read(65536)
        check.status = resp.status
    except ConnectionRefusedError:
        check.error = "connection refused"
    except TimeoutError:
        check.error = f"timed out after {timeout:.0f}s"
    except (OSError, http.client.HTTPException) as exc:
        check.error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    finally:
        conn.close()
    check.seconds = time.monotonic() - start
    return check


def _listen_port(arg: str) -> tuple[str | None, int] | None:
    if arg.startswith("unix:"):
        return None
    if arg.startswith("["):
        host, _, rest = arg[1:].partition("]")
        port = rest.lstrip(":")
        return (host, int(port)) if port.isdigit() else (host, 80)
    if arg.isdigit():
        return None, int(arg)
    if ":" in arg:
        host, _, port = arg.rpartition(":")
        return (host, int(port)) if port.isdigit() else None
    return arg, 80


def nginx_port(stack: Stack, project: Project | None, route: ProxyRoute) -> tuple[int | None, str]:
    """The 127.0.0.1 port reaching this route's server block, and how we know."""
    listens = route.listens or ["80"]
    for listen in listens:
        parts = listen.split()
        if "ssl" in parts[1:] or "quic" in parts[1:]:
            continue
        hp = _listen_port(parts[0])
        if hp is None:
            continue
        lhost, lport = hp
        if project is not None and not project.nginx_runs_on_host(route.config):
            svc = project.services.get(project.nginx_service[route.config.root_file])
            if svc is None:
                continue
            for p in svc.ports:
                if p.target == lport and p.published is not None and p.protocol == "tcp":
                    if p.host_ip in (None, "", "0.0.0.0", "::", "127.0.0.1"):
                        return p.published, f"nginx service {svc.name} publishes {p.raw}"
            continue
        if lhost in (None, "*", "0.0.0.0", "[::]", "::", "127.0.0.1", "localhost", "::1"):
            return lport, f"host nginx listens on {listen}"
    return None, "no plain-HTTP listen reachable on 127.0.0.1"


def _request_path(route: ProxyRoute) -> str | None:
    loc = route.location_block
    if loc is None:
        return "/"
    args = loc.args
    if not args:
        return None
    if args[0] in ("=", "^~") and len(args) > 1:
        return args[1]
    if args[0].startswith(("~", "@")):
        return None  # a regex or named location has no one concrete path
    return args[0]


def _upstream_path(route: ProxyRoute, path: str) -> str:
    """The URI nginx sends upstream: a proxy_pass with a URI replaces the location prefix."""
    loc = route.location_block
    if route.uri and loc is not None and loc.args and not loc.args[0].startswith("~"):
        prefix = loc.args[-1]
        if path.startswith(prefix):
            return route.uri + path[len(prefix) :]
    return path


def _host_header(route: ProxyRoute) -> str | None:
    for name in route.server_names:
        if name and name != "_" and not name.startswith(("~", "*", ".")) and "*" not in name:
            return name
    return None


def direct_port(stack: Stack, rt: ResolvedTarget, on_host: bool) -> tuple[int | None, str]:
    """The 127.0.0.1 port that reaches the proxied service without nginx."""
    from infradoctor.facts.ports import container_port, effective_port

    svc = rt.service
    port = effective_port(rt.route, rt.target)
    host = (rt.target.host or "").lower()
    if svc is None or (on_host and host in LOOPBACK_NAMES):
        if host in LOOPBACK_NAMES and port is not None:
            return port, f"upstream {host}:{port} is on loopback"
        return None, rt.reason or "upstream is not a service of the stack"
    cport = container_port(rt)
    for p in svc.ports:
        if p.protocol != "tcp" or p.published is None:
            continue
        if p.target == cport and p.host_ip in (None, "", "0.0.0.0", "::", "127.0.0.1"):
            return p.published, f"service {svc.name} publishes {p.raw}"
    return None, f"service {svc.name} does not publish port {cport} on 127.0.0.1"


def _cause(via: HttpCheck, direct: HttpCheck, rt: ResolvedTarget) -> str:
    up = f"{rt.target.host}:{rt.target.port}" if rt.target.port else rt.route.raw
    if via.error == "connection refused":
        return (
            f"nginx does not accept connections on {via.url.split('/')[2]} (not running, or "
            "its listen/published port differs), while the service answers directly"
        )
    if via.status == 502:
        return (
            f"nginx cannot reach the upstream {up} although the service answers directly: "
            "check the proxy_pass host and port against what the service listens on, its "
            "bind address (0.0.0.0, not 127.0.0.1) and that nginx shares its network"
        )
    if via.status == 504:
        return (
            f"nginx timed out waiting for {up} (proxy_read_timeout / proxy_connect_timeout) "
            "although the service answers directly"
        )
    if via.status == 503:
        return "nginx answers 503 (limit_req/limit_conn, all upstream servers marked down?)"
    return f"through nginx: {via.summary}; directly: {direct.summary}"


def smoke(
    path: Path, timeout: float = 5.0, probe_timeout: float = 5.0, with_lint: bool = True
) -> SmokeReport:
    from infradoctor.loaders import load_stack
    from infradoctor.wait.from_stack import targets_from_stack

    stack = load_stack(path)
    errors = [f"{e.file}: {e.message}" for e in stack.errors]
    targets, skipped = targets_from_stack(stack)
    probes = wait_all(
        targets, WaitOptions(timeout=probe_timeout, attempt_timeout=probe_timeout), once=True
    )
    findings_by_line: dict[tuple[str, int], list[str]] = {}
    if with_lint:
        findings_by_line = _route_findings(stack)
    routes: list[RouteCheck] = []
    seen: set[tuple[int, str, str | None, str]] = set()
    for project in stack.projects:
        for rt in project.targets:
            if rt.route.kind != "proxy" or (rt.route.scheme or "http") != "http":
                continue
            routes.append(_check_route(stack, project, rt, timeout, findings_by_line, seen))
    routes = [r for r in routes if r.route]
    for cfg in stack.nginx:
        if stack.project_for_nginx(cfg) is None:
            for route in cfg.routes:
                if route.kind == "proxy":
                    for target in route.targets:
                        rt = ResolvedTarget(route, target, None, None, "nginx config of no project")
                        rc = _check_route(stack, None, rt, timeout, findings_by_line, seen)
                        if rc.route:
                            routes.append(rc)
    return SmokeReport(probes, routes, [f"{s.service}: {s.reason}" for s in skipped], errors)


def _route_findings(stack: Stack) -> dict[tuple[str, int], list[str]]:
    from infradoctor.config import LintConfig
    from infradoctor.engine import lint

    out: dict[tuple[str, int], list[str]] = {}
    try:
        result = lint(
            stack.root, LintConfig(select=["XF", "NGX008"]), stack=stack, with_fixes=False
        )
    except Exception:  # noqa: BLE001 - lint hints are a bonus, never fatal to smoke
        return out
    for f in result.findings:
        for loc in (f.location, *f.related):
            out.setdefault((loc.file, loc.line), []).append(f"{f.rule} {f.message}")
    return out


def _check_route(
    stack: Stack,
    project: Project | None,
    rt: ResolvedTarget,
    timeout: float,
    findings: dict[tuple[str, int], list[str]],
    seen: set[tuple[int, str, str | None, str]],
) -> RouteCheck:
    route = rt.route
    loc = route.directive.location
    names = _host_header(route)
    path = _request_path(route)
    label = f"{names or '_'} {route.path or '/'} -> {route.raw}"
    rc = RouteCheck(label, f"{loc.file}:{loc.line}", None, None)
    related = [loc, rt.location]
    for place in related:
        for msg in findings.get((place.file, place.line), []):
            if msg not in rc.findings:
                rc.findings.append(msg)
    if path is None:
        rc.note = "regex or named location: no concrete path to request"
        rc.ok = True
        return rc
    nport, nwhy = nginx_port(stack, project, route)
    on_host = project is None or project.nginx_runs_on_host(route.config)
    dport, dwhy = direct_port(stack, rt, on_host)
    key = (nport or 0, path, names, f"{rt.target.host}:{rt.target.port}")
    if key in seen:
        rc.route = ""  # the same request as another upstream server line: once is enough
        return rc
    seen.add(key)
    if nport is not None:
        rc.via_nginx = http_check(nport, path, names, timeout)
    if dport is not None:
        rc.direct = http_check(dport, _upstream_path(route, path), None, timeout)
    notes = []
    if nport is None:
        notes.append(f"not checked through nginx: {nwhy}")
    if dport is None:
        notes.append(f"not checked directly: {dwhy}")
    rc.note = "; ".join(notes) or None
    via, direct = rc.via_nginx, rc.direct
    if via is not None and via.ok:
        rc.ok = True
    elif via is not None:
        if direct is not None and direct.ok:
            rc.cause = _cause(via, direct, rt)
        elif direct is not None:
            rc.cause = f"the service fails directly too ({direct.summary}): fix the service first"
        else:
            rc.cause = f"through nginx: {via.summary}"
    else:
        rc.ok = direct is not None and direct.ok
        if direct is not None and not direct.ok:
            rc.cause = f"the service fails directly ({direct.summary})"
    return rc


def report_json(report: SmokeReport) -> dict[str, Any]:
    from infradoctor.redact import redact_text
    from infradoctor.wait.display import as_json

    def hc(c: HttpCheck | None) -> dict[str, Any] | None:
        if c is None:
            return None
        return {
            "url": c.url,
            "host": c.host_header,
            "status": c.status,
            "error": c.error,
            "seconds": round(c.seconds, 3),
            "ok": c.ok,
        }

    return {
        "ok": report.ok,
        "probes": as_json(report.probes),
        "routes": [
            {
                "route": r.route,
                "config": r.config,
                "ok": r.ok,
                "via_nginx": hc(r.via_nginx),
                "direct": hc(r.direct),
                "cause": redact_text(r.cause) if r.cause else None,
                "note": r.note,
                "findings": [redact_text(f) for f in r.findings],
            }
            for r in report.routes
        ],
        "skipped": report.skipped,
        "errors": [redact_text(e) for e in report.errors],
    }


def report_text(report: SmokeReport) -> str:
    from infradoctor.redact import redact_text
    from infradoctor.wait.display import table

    out: list[str] = []
    if report.probes:
        out.append("Services (published ports):")
        out.append(table(report.probes).rstrip("\n"))
    for s in report.skipped:
        out.append(f"  skipped {s}")
    if report.routes:
        out.append("" if out else "")
        out.append("nginx routes (through nginx, then directly):")
        for r in report.routes:
            mark = "ok" if r.ok else "FAIL"
            out.append(f"{mark:>4}  {r.route}  ({r.config})")
            for label, c in (("via nginx", r.via_nginx), ("direct   ", r.direct)):
                if c is not None:
                    host = f" Host: {c.host_header}" if c.host_header else ""
                    out.append(
                        f"        {label} {c.url}{host}  {c.summary}  {c.seconds * 1000:.0f} ms"
                    )
            if r.cause:
                out.append(f"        cause: {redact_text(r.cause)}")
            for f in r.findings:
                out.append(f"        lint: {redact_text(f)}")
            if r.note:
                out.append(f"        note: {r.note}")
    if not report.probes and not report.routes:
        out.append("nothing to check: no published service ports and no nginx proxy routes")
    failed_probes = sum(p.state != READY for p in report.probes)
    failed_routes = sum(not r.ok for r in report.routes)
    out.append("")
    out.append(
        f"{'OK' if report.ok else 'FAILED'}: {len(report.probes) - failed_probes}/"
        f"{len(report.probes)} services ready, {len(report.routes) - failed_routes}/"
        f"{len(report.routes)} routes ok"
    )
    return "\n".join(out) + "\n"
