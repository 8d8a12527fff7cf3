"""Real components for the live diagnose tests: a dockerd (started here when no engine
answers), a busybox image made with `docker import`, and nginx processes with their own
prefix in a temp dir listening on 127.0.0.1. Everything is bounded in time and torn down."""

from __future__ import annotations

import http.client
import io
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tarfile
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

IMAGE = "infradoctor-live:busybox"
APPLETS = (
    "sh",
    "httpd",
    "sleep",
    "nc",
    "echo",
    "cat",
    "ls",
    "head",
    "dd",
    "yes",
    "date",
    "env",
    "true",
    "false",
    "printf",
    "seq",
    "kill",
    "ps",
    "wget",
    "mkdir",
    "rm",
)
SLOW_CGI = """#!/bin/sh
sleep 5
printf 'Content-Type: text/plain\\r\\n\\r\\nslow\\n'
"""


class HarnessError(Exception):
    """A prerequisite (nginx, dockerd, root, busybox) is missing or broken."""


def wait_for(pred: Callable[[], Any], timeout: float, what: str, step: float = 0.1) -> Any:
    """Poll `pred` until truthy; raise with `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = pred()
        if last:
            return last
        time.sleep(step)
    raise AssertionError(f"timed out after {timeout:g}s waiting for {what} (last: {last!r})")


def ping(host: str, timeout: float = 2.0) -> bool:
    """Does a Docker engine answer GET /_ping at `host` (unix:// only here)?"""
    if not host.startswith("unix://"):
        return False
    path = host[len("unix://") :]
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    try:
        sock.connect(path)
        sock.sendall(b"GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n")
        return b"200 OK" in sock.recv(256)
    except OSError:
        return False
    finally:
        sock.close()


@dataclass
class Docker:
    """CLI wrapper bound to one engine; only the harness writes to Docker, never the tool."""

    host: str
    cli: str
    proc: subprocess.Popen[bytes] | None = None
    workdir: Path | None = None
    created: list[str] = field(default_factory=list)
    network: str | None = None
    prefix: str = "172.29.213."
    forward_rule: list[str] | None = None  # our own iptables FORWARD rule, removed at stop
    _next_host: int = 10

    def next_ip(self) -> str:
        """A fresh static address on the test network (kept in inspect while stopped)."""
        self._next_host += 1
        if self._next_host > 250:
            self._next_host = 11
        return f"{self.prefix}{self._next_host}"

    def run(
        self, *args: str, timeout: float = 60, check: bool = True, input: bytes | None = None
    ) -> str:
        env = {**os.environ, "DOCKER_HOST": self.host}
        proc = subprocess.run(
            [self.cli, *args],
            capture_output=True,
            timeout=timeout,
            env=env,
            input=input,
            check=False,
        )
        if check and proc.returncode != 0:
            raise AssertionError(
                f"docker {' '.join(args)} failed ({proc.returncode}): "
                f"{proc.stderr.decode(errors='replace')[-2000:]}"
            )
        return proc.stdout.decode(errors="replace").strip()

    def logs(self, name: str) -> str:
        """stdout and stderr of a container, as `docker logs` prints them."""
        env = {**os.environ, "DOCKER_HOST": self.host}
        proc = subprocess.run(
            [self.cli, "logs", name], capture_output=True, timeout=30, env=env, check=False
        )
        return (proc.stdout + proc.stderr).decode(errors="replace")

    def inspect(self, name: str) -> dict[str, Any]:
        return json.loads(self.run("inspect", name))[0]

    def container(
        self,
        name: str,
        *args: str,
        cmd: list[str],
        labels: dict[str, str] | None = None,
        ip: str | None = None,
        image: str | None = None,
    ) -> str:
        """`docker run -d` on the test network; returns the container name."""
        opts: list[str] = ["--name", name]
        for k, v in (labels or {}).items():
            opts += ["--label", f"{k}={v}"]
        if self.network:
            opts += ["--network", self.network]
            if ip:
                opts += ["--ip", ip]
        self.run("run", "-d", *opts, *args, image or IMAGE, *cmd)
        self.created.append(name)
        return name

    def remove(self, *names: str) -> None:
        if names:
            self.run("rm", "-f", *names, check=False, timeout=30)
        for n in names:
            if n in self.created:
                self.created.remove(n)


def find_docker_cli() -> str:
    cli = shutil.which("docker")
    if not cli:
        raise HarnessError("docker CLI not found (apt-get install docker.io)")
    return cli


def start_engine() -> Docker:
    """Use a reachable engine, else start dockerd (vfs, no iptables) as root in /tmp."""
    cli = find_docker_cli()
    for host in (os.environ.get("DOCKER_HOST"), "unix:///var/run/docker.sock"):
        if host and ping(host):
            return Docker(host, cli)
    if os.geteuid() != 0:
        raise HarnessError("no Docker engine reachable and not root: cannot start dockerd")
    dockerd = shutil.which("dockerd")
    if not dockerd:
        raise HarnessError("dockerd not found (apt-get install docker.io)")
    work = Path(tempfile.mkdtemp(prefix="idk-", dir="/tmp"))  # short: socket path limits
    sock = work / "docker.sock"
    host = f"unix://{sock}"
    log = open(work / "dockerd.log", "wb")  # noqa: SIM115 - lives as long as dockerd
    argv = [
        dockerd,
        "--storage-driver=vfs",
        f"--data-root={work / 'data'}",
        f"--exec-root={work / 'exec'}",
        f"--host={host}",
        f"--pidfile={work / 'pid'}",
        "--iptables=false",
        "--ip-masq=false",
        "--userland-proxy=false",
        "--bridge=none",
    ]
    proc = subprocess.Popen(
        argv, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise HarnessError(
                f"dockerd exited {proc.returncode}: "
                f"{(work / 'dockerd.log').read_text(errors='replace')[-3000:]}"
            )
        if ping(host, 1.0):
            return Docker(host, cli, proc, work)
        time.sleep(0.2)
    stop_engine(Docker(host, cli, proc, work))
    raise HarnessError("dockerd did not answer within 30s")


def stop_engine(docker: Docker) -> None:
    if docker.created:
        docker.remove(*list(docker.created))
    if docker.forward_rule and (iptables := shutil.which("iptables")):
        subprocess.run([iptables, "-D", *docker.forward_rule], capture_output=True, check=False)
        docker.forward_rule = None
    if docker.network:
        docker.run("network", "rm", docker.network, check=False, timeout=30)
    if docker.proc is None:
        return
    docker.proc.send_signal(signal.SIGTERM)
    try:
        docker.proc.wait(20)
    except subprocess.TimeoutExpired:
        os.killpg(docker.proc.pid, signal.SIGKILL)
        docker.proc.wait(10)
    if docker.workdir is not None:
        subprocess.run(
            ["umount", "-R", "-l", str(docker.workdir / "exec")], capture_output=True, check=False
        )
        shutil.rmtree(docker.workdir, ignore_errors=True)


def rootfs_tar() -> bytes:
    """A busybox-static root filesystem: /bin/busybox + applet symlinks, /www, a slow CGI."""
    busybox = None
    for cand in ("/bin/busybox", "/usr/bin/busybox"):
        if os.path.exists(cand):
            busybox = cand
            break
    if busybox is None:
        raise HarnessError("busybox not found (apt-get install busybox-static)")
    out = subprocess.run(["ldd", busybox], capture_output=True, text=True, check=False)
    if "not a dynamic executable" not in (out.stdout + out.stderr) and out.returncode == 0:
        raise HarnessError(f"{busybox} is dynamically linked (apt-get install busybox-static)")
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:

        def add_dir(name: str, mode: int = 0o755) -> None:
            info = tarfile.TarInfo(name)
            info.type = tarfile.DIRTYPE
            info.mode = mode
            tar.addfile(info)

        def add_file(name: str, data: bytes, mode: int = 0o644) -> None:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mode = mode
            tar.addfile(info, io.BytesIO(data))

        for d in ("bin", "tmp", "www", "www/cgi-bin", "etc", "proc", "sys", "dev"):
            add_dir(d, 0o1777 if d == "tmp" else 0o755)
        add_file("bin/busybox", Path(busybox).read_bytes(), 0o755)
        for applet in APPLETS:
            info = tarfile.TarInfo(f"bin/{applet}")
            info.type = tarfile.SYMTYPE
            info.linkname = "busybox"
            tar.addfile(info)
        add_file("www/index.html", b"ok\n")
        add_file("www/health", b"healthy\n")
        add_file("www/cgi-bin/slow", SLOW_CGI.encode(), 0o755)
        add_file("etc/passwd", b"root:x:0:0:root:/:/bin/sh\n")
        add_file("etc/group", b"root:x:0:\n")
    return buf.getvalue()


NGINX_IMAGE = "infradoctor-live:nginx"


def nginx_rootfs_tar() -> bytes:
    """The busybox rootfs plus the host's nginx and the shared libraries it links, laid
    out like the official image: logs are symlinks to the container's stdout/stderr."""
    binary = shutil.which("nginx") or "/usr/sbin/nginx"
    if not os.access(binary, os.X_OK):
        raise HarnessError("nginx not found (apt-get install nginx)")
    out = subprocess.run(["ldd", binary], capture_output=True, text=True, check=True)
    libs = [m for m in re.findall(r"(/\S+\.so[.\d]*)", out.stdout)]
    src = io.BytesIO(rootfs_tar())
    buf = io.BytesIO()
    with tarfile.open(fileobj=src) as base, tarfile.open(fileobj=buf, mode="w") as tar:
        for member in base.getmembers():
            tar.addfile(member, base.extractfile(member) if member.isfile() else None)
        made: set[str] = set()

        def add_dir(name: str) -> None:
            parts = name.strip("/").split("/")
            for k in range(1, len(parts) + 1):
                d = "/".join(parts[:k])
                if d not in made and d not in ("bin", "tmp", "www", "etc", "proc", "sys", "dev"):
                    info = tarfile.TarInfo(d)
                    info.type = tarfile.DIRTYPE
                    info.mode = 0o755
                    tar.addfile(info)
                made.add(d)

        for path in [binary, *libs]:
            real = os.path.realpath(path)
            add_dir(os.path.dirname(path))
            data = Path(real).read_bytes()
            info = tarfile.TarInfo(path.lstrip("/"))
            info.size = len(data)
            info.mode = 0o755
            tar.addfile(info, io.BytesIO(data))
        for d in ("var/log/nginx", "var/cache/nginx", "var/run", "etc/nginx"):
            add_dir(d)
        for name, target in (("error.log", "/dev/stderr"), ("access.log", "/dev/stdout")):
            info = tarfile.TarInfo(f"var/log/nginx/{name}")
            info.type = tarfile.SYMTYPE
            info.linkname = target
            tar.addfile(info)
    return buf.getvalue()


def build_nginx_image(docker: Docker) -> str:
    docker.run("import", "-", NGINX_IMAGE, input=nginx_rootfs_tar(), timeout=120)
    return NGINX_IMAGE


CONTAINER_NGINX_CONF = """
user root;
pid /tmp/nginx.pid;
worker_processes 1;
error_log /var/log/nginx/error.log warn;
events {{ worker_connections 128; }}
http {{
    access_log /var/log/nginx/access.log;
    client_body_temp_path /var/cache/nginx/client_temp;
    proxy_temp_path /var/cache/nginx/proxy_temp;
    fastcgi_temp_path /var/cache/nginx/fastcgi_temp;
    uwsgi_temp_path /var/cache/nginx/uwsgi_temp;
    scgi_temp_path /var/cache/nginx/scgi_temp;
    include /etc/nginx/conf.d/*.conf;
}}
"""


def build_image(docker: Docker) -> str:
    docker.run("import", "-", IMAGE, input=rootfs_tar(), timeout=120)
    return IMAGE


def _routed_prefixes() -> str:
    out = subprocess.run(
        ["ip", "-o", "-4", "route", "show"], capture_output=True, text=True, check=False
    )
    return out.stdout


def create_network(docker: Docker) -> str:
    """A user-defined bridge on a /24 no other bridge on this host routes already (a
    leftover dockerd from an interrupted run may still hold the first choice)."""
    name = f"idt-net-{uuid.uuid4().hex[:6]}"
    routes = _routed_prefixes()
    for third in range(213, 230):
        prefix = f"172.29.{third}."
        if f"{prefix}0/24" not in routes:
            break
    else:
        raise HarnessError("no free 172.29.213-229.0/24 subnet for the test network")
    docker.run("network", "create", "--subnet", f"{prefix}0/24", name)
    docker.network = name
    docker.prefix = prefix
    net_id = docker.run("network", "inspect", "-f", "{{.Id}}", name).strip()
    allow_bridge_forwarding(docker, f"br-{net_id[:12]}", f"{prefix}0/24")
    return name


BRIDGE_NF = Path("/proc/sys/net/bridge/bridge-nf-call-iptables")
FORWARD_HELP = (
    "containers on the test network cannot reach each other: bridged traffic goes through "
    "iptables (net.bridge.bridge-nf-call-iptables=1) and the FORWARD policy is DROP (a normal "
    "dockerd leaves it so). Run the tests as root with iptables available (the harness adds "
    "and removes its own ACCEPT rule for its subnet), or run `iptables -P FORWARD ACCEPT` or "
    "`sysctl net.bridge.bridge-nf-call-iptables=0` first"
)


def forward_rule_needed(forward_rules: str, bridge_nf_call: str | None) -> bool:
    """Whether traffic between two containers on one bridge is dropped: only when the
    kernel passes bridged frames to iptables and FORWARD's policy is DROP."""
    if (bridge_nf_call or "").strip() != "1":
        return False
    return any(line.split() == ["-P", "FORWARD", "DROP"] for line in forward_rules.splitlines())


def forward_rule(bridge: str, subnet: str) -> list[str]:
    """Our ACCEPT rule: this bridge, this subnet, both ways, tagged so it can be found."""
    return [
        "FORWARD", "-i", bridge, "-o", bridge, "-s", subnet, "-d", subnet,
        "-m", "comment", "--comment", "infradoctor-tests", "-j", "ACCEPT",
    ]  # fmt: skip


def allow_bridge_forwarding(docker: Docker, bridge: str, subnet: str) -> None:
    """Add our FORWARD rule when the host would drop container-to-container traffic, or
    fail now with what to change (never a 15 s timeout with no reason)."""
    nf_call = BRIDGE_NF.read_text() if BRIDGE_NF.exists() else None
    iptables = shutil.which("iptables")
    listed = (
        subprocess.run([iptables, "-S", "FORWARD"], capture_output=True, text=True, check=False)
        if iptables
        else None
    )
    if listed is not None and listed.returncode == 0:
        if not forward_rule_needed(listed.stdout, nf_call):
            return
    elif (nf_call or "").strip() != "1":
        return  # bridged traffic never reaches iptables
    rule = forward_rule(bridge, subnet)
    added = (
        subprocess.run([iptables, "-I", *rule], capture_output=True, text=True, check=False)
        if iptables
        else None
    )
    if added is None or added.returncode != 0:
        detail = added.stderr.strip() if added is not None else "iptables not found"
        raise HarnessError(f"{FORWARD_HELP} ({detail})")
    docker.forward_rule = rule


def free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return int(port)


@dataclass
class Nginx:
    """One real nginx master with its own prefix under a temp dir."""

    binary: str
    root: Path
    port: int
    conf: Path
    error_log: Path
    access_log: Path
    temp: Path
    running: bool = False

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def pid(self) -> int | None:
        try:
            return int((self.root / "nginx.pid").read_text().strip())
        except (OSError, ValueError):
            return None

    def start(self) -> None:
        proc = subprocess.run(
            [self.binary, "-p", str(self.root), "-c", str(self.conf)],
            capture_output=True,
            timeout=20,
            check=False,
        )
        if proc.returncode != 0:
            raise HarnessError(f"nginx did not start: {proc.stderr.decode(errors='replace')}")
        wait_for(self.pid, 10, "nginx pid file")
        wait_for(lambda: _port_open(self.port), 10, f"nginx on port {self.port}")
        self.running = True

    def stop(self) -> None:
        pid = self.pid()
        if pid is None:
            return
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.05)
        else:
            os.kill(pid, signal.SIGKILL)
        self.running = False


def _port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def make_nginx(root: Path, server_body: str, http_extra: str = "") -> Nginx:
    """Write an nginx.conf whose one server listens on a free loopback port."""
    binary = shutil.which("nginx") or "/usr/sbin/nginx"
    if not os.access(binary, os.X_OK):
        raise HarnessError("nginx not found (apt-get install nginx)")
    root.mkdir(parents=True, exist_ok=True)
    logs = root / "logs"
    temp = root / "temp"
    for d in (logs, temp, temp / "proxy", temp / "body"):
        d.mkdir(parents=True, exist_ok=True)
    port = free_port()
    conf = root / "nginx.conf"
    conf.write_text(f"""
user root;
pid {root}/nginx.pid;
error_log {logs}/error.log warn;
worker_processes 1;
events {{ worker_connections 128; }}
http {{
    access_log {logs}/access.log;
    client_body_temp_path {temp}/body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
{http_extra}
    server {{
        listen 127.0.0.1:{port};
        server_name localhost;
{server_body}
    }}
}}
""")
    return Nginx(binary, root, port, conf, logs / "error.log", logs / "access.log", temp)


def http_get(url: str, timeout: float = 10.0) -> tuple[int | None, bytes]:
    """One GET; (status, body) or (None, b"") on a transport error."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname or "", parts.port or 80, timeout=timeout)
    try:
        conn.request("GET", parts.path or "/")
        resp = conn.getresponse()
        return resp.status, resp.read()
    except (OSError, http.client.HTTPException):
        return None, b""
    finally:
        conn.close()


def stall_download(url: str, hold: float = 1.5) -> None:
    """Ask for a large response and do not read it: nginx must buffer it to a temp file.
    The receive buffer is shrunk before connecting so the TCP window stays small."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.settimeout(5)
        s.connect((parts.hostname or "", parts.port or 80))
        s.sendall(f"GET {parts.path} HTTP/1.1\r\nHost: localhost\r\n\r\n".encode())
        time.sleep(hold)
    finally:
        s.close()
