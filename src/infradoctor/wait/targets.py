"""Readiness targets: parsing `scheme://...` strings and one probe per protocol.

A probe makes one attempt and returns a `ProbeResult`; it never raises for a target that
is down (refused, timed out, wrong password, unknown database: all "not ready" with the
reason). Only the standard library is used (protocol notes in docs/wait.md)."""

from __future__ import annotations

import json
import socket
import ssl
import struct
import time
from collections.abc import Callable
from urllib.parse import parse_qs, unquote, urlsplit

from infradoctor.wait.model import ProbeResult, Target, TargetError

SCHEMES = (
    "http",
    "https",
    "tcp",
    "postgres",
    "postgresql",
    "redis",
    "rediss",
    "kafka",
    "amqp",
    "amqps",
    "schema-registry+http",
    "schema-registry+https",
    "kube",
)
DEFAULT_PORTS = {
    "http": 80,
    "https": 443,
    "postgres": 5432,
    "postgresql": 5432,
    "redis": 6379,
    "rediss": 6379,
    "kafka": 9092,
    "amqp": 5672,
    "amqps": 5671,
    "schema-registry+http": 8081,
    "schema-registry+https": 443,
}


def parse_target(text: str, expect_body: str | None = None, insecure: bool = False) -> Target:
    if "://" not in text:
        raise TargetError(f"{text!r}: expected SCHEME://HOST:PORT (schemes: {', '.join(SCHEMES)})")
    scheme = text.split("://", 1)[0].lower()
    if scheme not in SCHEMES:
        raise TargetError(f"{text!r}: unknown scheme {scheme!r} (known: {', '.join(SCHEMES)})")
    if scheme == "kube":
        from infradoctor.wait.kube import parse_kube_target

        return parse_kube_target(text)
    parts = urlsplit(text)
    try:
        port = parts.port
    except ValueError:
        raise TargetError(f"{text!r}: invalid port") from None
    host = parts.hostname or ""
    if not host:
        raise TargetError(f"{text!r}: no host")
    if port is None:
        if scheme not in DEFAULT_PORTS:
            raise TargetError(f"{text!r}: {scheme}:// needs a port")
        port = DEFAULT_PORTS[scheme]
    if scheme == "postgresql":
        scheme = "postgres"
    path = parts.path
    if parts.query and scheme in ("http", "https"):
        path += "?" + parts.query
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    return Target(
        raw=text,
        scheme=scheme,
        host=host,
        port=port,
        path=path,
        query=query,
        user=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password is not None else None,
        expect_body=expect_body,
        insecure=insecure,
        probe_fn=PROBES[scheme],
    )


# ---------------------------------------------------------------- probes


def _connect(t: Target, timeout: float, tls: bool = False) -> socket.socket:
    sock = socket.create_connection((t.host, t.port), timeout=timeout)
    sock.settimeout(timeout)
    if tls:
        ctx = ssl.create_default_context()
        if t.insecure:
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
        sock = ctx.wrap_socket(sock, server_hostname=t.host)
    return sock


def _recv_exact(sock: socket.socket, n: int) -> bytes:
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise ConnectionResetError("connection closed by the server")
        data += chunk
    return data


def probe_tcp(t: Target, timeout: float) -> ProbeResult:
    with _connect(t, timeout):
        return ProbeResult(True, "port open")


def _http_get(t: Target, scheme: str, path: str, timeout: float) -> tuple[int, bytes, str]:
    """GET without following redirects: (status, first 64 KiB of the body, reason)."""
    import http.client

    conn: http.client.HTTPConnection
    if scheme == "https":
        ctx = ssl.create_default_context()
        if t.insecure:
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
        conn = http.client.HTTPSConnection(t.host, t.port, timeout=timeout, context=ctx)
    else:
        conn = http.client.HTTPConnection(t.host, t.port, timeout=timeout)
    try:
        headers = {"User-Agent": "infradoctor-wait", "Accept": "*/*", "Connection": "close"}
        if t.user is not None:
            import base64

            cred = f"{t.user}:{t.password or ''}".encode()
            headers["Authorization"] = "Basic " + base64.b64encode(cred).decode()
        conn.request("GET", path or "/", headers=headers)
        resp = conn.getresponse()
        body = resp.read(65536)
        return resp.status, body, resp.reason
    finally:
        conn.close()


def probe_http(t: Target, timeout: float) -> ProbeResult:
    status, body, reason = _http_get(t, t.scheme, t.path, timeout)
    if not 200 <= status < 400:
        return ProbeResult(False, f"HTTP {status} {reason}".strip())
    if t.expect_body is not None and t.expect_body not in body.decode("utf-8", "replace"):
        return ProbeResult(False, f"HTTP {status}, body lacks {t.expect_body!r}")
    return ProbeResult(True, f"HTTP {status}")


def probe_schema_registry(t: Target, timeout: float) -> ProbeResult:
    scheme = t.scheme.split("+", 1)[1]
    base = t.path.rstrip("/")
    status, body, reason = _http_get(t, scheme, base + "/subjects", timeout)
    if status != 200:
        return ProbeResult(False, f"GET /subjects: HTTP {status} {reason}".strip())
    try:
        subjects = json.loads(body)
    except ValueError:
        return ProbeResult(False, "GET /subjects: not JSON (is this a Schema Registry?)")
    if not isinstance(subjects, list):
        return ProbeResult(False, "GET /subjects: not a JSON array")
    return ProbeResult(True, f"{len(subjects)} subject{'' if len(subjects) == 1 else 's'}")


def probe_postgres(t: Target, timeout: float) -> ProbeResult:
    from infradoctor.wait.pgwire import PgError, check

    user = t.user or "postgres"
    database = t.path.lstrip("/") or user
    try:
        res = check(
            t.host,
            t.port,
            user,
            t.password,
            unquote(database),
            timeout,
            sslmode=t.query.get("sslmode", "disable"),
        )
    except PgError as exc:
        return ProbeResult(False, str(exc))
    version = f" (PostgreSQL {res.server_version})" if res.server_version else ""
    return ProbeResult(res.value == "1", f"SELECT 1 -> {res.value}{version}")


def _resp_command(*args: str) -> bytes:
    out = f"*{len(args)}\r\n".encode()
    for a in args:
        b = a.encode()
        out += b"$" + str(len(b)).encode() + b"\r\n" + b + b"\r\n"
    return out


def _resp_line(sock: socket.socket) -> str:
    data = b""
    while not data.endswith(b"\r\n"):
        chunk = sock.recv(1)
        if not chunk:
            raise ConnectionResetError("connection closed by the server")
        data += chunk
        if len(data) > 4096:
            raise OSError("not a Redis server (reply line too long)")
    return data[:-2].decode("utf-8", "replace")


def probe_redis(t: Target, timeout: float) -> ProbeResult:
    with _connect(t, timeout, tls=t.scheme == "rediss") as sock:
        if t.password is not None:
            args = ["AUTH", t.user, t.password] if t.user else ["AUTH", t.password]
            sock.sendall(_resp_command(*args))
            line = _resp_line(sock)
            if not line.startswith("+"):
                return ProbeResult(False, f"AUTH: {line.lstrip('-')}")
        db = t.path.strip("/")
        if db and db != "0":
            sock.sendall(_resp_command("SELECT", db))
            line = _resp_line(sock)
            if not line.startswith("+"):
                return ProbeResult(False, f"SELECT {db}: {line.lstrip('-')}")
        sock.sendall(_resp_command("PING"))
        line = _resp_line(sock)
        if line == "+PONG":
            return ProbeResult(True, "PONG")
        if line.startswith("-"):
            return ProbeResult(False, line[1:])  # LOADING ..., NOAUTH ...
        return ProbeResult(False, f"unexpected reply {line[:60]!r}")


KAFKA_API_VERSIONS = 18


def kafka_api_versions_request(correlation_id: int, client_id: str = "infradoctor") -> bytes:
    """ApiVersions v0: header (api_key, api_version, correlation_id, client_id), no body."""
    cid = client_id.encode()
    body = struct.pack("!hhih", KAFKA_API_VERSIONS, 0, correlation_id, len(cid)) + cid
    return struct.pack("!i", len(body)) + body


def parse_kafka_api_versions(data: bytes, correlation_id: int) -> ProbeResult:
    """The v0 response body (after the size prefix)."""
    if len(data) < 10:
        return ProbeResult(False, "short ApiVersions response")
    cid, error, count = struct.unpack("!ihi", data[:10])
    if cid != correlation_id:
        return ProbeResult(False, "ApiVersions: correlation id mismatch (not a Kafka broker?)")
    if error != 0:
        return ProbeResult(False, f"ApiVersions error code {error}")
    if count < 0 or len(data) < 10 + 6 * count:
        return ProbeResult(False, "malformed ApiVersions response")
    apis = [struct.unpack("!hhh", data[10 + 6 * i : 16 + 6 * i]) for i in range(count)]
    produce = next((mx for key, _mn, mx in apis if key == 0), None)
    extra = f", Produce up to v{produce}" if produce is not None else ""
    return ProbeResult(True, f"ApiVersions: {count} APIs{extra}")


def probe_kafka(t: Target, timeout: float) -> ProbeResult:
    correlation_id = int(time.monotonic() * 1000) & 0x7FFFFFFF
    with _connect(t, timeout) as sock:
        sock.sendall(kafka_api_versions_request(correlation_id))
        (size,) = struct.unpack("!i", _recv_exact(sock, 4))
        if size < 10 or size > 1 << 20:
            return ProbeResult(False, f"not a Kafka broker (response size {size})")
        return parse_kafka_api_versions(_recv_exact(sock, size), correlation_id)


AMQP_HEADER = b"AMQP\x00\x00\x09\x01"


def probe_amqp(t: Target, timeout: float) -> ProbeResult:
    """Send the AMQP 0-9-1 protocol header; a ready broker answers Connection.Start."""
    with _connect(t, timeout, tls=t.scheme == "amqps") as sock:
        sock.sendall(AMQP_HEADER)
        head = _recv_exact(sock, 7)
        if head.startswith(b"AMQP"):
            rest = _recv_exact(sock, 1)
            return ProbeResult(False, f"broker wants another protocol version {head + rest!r}")
        ftype, channel, size = struct.unpack("!BHI", head)
        if ftype != 1 or channel != 0 or size > 1 << 20:
            return ProbeResult(False, "not an AMQP broker (unexpected first frame)")
        payload = _recv_exact(sock, size + 1)
        if payload[-1] != 0xCE or len(payload) < 6:
            return ProbeResult(False, "malformed AMQP frame")
        cls, method, major, minor = struct.unpack("!HHBB", payload[:6])
        if (cls, method) != (10, 10):
            return ProbeResult(False, f"expected Connection.Start, got {cls}.{method}")
        product = _amqp_product(payload[6:-1])
        return ProbeResult(True, f"Connection.Start (AMQP {major}-{minor}{product})")


def _amqp_product(table: bytes) -> str:
    """`product`/`version` from the server-properties field table (best effort)."""
    try:
        (length,) = struct.unpack("!I", table[:4])
        data, i, found = table[4 : 4 + length], 0, {}
        while i < len(data):
            klen = data[i]
            key = data[i + 1 : i + 1 + klen].decode()
            i += 1 + klen
            kind = chr(data[i])
            i += 1
            if kind == "S":
                (vlen,) = struct.unpack("!I", data[i : i + 4])
                found[key] = data[i + 4 : i + 4 + vlen].decode("utf-8", "replace")
                i += 4 + vlen
            elif kind in "FA":  # nested table / array: skip it
                (vlen,) = struct.unpack("!I", data[i : i + 4])
                i += 4 + vlen
            elif kind == "t":
                i += 1
            else:
                break  # another type: stop, product/version come early in practice
    except (struct.error, UnicodeDecodeError, IndexError):
        return ""
    if "product" in found:
        return f", {found['product']} {found.get('version', '')}".rstrip()
    return ""


PROBES: dict[str, Callable[[Target, float], ProbeResult]] = {
    "http": probe_http,
    "https": probe_http,
    "tcp": probe_tcp,
    "postgres": probe_postgres,
    "redis": probe_redis,
    "rediss": probe_redis,
    "kafka": probe_kafka,
    "amqp": probe_amqp,
    "amqps": probe_amqp,
    "schema-registry+http": probe_schema_registry,
    "schema-registry+https": probe_schema_registry,
}
