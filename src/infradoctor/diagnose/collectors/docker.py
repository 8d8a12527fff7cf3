"""Docker collector: read-only Engine API calls (GET only) over the unix socket or TCP,
with a socket timeout so a hung daemon becomes an error entry, plus the listening
sockets inside each running container's network namespace read from /proc."""

from __future__ import annotations

import hashlib
import http.client
import os
import re
import socket
import struct
import time
from typing import Any
from urllib.parse import quote, urlsplit

from infradoctor.diagnose.collectors._unix_http import UnixHTTPConnection
from infradoctor.diagnose.evidence import Bundle
from infradoctor.syntax.jsondoc import loads_bounded

DEFAULT_SOCKET = "unix:///var/run/docker.sock"
LOG_TAIL_LINES = 300
MAX_LOG_BYTES = 1024 * 1024
MAX_CONTAINERS = 200
BOT_TOKEN_RE = re.compile(r"(?<![0-9])\d{6,12}:[A-Za-z0-9_-]{35}(?![A-Za-z0-9_-])")
TCP_LISTEN = "0A"


class DockerError(Exception):
    pass


class DockerClient:
    """Minimal GET-only Engine API client. Refuses any other method by construction."""

    def __init__(self, host: str, timeout: float) -> None:
        self.host = host
        self.timeout = timeout
        url = urlsplit(host)
        if url.scheme == "unix":
            self._unix: str | None = url.path or host[len("unix://") :]
            self._tcp: tuple[str, int] | None = None
        elif url.scheme in ("tcp", "http"):
            if not url.hostname:
                raise DockerError(f"bad docker host {host!r}")
            self._unix = None
            self._tcp = (url.hostname, url.port or 2375)
        else:
            raise DockerError(f"unsupported docker host {host!r} (use unix:// or tcp://)")

    def _conn(self) -> http.client.HTTPConnection:
        if self._unix is not None:
            return UnixHTTPConnection(self._unix, self.timeout)
        assert self._tcp is not None
        return http.client.HTTPConnection(self._tcp[0], self._tcp[1], timeout=self.timeout)

    def get(self, path: str, limit: int = 32 * 1024 * 1024) -> tuple[int, bytes, dict[str, str]]:
        conn = self._conn()
        try:
            conn.request("GET", path, headers={"Host": "docker"})
            resp = conn.getresponse()
            body = resp.read(limit)
            return resp.status, body, {k.lower(): v for k, v in resp.getheaders()}
        except (OSError, http.client.HTTPException) as exc:
            raise DockerError(f"GET {path.split('?')[0]}: {type(exc).__name__}: {exc}") from exc
        finally:
            conn.close()

    def get_json(self, path: str) -> Any:
        status, body, _ = self.get(path)
        if status != 200:
            raise DockerError(f"GET {path.split('?')[0]}: HTTP {status}: {body[:200]!r}")
        try:
            return loads_bounded(body)
        except ValueError as exc:
            raise DockerError(f"GET {path}: not JSON") from exc


def docker_host(opts: Any) -> str:
    return str(opts.docker_host or os.environ.get("DOCKER_HOST") or DEFAULT_SOCKET)


def demux(raw: bytes) -> bytes:
    """Undo Docker's stream multiplexing (8-byte frame headers) for non-TTY containers;
    a TTY container's raw stream is returned as is."""
    out: list[bytes] = []
    i = 0
    while i + 8 <= len(raw):
        stream, size = raw[i], struct.unpack(">I", raw[i + 4 : i + 8])[0]
        if stream not in (0, 1, 2) or raw[i + 1 : i + 4] != b"\0\0\0":
            return raw if not out else b"".join(out) + raw[i:]
        out.append(raw[i + 8 : i + 8 + size])
        i += 8 + size
    if i < len(raw) and not out:
        return raw
    return b"".join(out)


def bot_token_hash(env: list[str] | None) -> str | None:
    """sha256 prefix of the first Telegram-token-looking env value, as
    `[REDACTED:bot-token:<12 hex>]` (the same fingerprint redact.py leaves in Env, and a
    form redaction keeps): two containers with the same value poll with the same bot
    token, without the token leaving the host."""
    for item in env or []:
        _, _, value = item.partition("=")
        m = BOT_TOKEN_RE.search(value)
        if m:
            digest = hashlib.sha256(m.group(0).encode()).hexdigest()[:12]
            return f"[REDACTED:bot-token:{digest}]"
    return None


def trim_inspect(c: dict[str, Any]) -> dict[str, Any]:
    """Keep the fields analyzers use (see evidence.py); drop the rest of `inspect`."""
    state = dict(c.get("State") or {})
    host = c.get("HostConfig") or {}
    cfg = c.get("Config") or {}
    nets = (c.get("NetworkSettings") or {}).get("Networks") or {}
    labels = cfg.get("Labels") or {}
    return {
        "Id": c.get("Id"),
        "Name": (c.get("Name") or "").lstrip("/"),
        "Created": c.get("Created"),
        "Path": c.get("Path"),
        "Args": c.get("Args"),
        "Image": c.get("Image"),
        "State": state,
        "RestartCount": c.get("RestartCount", 0),
        "LogPath": c.get("LogPath"),
        "HostConfig": {
            "RestartPolicy": host.get("RestartPolicy"),
            "Memory": host.get("Memory"),
            "MemorySwap": host.get("MemorySwap"),
            "LogConfig": host.get("LogConfig"),
            "PortBindings": host.get("PortBindings"),
            "NetworkMode": host.get("NetworkMode"),
            "Binds": host.get("Binds"),
        },
        "NetworkSettings": {
            "IPAddress": (c.get("NetworkSettings") or {}).get("IPAddress"),
            "Ports": (c.get("NetworkSettings") or {}).get("Ports"),
            "Networks": {
                name: {
                    "IPAddress": n.get("IPAddress"),
                    # kept while the container is stopped: joins a dead upstream IP
                    "IPAMConfig": n.get("IPAMConfig"),
                    "Aliases": n.get("Aliases"),
                    "DNSNames": n.get("DNSNames"),
                    "Gateway": n.get("Gateway"),
                    "NetworkID": n.get("NetworkID"),
                }
                for name, n in nets.items()
            },
        },
        "Config": {
            "Image": cfg.get("Image"),
            "Labels": labels,
            "Env": cfg.get("Env"),
            "Cmd": cfg.get("Cmd"),
            "Entrypoint": cfg.get("Entrypoint"),
            "ExposedPorts": cfg.get("ExposedPorts"),
            "Healthcheck": cfg.get("Healthcheck"),
            "User": cfg.get("User"),
            "Hostname": cfg.get("Hostname"),
        },
        "Mounts": [
            {k: m.get(k) for k in ("Type", "Source", "Destination", "RW")}
            for m in c.get("Mounts") or []
        ],
        "ComposeProject": labels.get("com.docker.compose.project"),
        "ComposeService": labels.get("com.docker.compose.service"),
        "BotTokenHash": bot_token_hash(cfg.get("Env")),
        "LogSize": None,
    }


def parse_proc_net(text: str, proto: str) -> list[dict[str, Any]]:
    """LISTEN sockets from /proc/<pid>/net/tcp or tcp6 text."""
    out: list[dict[str, Any]] = []
    for line in text.splitlines()[1:]:
        cols = line.split()
        if len(cols) < 4 or cols[3] != TCP_LISTEN:
            continue
        addr_hex, _, port_hex = cols[1].partition(":")
        try:
            port = int(port_hex, 16)
            raw = bytes.fromhex(addr_hex)
        except ValueError:
            continue
        # the kernel prints each 32-bit word in host (little-endian) order
        words = b"".join(raw[k : k + 4][::-1] for k in range(0, len(raw), 4))
        if len(words) == 4:
            address = socket.inet_ntop(socket.AF_INET, words)
        elif len(words) == 16:
            address = socket.inet_ntop(socket.AF_INET6, words)
            if address.startswith("::ffff:") and "." in address:
                address = address[len("::ffff:") :]
        else:
            continue
        out.append({"proto": proto, "address": address, "port": port})
    return out


def listening_sockets(pid: int) -> list[dict[str, Any]]:
    """LISTEN TCP sockets in the network namespace of `pid` (needs root for others')."""
    found: list[dict[str, Any]] = []
    for proto in ("tcp", "tcp6"):
        with open(f"/proc/{pid}/net/{proto}") as fh:
            found += parse_proc_net(fh.read(), proto)
    uniq = {(s["proto"], s["address"], s["port"]): s for s in found}
    return sorted(uniq.values(), key=lambda s: (s["port"], s["proto"], s["address"]))


def _member_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name)[:120] or "container"


def collect(ctx: Any, bundle: Bundle) -> str | None:
    opts = ctx.opts
    host = docker_host(opts)
    engine: dict[str, Any] = {
        "reachable": False,
        "host": host,
        "error": None,
        "root_dir": None,
        "version": None,
    }
    timeout = max(1.0, min(opts.timeout / 2, 5.0))
    try:
        client = DockerClient(host, timeout)
        version = client.get_json("/version")
        engine["reachable"] = True
        engine["version"] = version.get("Version")
        engine["api_version"] = version.get("ApiVersion")
        info = client.get_json("/info")
        engine["root_dir"] = info.get("DockerRootDir")
        engine["logging_driver"] = info.get("LoggingDriver")
        ctx.docker_root = engine["root_dir"]
        listing = client.get_json("/containers/json?all=1")
    except DockerError as exc:
        engine["error"] = str(exc)
        bundle.put_json("docker/engine.json", engine)
        bundle.put_json("docker/containers.json", [])
        raise
    problems: list[str] = []
    containers: list[dict[str, Any]] = []
    since = ctx.since_epoch
    for done, item in enumerate(listing[:MAX_CONTAINERS]):
        if ctx.time_left() < 2 * timeout:
            # keep what we have rather than lose everything to the collector's budget
            problems.append(f"time budget: stopped after {done} of {len(listing)} containers")
            break
        cid = item.get("Id", "")
        try:
            full = client.get_json(f"/containers/{quote(cid)}/json")
        except DockerError as exc:
            problems.append(str(exc))
            continue
        c = trim_inspect(full)
        name = _member_name(c["Name"] or cid[:12])
        c["LogSize"] = _log_size(c.get("LogPath"))
        pid = (c.get("State") or {}).get("Pid") or 0
        try:
            query = f"stdout=1&stderr=1&timestamps=1&tail={LOG_TAIL_LINES}"
            if since is not None:
                query += f"&since={int(since)}"
            status, raw, _ = client.get(
                f"/containers/{quote(cid)}/logs?{query}", limit=MAX_LOG_BYTES
            )
            if status == 200:
                tty = bool((full.get("Config") or {}).get("Tty"))
                text = raw if tty else demux(raw)
                bundle.put_bytes(f"docker/logs/{name}.log", text)
                if pid and pid == (ctx.nginx_process or {}).get("container_pid"):
                    _split_nginx_stream(ctx, bundle, name, text)
            else:
                problems.append(f"logs of {name}: HTTP {status}")
        except DockerError as exc:
            problems.append(f"logs of {name}: {exc}")
        if (c.get("State") or {}).get("Running") and pid > 0:
            try:
                bundle.put_json(f"docker/listening/{name}.json", listening_sockets(pid))
            except OSError as exc:
                problems.append(f"listening sockets of {name}: {exc.strerror or exc}")
        containers.append(c)
    ctx.containers = containers
    engine["collected_at"] = time.time()
    bundle.put_json("docker/engine.json", engine)
    bundle.put_json("docker/containers.json", containers)
    if len(listing) > MAX_CONTAINERS:
        problems.append(f"only the first {MAX_CONTAINERS} of {len(listing)} containers")
    return "; ".join(problems) or None


DOCKER_TS_RE = re.compile(rb"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z ")
NGINX_ERROR_RE = re.compile(rb"^\d{4}/\d\d/\d\d \d\d:\d\d:\d\d \[")


def _split_nginx_stream(ctx: Any, bundle: Bundle, name: str, text: bytes) -> None:
    """A containerized nginx logging to stdout/stderr: split its container log into the
    error and access windows nginx/logs.json promised as "container-stream"."""
    entries = [dict(e) for e in (ctx.nginx_logs or [])]
    streams = [e for e in entries if e.get("status") == "container-stream"]
    if not streams:
        return
    errors: list[bytes] = []
    access: list[bytes] = []
    for line in text.splitlines():
        m = DOCKER_TS_RE.match(line)
        body = line[m.end() :] if m else line
        (errors if NGINX_ERROR_RE.match(body) else access).append(body)
    done: set[str] = set()
    for n, e in enumerate(entries):
        if e.get("status") != "container-stream" or e["kind"] in done:
            continue
        done.add(e["kind"])  # one window per kind: every stream is the same container log
        lines = errors if e["kind"] == "error" else access
        data = b"".join(x + b"\n" for x in lines)
        member = f"nginx/logs/{n}-{name}.{e['kind']}.log"
        bundle.put_bytes(member, data)
        e.update(
            file=member, bytes_total=len(data), bytes_read=len(data), status="ok", container=name
        )
    bundle.put_json("nginx/logs.json", entries)


def _log_size(path: str | None) -> int | None:
    if not path:
        return None
    try:
        return os.stat(path).st_size
    except OSError:
        return None
