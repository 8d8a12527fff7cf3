"""Real servers on loopback for the `wait`/`smoke` tests: a throwaway PostgreSQL cluster,
redis-server, RabbitMQ, HTTP servers that turn healthy after a delay, and a replayed
Kafka broker answer. Everything binds 127.0.0.1 on free ports and lives in temp dirs."""

from __future__ import annotations

import glob
import http.server
import os
import pwd
import shutil
import socket
import socketserver
import struct
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path


class Unavailable(Exception):
    """A component is not installed or would not start."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_port(port: int, timeout: float, proc: subprocess.Popen[bytes] | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise Unavailable(f"server exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise Unavailable(f"port {port} did not open in {timeout}s")


def _tail(path: Path, n: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-n:])
    except OSError:
        return ""


# ---------------------------------------------------------------- PostgreSQL


def pg_bindir() -> Path | None:
    for cand in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if Path(cand, "initdb").exists():
            return Path(cand)
    found = shutil.which("initdb")
    return Path(found).resolve().parent if found else None


@dataclass
class Postgres:
    port: int
    user: str = "postgres"
    password: str = "pg-secret"  # SCRAM-SHA-256
    md5_user: str = "md5user"
    md5_password: str = "md5-secret"
    clear_user: str = "clearuser"
    clear_password: str = "clear-secret"
    database: str = "app"

    def url(
        self, user: str | None = None, password: str | None = None, db: str | None = None
    ) -> str:
        u = user or self.user
        p = self.password if password is None else password
        return f"postgres://{u}:{p}@127.0.0.1:{self.port}/{db or self.database}"


def _run_as(user: str | None, cmd: list[str], **kw: object) -> subprocess.CompletedProcess[str]:
    if user is not None:
        cmd = ["runuser", "-u", user, "--", *cmd]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, **kw)  # type: ignore[call-overload,no-any-return]


def start_postgres(workdir: Path) -> tuple[Postgres, subprocess.Popen[bytes], str | None]:
    bindir = pg_bindir()
    if bindir is None:
        raise Unavailable("PostgreSQL server binaries (Debian package postgresql) not found")
    run_user = None
    if os.geteuid() == 0:
        run_user = "nobody"
        pwd.getpwnam(run_user)
    os.chmod(workdir, 0o755)
    data = workdir / "data"
    pwfile = workdir / "pw"
    pg = Postgres(port=free_port())
    pwfile.write_text(pg.password + "\n")
    if run_user:
        shutil.chown(workdir, user=run_user)
        shutil.chown(pwfile, user=run_user)
    res = _run_as(
        run_user,
        [
            str(bindir / "initdb"),
            "-D",
            str(data),
            "-U",
            pg.user,
            "--pwfile",
            str(pwfile),
            "--auth-local=trust",
            "--auth-host=scram-sha-256",
            "-E",
            "UTF8",
            "--no-sync",
        ],
    )
    if res.returncode != 0:
        raise Unavailable(f"initdb failed: {res.stderr.strip()[-500:]}")
    hba = data / "pg_hba.conf"
    hba.write_text(
        "local all all trust\n"
        f"host all {pg.md5_user} 127.0.0.1/32 md5\n"
        f"host all {pg.clear_user} 127.0.0.1/32 password\n"
        "host all all 127.0.0.1/32 scram-sha-256\n"
    )
    if run_user:
        shutil.chown(hba, user=run_user)
    log = workdir / "postgres.log"
    cmd = [
        str(bindir / "postgres"),
        "-D",
        str(data),
        "-p",
        str(pg.port),
        "-h",
        "127.0.0.1",
        "-k",
        str(workdir),
        "-c",
        "fsync=off",
        "-c",
        "logging_collector=off",
    ]
    if run_user:
        cmd = ["runuser", "-u", run_user, "--", *cmd]
    proc = subprocess.Popen(cmd, stdout=open(log, "wb"), stderr=subprocess.STDOUT)  # noqa: SIM115
    try:
        wait_port(pg.port, 60, proc)
        # the socket opens before recovery ends: wait until psql works
        deadline = time.monotonic() + 60
        psql = [str(bindir / "psql"), "-h", str(workdir), "-p", str(pg.port), "-U", pg.user]
        while True:
            res = _run_as(run_user, [*psql, "-d", "postgres", "-Atc", "SELECT 1"])
            if res.returncode == 0:
                break
            if time.monotonic() > deadline:
                raise Unavailable(f"postgres not answering: {res.stderr.strip()}")
            time.sleep(0.2)
        sql = (
            f"CREATE DATABASE {pg.database};"
            "SET password_encryption = 'md5';"
            f"CREATE ROLE {pg.md5_user} LOGIN PASSWORD '{pg.md5_password}';"
            "SET password_encryption = 'scram-sha-256';"
            f"CREATE ROLE {pg.clear_user} LOGIN PASSWORD '{pg.clear_password}';"
        )
        for stmt in sql.split(";"):
            if stmt:
                res = _run_as(
                    run_user, [*psql, "-d", "postgres", "-v", "ON_ERROR_STOP=1", "-c", stmt]
                )
                if res.returncode != 0:
                    raise Unavailable(f"psql {stmt!r}: {res.stderr.strip()}")
    except Unavailable as exc:
        proc.kill()
        raise Unavailable(f"{exc}\n{_tail(log)}") from None
    return pg, proc, run_user


# ---------------------------------------------------------------- Redis


def start_redis(workdir: Path, password: str) -> tuple[int, subprocess.Popen[bytes]]:
    exe = shutil.which("redis-server")
    if exe is None:
        raise Unavailable("redis-server (Debian package redis-server) not found")
    port = free_port()
    log = workdir / "redis.log"
    proc = subprocess.Popen(
        [
            exe,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(workdir),
            "--requirepass",
            password,
        ],
        stdout=open(log, "wb"),  # noqa: SIM115
        stderr=subprocess.STDOUT,
    )
    try:
        wait_port(port, 30, proc)
    except Unavailable as exc:
        proc.kill()
        raise Unavailable(f"{exc}\n{_tail(log)}") from None
    return port, proc


# ---------------------------------------------------------------- RabbitMQ


def rabbitmq_exe() -> str | None:
    for cand in ("/usr/lib/rabbitmq/bin/rabbitmq-server",):
        if os.path.exists(cand):
            return cand
    return shutil.which("rabbitmq-server")


def start_rabbitmq(workdir: Path) -> tuple[int, int, subprocess.Popen[bytes]]:
    """Launch RabbitMQ (does not wait: the test measures `wait` against its start-up)."""
    exe = rabbitmq_exe()
    if exe is None:
        raise Unavailable("rabbitmq-server (Debian package rabbitmq-server) not found")
    port = free_port()
    while port > 40000:  # the distribution port defaults to NODE_PORT + 20000
        port = free_port()
    dist = free_port()
    epmd = free_port()  # our own epmd, stopped with `epmd -port N -kill` afterwards
    (workdir / "enabled_plugins").write_text("[].\n")
    cookie = workdir / ".erlang.cookie"
    cookie.write_text("INFRADOCTORTESTCOOKIE")
    cookie.chmod(0o400)
    env = dict(
        os.environ,
        HOME=str(workdir),
        RABBITMQ_NODENAME=f"rabbit-test-{port}@localhost",
        RABBITMQ_NODE_IP_ADDRESS="127.0.0.1",
        RABBITMQ_NODE_PORT=str(port),
        RABBITMQ_DIST_PORT=str(dist),
        ERL_EPMD_PORT=str(epmd),
        RABBITMQ_MNESIA_BASE=str(workdir / "mnesia"),
        RABBITMQ_LOG_BASE=str(workdir / "log"),
        RABBITMQ_ENABLED_PLUGINS_FILE=str(workdir / "enabled_plugins"),
        RABBITMQ_CONFIG_FILE=str(workdir / "rabbitmq"),
        RABBITMQ_ADVANCED_CONFIG_FILE=str(workdir / "advanced.config"),
        RABBITMQ_CONF_ENV_FILE=str(workdir / "rabbitmq-env.conf"),
        RABBITMQ_PID_FILE=str(workdir / "rabbit.pid"),
    )
    log = workdir / "rabbitmq.out"
    proc = subprocess.Popen(
        [exe],
        env=env,
        cwd=workdir,
        stdout=open(log, "wb"),  # noqa: SIM115
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    return port, epmd, proc


def stop_epmd(port: int) -> None:
    exe = shutil.which("epmd") or next(iter(glob.glob("/usr/lib/erlang/erts-*/bin/epmd")), None)
    if exe:
        subprocess.run([exe, "-port", str(port), "-kill"], capture_output=True, timeout=30)


def stop_group(proc: subprocess.Popen[bytes]) -> None:
    """Stop a server started with start_new_session (RabbitMQ: beam + epmd children)."""
    import signal

    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


# ---------------------------------------------------------------- HTTP


class _Handler(http.server.BaseHTTPRequestHandler):
    server: _HTTPServer

    def do_GET(self) -> None:  # noqa: N802
        srv = self.server
        healthy = time.monotonic() >= srv.healthy_at
        routes = srv.routes
        if self.path in routes:
            status, body = routes[self.path]
        elif self.path.startswith("/health") or self.path == "/":
            status, body = (200, b"ok") if healthy else (503, b"starting")
        else:
            status, body = 404, b"not found"
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


class _HTTPServer(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    healthy_at: float
    routes: dict[str, tuple[int, bytes]]


def start_http(
    healthy_after: float = 0.0, routes: dict[str, tuple[int, bytes]] | None = None
) -> _HTTPServer:
    srv = _HTTPServer(("127.0.0.1", 0), _Handler)
    srv.healthy_at = time.monotonic() + healthy_after
    srv.routes = routes or {}
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


# ---------------------------------------------------------------- Kafka (replayed)

# A recorded ApiVersions v0 response body (after the 4-byte size): error_code 0 and a few
# (api_key, min, max) entries as a Kafka 3.x broker sends them. The correlation id is
# patched per request, as a broker echoes the request's.
KAFKA_RECORDED = bytes.fromhex(
    "00000000"  # correlation id (patched)
    "0000"  # error_code
    "00000005"  # 5 entries
    "000000000009"  # Produce 0..9
    "00010000000d"  # Fetch 0..13
    "000200000007"  # ListOffsets 0..7
    "00030000000c"  # Metadata 0..12
    "001200000003"  # ApiVersions 0..3
)


def start_fake_kafka() -> tuple[int, socketserver.TCPServer]:
    class Handler(socketserver.BaseRequestHandler):
        def handle(self) -> None:
            sock = self.request
            head = sock.recv(4)
            if len(head) < 4:
                return
            (size,) = struct.unpack("!i", head)
            req = b""
            while len(req) < size:
                chunk = sock.recv(size - len(req))
                if not chunk:
                    return
                req += chunk
            api_key, _ver, cid = struct.unpack("!hhi", req[:8])
            if api_key != 18:
                return
            body = struct.pack("!i", cid) + KAFKA_RECORDED[4:]
            sock.sendall(struct.pack("!i", len(body)) + body)

    class Server(socketserver.ThreadingMixIn, socketserver.TCPServer):
        daemon_threads = True
        allow_reuse_address = True

    srv = Server(("127.0.0.1", 0), Handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return int(srv.server_address[1]), srv


def make_tempdir(prefix: str) -> Path:
    return Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp"))
