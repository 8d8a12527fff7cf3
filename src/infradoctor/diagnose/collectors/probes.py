"""Probes: HTTP GET of each upstream target directly and of each nginx server through
its loopback listener, and DNS resolution of upstream hostnames. Short timeouts, run in
parallel, GET only."""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import urlsplit

from infradoctor.diagnose.collectors._unix_http import UnixHTTPConnection
from infradoctor.diagnose.evidence import Bundle
from infradoctor.syntax.nginxdump import listen_target, split_target

EXCERPT = 200
MAX_PROBES = 64


def http_get(
    name: str,
    url: str,
    via: str,
    timeout: float,
    host_header: str | None = None,
    unix_path: str | None = None,
) -> dict[str, Any]:
    result: dict[str, Any] = {
        "name": name,
        "url": url,
        "via": via,
        "status": None,
        "error": None,
        "seconds": 0.0,
        "body_excerpt": "",
    }
    parts = urlsplit(url)
    start = time.monotonic()
    conn: http.client.HTTPConnection
    if unix_path is not None:
        conn = UnixHTTPConnection(unix_path, timeout)
    elif parts.scheme == "https":
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        conn = http.client.HTTPSConnection(
            parts.hostname or "", parts.port or 443, timeout=timeout, context=ctx
        )
    else:
        conn = http.client.HTTPConnection(parts.hostname or "", parts.port or 80, timeout=timeout)
    try:
        path = "/" if unix_path is not None else (parts.path or "/")
        if parts.query and unix_path is None:
            path += "?" + parts.query
        headers = {"User-Agent": "infradoctor-probe", "Connection": "close"}
        if host_header:
            headers["Host"] = host_header
        conn.request("GET", path, headers=headers)
        resp = conn.getresponse()
        result["status"] = resp.status
        result["body_excerpt"] = resp.read(EXCERPT).decode("utf-8", "replace")
    except TimeoutError:
        result["error"] = f"timed out after {timeout:g}s"
    except (OSError, http.client.HTTPException) as exc:
        result["error"] = f"{type(exc).__name__}: {exc}"
    finally:
        conn.close()
        result["seconds"] = round(time.monotonic() - start, 3)
    return result


def resolve(name: str, timeout: float) -> dict[str, Any]:
    """getaddrinfo in a daemon thread so a stuck resolver costs at most `timeout`."""
    box: dict[str, Any] = {}

    def work() -> None:
        try:
            infos = socket.getaddrinfo(name, None, proto=socket.IPPROTO_TCP)
            box["addresses"] = sorted({str(i[4][0]) for i in infos})
        except OSError as exc:
            box["error"] = f"{type(exc).__name__}: {exc}"

    t = threading.Thread(target=work, daemon=True)
    t.start()
    t.join(timeout)
    if t.is_alive():
        return {"addresses": [], "error": f"timed out after {timeout:g}s"}
    return {"addresses": box.get("addresses", []), "error": box.get("error")}


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
        return True
    except ValueError:
        return False


def container_addresses(containers: list[dict[str, Any]]) -> dict[str, list[str]]:
    """Names a proxy_pass may use for a container -> its network IPs (running only)."""
    out: dict[str, list[str]] = {}
    for c in containers:
        if not (c.get("State") or {}).get("Running"):
            continue
        ips = [
            n.get("IPAddress")
            for n in ((c.get("NetworkSettings") or {}).get("Networks") or {}).values()
            if n.get("IPAddress")
        ]
        names = {c.get("Name"), c.get("ComposeService"), (c.get("Config") or {}).get("Hostname")}
        for n in ((c.get("NetworkSettings") or {}).get("Networks") or {}).values():
            names.update(n.get("Aliases") or [])
        for name in names:
            if name:
                out.setdefault(str(name), []).extend(ips)
    return out


def plan(ctx: Any) -> tuple[list[dict[str, Any]], list[str]]:
    """Probe jobs (kwargs for http_get) and hostnames to resolve."""
    facts = ctx.nginx_facts
    jobs: list[dict[str, Any]] = []
    names: list[str] = []
    if facts is None:
        return jobs, names
    by_name = container_addresses(ctx.containers)
    targets: list[tuple[str, str]] = []  # (label, host:port or unix:path)
    for pp in facts.proxy_passes:
        if "$" in pp:
            continue
        if pp.startswith(("http://unix:", "https://unix:")):
            sock_path = pp.split("unix:", 1)[1].split(":", 1)[0]
            targets.append((pp, "unix:" + sock_path))
            continue
        parts = urlsplit(pp)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            continue
        netloc = parts.netloc
        servers = facts.upstreams.get(netloc)
        if servers is not None:
            for s in servers:
                targets.append((f"{netloc}/{s}", s))
        else:
            default = 443 if parts.scheme == "https" else 80
            host, port = split_target(netloc, default)
            targets.append((pp, f"{host}:{port}"))
    seen: set[str] = set()
    for label, target in targets:
        if target in seen:
            continue
        seen.add(target)
        if target.startswith("unix:"):
            path = target[len("unix:") :]
            jobs.append(
                {"name": label, "url": f"http://unix:{path}:/", "via": "direct", "unix_path": path}
            )
            continue
        host, port = split_target(target, 80)
        if _is_ip(host):
            jobs.append({"name": label, "url": f"http://{_bracket(host)}:{port}/", "via": "direct"})
            continue
        if host not in names:
            names.append(host)
        for ip in sorted(set(by_name.get(host, []))):
            jobs.append(
                {
                    "name": label,
                    "url": f"http://{_bracket(ip)}:{port}/",
                    "via": "direct",
                    "host_header": host,
                }
            )
        if host not in by_name:
            jobs.append({"name": label, "url": f"http://{host}:{port}/", "via": "direct"})
    nginx_ip = _nginx_container_ip(ctx)
    for srv in facts.servers:
        server_name = next(
            (n for n in srv.names if n and "*" not in n and "~" not in n[:1] and n != "_"), None
        )
        paths = [loc for loc, _ in srv.routes if loc.startswith("/")] or ["/"]
        for listen in srv.listens:
            lt = listen_target(listen)
            if lt is None:
                continue
            host, port, ssl_on = lt
            if nginx_ip and (host.startswith("127.") or host == "::1"):
                host = nginx_ip  # nginx's loopback is its container's, not ours
            scheme = "https" if ssl_on else "http"
            for path in paths[:4]:
                jobs.append(
                    {
                        "name": f"{server_name or 'server'}{path}",
                        "url": f"{scheme}://{_bracket(host)}:{port}{path}",
                        "via": "nginx",
                        "host_header": server_name,
                    }
                )
    return jobs[:MAX_PROBES], names


def _nginx_container_ip(ctx: Any) -> str | None:
    """The network IP of the container nginx runs in (None for nginx on the host)."""
    pid = (ctx.nginx_process or {}).get("container_pid")
    if not pid:
        return None
    for c in ctx.containers:
        if (c.get("State") or {}).get("Pid") == pid:
            nets = ((c.get("NetworkSettings") or {}).get("Networks") or {}).values()
            for n in nets:
                if n.get("IPAddress"):
                    return str(n["IPAddress"])
    return None


def _bracket(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def docker_dns(ctx: Any, names: list[str]) -> dict[str, dict[str, Any]]:
    """What Docker's embedded DNS answers for `names`, when nginx itself runs in a
    container (or no nginx runs on this host): network aliases of running containers;
    a stopped container's name gets no answer. Names no container knows are left out."""
    proc = ctx.nginx_process or {}
    if proc.get("running") and not proc.get("container_pid"):
        return {}  # nginx on the host resolves like getaddrinfo() here
    running = container_addresses(ctx.containers)
    stopped: dict[str, str] = {}
    for c in ctx.containers:
        if (c.get("State") or {}).get("Running"):
            continue
        labels = {c.get("Name"), c.get("ComposeService")}
        for n in ((c.get("NetworkSettings") or {}).get("Networks") or {}).values():
            labels.update(n.get("Aliases") or [])
        for label in labels:
            if label:
                stopped.setdefault(str(label), str(c.get("Name")))
    out: dict[str, dict[str, Any]] = {}
    for name in names:
        if running.get(name):
            out[name] = {"addresses": sorted(set(running[name])), "error": None, "source": "docker"}
        elif name in stopped:
            out[name] = {
                "addresses": [],
                "source": "docker",
                "error": f"container {stopped[name]} is not running (Docker's DNS "
                f"has no record for stopped containers)",
            }
    return out


def collect(ctx: Any, bundle: Bundle) -> str | None:
    jobs, names = plan(ctx)
    per_probe = max(0.5, min(3.0, ctx.opts.timeout / 4))
    results: list[dict[str, Any]] = []
    dns: dict[str, Any] = {}
    with ThreadPoolExecutor(max_workers=8) as pool:
        futures = [pool.submit(http_get, timeout=per_probe, **job) for job in jobs]
        dns_futures = {n: pool.submit(resolve, n, per_probe) for n in names}
        results = [f.result() for f in futures]
        dns = {n: f.result() for n, f in dns_futures.items()}
    for n, answer in docker_dns(ctx, names).items():
        host_view = dns.get(n) or {}
        dns[n] = {**answer, "host": host_view}
    for answer in dns.values():
        answer.setdefault("source", "host")
    bundle.put_json("probes/http.json", results)
    bundle.put_json("probes/dns.json", dns)
    if ctx.nginx_facts is None:
        return "no nginx config: nothing to probe"
    return None
