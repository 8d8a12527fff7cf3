"""A minimal PostgreSQL frontend/backend protocol (v3) client: just enough to log in and
run `SELECT 1`.

Why not a driver: psycopg needs libpq, pg8000 pulls in two more packages, and readiness
needs only the startup message, authentication (trust, cleartext, MD5, SCRAM-SHA-256),
one simple Query and ErrorResponse parsing: about 200 lines on top of the standard library
(hashlib, hmac). Protocol reference: PostgreSQL docs, "Frontend/Backend Protocol" (message
formats, SASL authentication, RFC 5802/7677 for SCRAM)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import socket
import ssl
import struct
from dataclasses import dataclass


class PgError(Exception):
    """The server refused (ErrorResponse) or the protocol went wrong."""

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.code = code  # SQLSTATE, e.g. 3D000 invalid_catalog_name, 28P01 bad password


@dataclass(slots=True)
class PgResult:
    server_version: str | None
    value: str | None  # the first column of the first row


def _error_fields(payload: bytes) -> dict[str, str]:
    fields: dict[str, str] = {}
    for part in payload.split(b"\x00"):
        if part:
            fields[chr(part[0])] = part[1:].decode("utf-8", "replace")
    return fields


def _raise_error(payload: bytes) -> None:
    f = _error_fields(payload)
    sev = f.get("S", "ERROR")
    raise PgError(f"{sev}: {f.get('M', 'unknown error')} (SQLSTATE {f.get('C', '?')})", f.get("C"))


class _Conn:
    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buf = b""

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def send_msg(self, kind: bytes, body: bytes) -> None:
        self.send(kind + struct.pack("!I", len(body) + 4) + body)

    def _read(self, n: int) -> bytes:
        while len(self.buf) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise PgError("server closed the connection")
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def read_msg(self) -> tuple[bytes, bytes]:
        head = self._read(5)
        kind = head[:1]
        (length,) = struct.unpack("!I", head[1:])
        if length < 4 or length > 1 << 24:
            raise PgError(f"not a PostgreSQL server (bad message length {length})")
        return kind, self._read(length - 4)


def _md5_password(user: str, password: str, salt: bytes) -> bytes:
    inner = hashlib.md5((password + user).encode()).hexdigest()  # noqa: S324 - protocol
    return b"md5" + hashlib.md5(inner.encode() + salt).hexdigest().encode()  # noqa: S324


def _scram(conn: _Conn, mechanisms: list[str], password: str) -> None:
    if "SCRAM-SHA-256" not in mechanisms:
        raise PgError(f"unsupported SASL mechanisms {mechanisms} (only SCRAM-SHA-256)")
    nonce = base64.b64encode(os.urandom(18)).decode()
    first_bare = f"n=,r={nonce}"
    first = ("n,," + first_bare).encode()
    body = b"SCRAM-SHA-256\x00" + struct.pack("!i", len(first)) + first
    conn.send_msg(b"p", body)
    kind, payload = conn.read_msg()
    if kind == b"E":
        _raise_error(payload)
    if kind != b"R" or struct.unpack("!I", payload[:4])[0] != 11:
        raise PgError("unexpected reply to SASLInitialResponse")
    server_first = payload[4:].decode()
    attrs = dict(item.split("=", 1) for item in server_first.split(","))
    rnonce, salt, iters = attrs["r"], base64.b64decode(attrs["s"]), int(attrs["i"])
    if not rnonce.startswith(nonce):
        raise PgError("SCRAM: server nonce does not extend ours")
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iters)
    client_key = hmac.new(salted, b"Client Key", "sha256").digest()
    stored_key = hashlib.sha256(client_key).digest()
    without_proof = f"c=biws,r={rnonce}"
    auth_message = f"{first_bare},{server_first},{without_proof}".encode()
    signature = hmac.new(stored_key, auth_message, "sha256").digest()
    proof = bytes(a ^ b for a, b in zip(client_key, signature, strict=True))
    final = f"{without_proof},p={base64.b64encode(proof).decode()}"
    conn.send_msg(b"p", final.encode())
    kind, payload = conn.read_msg()
    if kind == b"E":
        _raise_error(payload)
    if kind != b"R" or struct.unpack("!I", payload[:4])[0] != 12:
        raise PgError("unexpected reply to SASLResponse")
    server_key = hmac.new(salted, b"Server Key", "sha256").digest()
    expected = base64.b64encode(hmac.new(server_key, auth_message, "sha256").digest()).decode()
    verifier = dict(item.split("=", 1) for item in payload[4:].decode().split(","))
    if not hmac.compare_digest(verifier.get("v", ""), expected):
        raise PgError("SCRAM: server signature mismatch")


def _maybe_tls(sock: socket.socket, host: str, sslmode: str) -> socket.socket:
    if sslmode == "disable":
        return sock
    sock.sendall(struct.pack("!II", 8, 80877103))  # SSLRequest
    answer = sock.recv(1)
    if answer == b"S":
        ctx = ssl.create_default_context()
        if sslmode in ("require", "prefer", "allow"):
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
        return ctx.wrap_socket(sock, server_hostname=host)
    if answer == b"N":
        if sslmode in ("require", "verify-ca", "verify-full"):
            raise PgError("server does not support SSL but sslmode requires it")
        return sock
    raise PgError("not a PostgreSQL server (unexpected answer to SSLRequest)")


def check(
    host: str,
    port: int,
    user: str,
    password: str | None,
    database: str,
    timeout: float,
    sslmode: str = "disable",
    query: str = "SELECT 1",
) -> PgResult:
    """Connect, authenticate, run `query` and return its first value. Raises PgError
    (server refusal, e.g. unknown database or wrong password) or OSError (network)."""
    raw = socket.create_connection((host, port), timeout=timeout)
    try:
        raw.settimeout(timeout)
        sock = _maybe_tls(raw, host, sslmode)
        conn = _Conn(sock)
        params = b""
        for k, v in (("user", user), ("database", database), ("application_name", "infradoctor")):
            params += k.encode() + b"\x00" + v.encode() + b"\x00"
        body = struct.pack("!I", 196608) + params + b"\x00"  # protocol 3.0
        conn.send(struct.pack("!I", len(body) + 4) + body)
        version: str | None = None
        while True:  # authentication, then parameters until ReadyForQuery
            kind, payload = conn.read_msg()
            if kind == b"E":
                _raise_error(payload)
            elif kind == b"R":
                code = struct.unpack("!I", payload[:4])[0]
                if code == 0:
                    continue
                if password is None:
                    raise PgError(f"server asks for a password (auth method {code}), none given")
                if code == 3:
                    conn.send_msg(b"p", password.encode() + b"\x00")
                elif code == 5:
                    conn.send_msg(b"p", _md5_password(user, password, payload[4:8]) + b"\x00")
                elif code == 10:
                    mechs = [m.decode() for m in payload[4:].split(b"\x00") if m]
                    _scram(conn, mechs, password)
                else:
                    raise PgError(f"unsupported authentication method {code}")
            elif kind == b"S":
                name, _, rest = payload.partition(b"\x00")
                if name == b"server_version":
                    version = rest.rstrip(b"\x00").decode()
            elif kind == b"Z":
                break
            # K (BackendKeyData), N (notice): ignored
        conn.send_msg(b"Q", query.encode() + b"\x00")
        value: str | None = None
        error: bytes | None = None
        while True:
            kind, payload = conn.read_msg()
            if kind == b"D" and value is None:
                (ncols,) = struct.unpack("!H", payload[:2])
                if ncols:
                    (length,) = struct.unpack("!i", payload[2:6])
                    value = None if length < 0 else payload[6 : 6 + length].decode()
            elif kind == b"E":
                error = payload
            elif kind == b"Z":
                break
        if error is not None:
            _raise_error(error)
        try:
            conn.send_msg(b"X", b"")  # Terminate
        except OSError:
            pass
        return PgResult(version, value)
    finally:
        raw.close()
