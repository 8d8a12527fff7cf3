"""Fast tests of the collectors' parsing and failure handling (no dockerd, no nginx):
windowed log tails of huge files, config facts, /proc parsing, Docker stream demux, a
hung Docker socket, collector time budgets."""

from __future__ import annotations

import json
import os
import socket
import struct
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from infradoctor.diagnose.collect import (
    CollectContext,
    CollectOptions,
    collect_bundle,
    run_collector,
)
from infradoctor.diagnose.collectors import docker, logtail, nginx, nginxconf, probes
from infradoctor.diagnose.evidence import Bundle


def _err_line(t: float, msg: str) -> str:
    return time.strftime("%Y/%m/%d %H:%M:%S", time.localtime(t)) + f" [error] 7#7: *1 {msg}\n"


def test_tail_window_reads_only_the_window_of_a_huge_sparse_file(tmp_path: Path) -> None:
    log = tmp_path / "error.log"
    now = time.time()
    with open(log, "wb") as fh:
        fh.truncate(3 * 1024**3)  # 3 GB hole: never read
        fh.seek(0, os.SEEK_END)
        fh.write(b"".join(_err_line(now - 7200, f"old {i}").encode() for i in range(20000)))
        fh.write(b"".join(_err_line(now - 10, f"new {i}").encode() for i in range(500)))
    tail = logtail.tail_window(str(log), now - 600)
    lines = tail.data.decode().splitlines()
    assert len(lines) == 500 and lines[0].endswith("new 0") and lines[-1].endswith("new 499")
    assert tail.bytes_total > 3 * 1024**3
    assert tail.bytes_read < 512 * 1024
    assert not tail.truncated


def test_tail_window_cap_marks_truncated_and_keeps_whole_lines(tmp_path: Path) -> None:
    log = tmp_path / "access.log"
    stamp = time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime())
    line = f'10.0.0.1 - - [{stamp}] "GET / HTTP/1.1" 502 157 "-" "curl"\n'
    log.write_text(line * 5000)
    tail = logtail.tail_window(str(log), None, cap=64 * 1024)
    assert tail.truncated and tail.bytes_read == 64 * 1024
    assert all(x == line.rstrip("\n") for x in tail.data.decode().splitlines())


def test_line_time_formats() -> None:
    import calendar

    utc = calendar.timegm((2026, 10, 10, 13, 55, 36, 0, 0, 0))
    t = logtail.line_time(b'1.2.3.4 - - [10/Oct/2026:13:55:36 +0200] "GET / HTTP/1.1" 200 1')
    assert t == utc - 7200
    assert logtail.line_time(b"2026-10-10T13:55:36.123Z hello") == utc
    assert logtail.line_time(b"no stamp here") is None


NGINX_T = """# configuration file /etc/nginx/nginx.conf:
user www-data;
worker_rlimit_nofile 4096;
events { worker_connections 1024; }
http {
    access_log /var/log/nginx/access.log main buffer=32k;
    access_log syslog:server=10.0.0.1;
    error_log logs/error.log warn;
    proxy_temp_path /var/cache/nginx/proxy_temp 1 2;
    include /etc/nginx/conf.d/*.conf;
}
stream { server { listen 5432; proxy_pass db:5432; } }

# configuration file /etc/nginx/conf.d/app.conf:
upstream api { server 172.18.0.5:8000 max_fails=3; server api-2:8000 backup; }
server {
    listen 80 default_server;
    listen [::]:443 ssl http2;
    server_name shop.example.com "*.shop.example.com";
    location / { proxy_pass http://api; }
    location /ws/ { proxy_pass http://unix:/run/app.sock:/; }
    location ~ \\.php$ { fastcgi_pass php:9000; }
    # proxy_pass http://commented-out;
}
"""


def test_facts_from_nginx_T_dump() -> None:
    f = nginxconf.facts_from_dump(NGINX_T, prefix="/usr/share/nginx")
    assert f.error_logs == ["/usr/share/nginx/logs/error.log"]
    assert f.access_logs == ["/var/log/nginx/access.log"]
    assert f.temp_paths == {"proxy_temp_path": ["/var/cache/nginx/proxy_temp"]}
    assert f.upstreams == {"api": ["172.18.0.5:8000", "api-2:8000"]}
    assert f.proxy_passes == ["http://api", "http://unix:/run/app.sock:/", "php:9000"]
    assert f.worker_rlimit_nofile == 4096 and f.worker_connections == 1024
    (srv,) = f.servers
    assert srv.listens == [["80", "default_server"], ["[::]:443", "ssl", "http2"]]
    assert srv.names == ["shop.example.com", "*.shop.example.com"]
    assert srv.routes == [("/", "http://api"), ("/ws/", "http://unix:/run/app.sock:/")]


def test_read_config_files_follows_includes(tmp_path: Path) -> None:
    (tmp_path / "conf.d").mkdir()
    (tmp_path / "nginx.conf").write_text("http { include conf.d/*.conf; }\n")
    (tmp_path / "conf.d" / "a.conf").write_text("server { listen 8081; }\n")
    dump = nginxconf.read_config_files(tmp_path / "nginx.conf")
    assert f"# configuration file {tmp_path / 'conf.d' / 'a.conf'}:" in dump
    assert nginxconf.facts_from_dump(dump).servers[0].listens == [["8081"]]


def test_probe_plan_maps_names_to_container_ips() -> None:
    ctx = CollectContext(CollectOptions())
    ctx.nginx_facts = nginxconf.facts_from_dump(NGINX_T)
    ctx.containers = [
        {
            "Name": "shop-api-2-1",
            "ComposeService": "api-2",
            "State": {"Running": True},
            "Config": {"Hostname": "abc"},
            "NetworkSettings": {
                "Networks": {"shop_default": {"IPAddress": "172.18.0.9", "Aliases": ["api-2"]}}
            },
        }
    ]
    jobs, names = probes.plan(ctx)
    urls = {(j["via"], j["url"]) for j in jobs}
    assert ("direct", "http://172.18.0.5:8000/") in urls
    assert ("direct", "http://172.18.0.9:8000/") in urls
    assert ("direct", "http://unix:/run/app.sock:/") in urls
    assert ("nginx", "http://127.0.0.1:80/") in urls
    assert ("nginx", "https://[::1]:443/ws/") in urls
    assert names == ["api-2"]


def test_find_masters_reads_proc(tmp_path: Path) -> None:
    (tmp_path / "42").mkdir()
    (tmp_path / "42" / "cmdline").write_bytes(
        b"nginx: master process /usr/sbin/nginx -p /srv/ng -c /srv/ng/nginx.conf -g daemon on;\0"
    )
    (tmp_path / "43").mkdir()
    (tmp_path / "43" / "cmdline").write_bytes(b"nginx: worker process\0")
    (tmp_path / "self").mkdir()
    (m,) = nginx.find_masters(tmp_path)
    assert (m["pid"], m["binary"], m["conf"], m["prefix"]) == (
        42,
        "/usr/sbin/nginx",
        "/srv/ng/nginx.conf",
        "/srv/ng",
    )


PROC_TCP = """  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid
   0: 0100007F:1F40 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0
   1: 0B00007F:8CF3 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0
   2: 0B00A8C0:1F40 0100A8C0:D2F0 01 00000000:00000000 00:00000000 00000000     0
"""
PROC_TCP6 = """  sl  local_address                         remote_address                        st
   0: 00000000000000000000000000000000:1F40 00000000000000000000000000000000:0000 0A
   1: 0000000000000000FFFF00000100007F:0050 00000000000000000000000000000000:0000 0A
"""


def test_parse_proc_net_listen_only() -> None:
    assert docker.parse_proc_net(PROC_TCP, "tcp") == [
        {"proto": "tcp", "address": "127.0.0.1", "port": 8000},
        {"proto": "tcp", "address": "127.0.0.11", "port": 36083},
    ]
    assert docker.parse_proc_net(PROC_TCP6, "tcp6") == [
        {"proto": "tcp6", "address": "::", "port": 8000},
        {"proto": "tcp6", "address": "127.0.0.1", "port": 80},
    ]


def test_demux_and_bot_hash() -> None:
    frames = b"".join(
        struct.pack(">BxxxI", s, len(d)) + d for s, d in ((1, b"out line\n"), (2, b"err line\n"))
    )
    assert docker.demux(frames) == b"out line\nerr line\n"
    assert docker.demux(b"plain tty output\n") == b"plain tty output\n"
    token = "123456789:AAHk3vQz9pLr2sT8uVw1xYz0aBcDeFgHiJk"
    h = docker.bot_token_hash(["PATH=/bin", f"TELEGRAM_TOKEN={token}"])
    assert h is not None and h.startswith("[REDACTED:bot-token:") and token not in h
    assert h == docker.bot_token_hash([f"BOT={token}"])
    assert docker.bot_token_hash(["A=1"]) is None


@pytest.fixture
def hung_socket(tmp_path: Path) -> Iterator[str]:
    """A unix socket that accepts connections and never answers (a wedged dockerd)."""
    path = str(tmp_path / "hung.sock")
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    srv.listen(8)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        srv.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(srv.accept()[0])
            except OSError:
                continue

    t = threading.Thread(target=accept, daemon=True)
    t.start()
    yield f"unix://{path}"
    stop.set()
    t.join(2)
    for s in held:
        s.close()
    srv.close()


def test_hung_docker_socket_becomes_an_error_entry(hung_socket: str) -> None:
    ctx = CollectContext(CollectOptions(docker_host=hung_socket, timeout=2.0))
    bundle = Bundle()
    t0 = time.monotonic()
    run_collector(bundle, ctx, "docker", docker.collect, 10.0)
    assert time.monotonic() - t0 < 3.5
    status = bundle.collector("docker")
    assert status is not None and status.status == "error"
    assert "timed out" in (status.error or "") or "TimeoutError" in (status.error or "")
    engine = bundle.read_json("docker/engine.json")
    assert engine["reachable"] is False and engine["host"] == hung_socket


def test_collector_over_budget_is_abandoned() -> None:
    bundle = Bundle()

    def slow(ctx: object, b: Bundle) -> None:
        time.sleep(1)
        b.put_text("late.txt", "must not appear")

    run_collector(bundle, CollectContext(CollectOptions()), "slow", slow, 0.3)
    assert bundle.collector("slow").status == "error"  # type: ignore[union-attr]
    assert "timed out" in (bundle.collector("slow").error or "")  # type: ignore[union-attr]
    time.sleep(1.0)
    assert not bundle.has("late.txt")


def test_docker_host_urls() -> None:
    assert docker.DockerClient("unix:///run/docker.sock", 1)._unix == "/run/docker.sock"
    assert docker.DockerClient("tcp://127.0.0.1:2376", 1)._tcp == ("127.0.0.1", 2376)
    with pytest.raises(docker.DockerError):
        docker.DockerClient("ssh://host", 1)


def test_collect_bundle_without_nginx_or_docker_never_raises(tmp_path: Path) -> None:
    (tmp_path / "compose.yaml").write_text(
        "services:\n  bot:\n    image: x\n    environment:\n"
        "      TOKEN: 123456789:AAHk3vQz9pLr2sT8uVw1xYz0aBcDeFgHiJk\n"
    )
    opts = CollectOptions(
        path=tmp_path,
        nginx_conf=tmp_path / "missing.conf",
        docker_host=f"unix://{tmp_path}/none.sock",
        timeout=3,
        probe=False,
        error_logs=[tmp_path / "nope.log"],
    )
    bundle = collect_bundle(opts)
    by_name = {c.name: c for c in bundle.collectors}
    assert set(by_name) == {"nginx", "docker", "host", "probes", "files"}
    assert by_name["docker"].status == "error" and by_name["probes"].status == "skipped"
    assert by_name["files"].status == "ok"
    logs = bundle.read_json("nginx/logs.json")
    assert {
        "kind": "error",
        "path": str(tmp_path / "nope.log"),
        "status": "missing",
    }.items() <= logs[0].items()
    text = bundle.read_text("files/compose.yaml") or ""
    assert "services:" in text and "AAHk3vQz9pLr2sT8uVw1xYz0aBcDeFgHiJk" not in text
    assert json.loads(json.dumps(bundle.manifest()))["collectors"]


def test_stream_target_and_config_under_a_container_root(tmp_path: Path) -> None:
    root = tmp_path / "root"
    (root / "etc" / "nginx" / "conf.d").mkdir(parents=True)
    (root / "var" / "log" / "nginx").mkdir(parents=True)
    (root / "etc" / "nginx" / "nginx.conf").write_text(
        "http { include /etc/nginx/conf.d/*.conf; }\n"
    )
    (root / "etc" / "nginx" / "conf.d" / "app.conf").write_text(
        "server { location / { proxy_pass http://app:8000; } }\n"
    )
    os.symlink("/dev/stderr", root / "var" / "log" / "nginx" / "error.log")
    dump = nginxconf.read_config_files(
        Path("/etc/nginx/nginx.conf"), Path("/etc/nginx"), root=str(root)
    )
    assert "# configuration file /etc/nginx/conf.d/app.conf:" in dump
    assert nginxconf.facts_from_dump(dump).proxy_passes == ["http://app:8000"]
    assert nginx.stream_target(str(root / "var/log/nginx/error.log")) == "/dev/stderr"
    assert nginx.stream_target(str(root / "etc/nginx/nginx.conf")) is None


def test_split_nginx_stream_from_container_log() -> None:
    ctx = CollectContext(CollectOptions())
    ctx.nginx_logs = [
        {"kind": "error", "path": "stream:/dev/stderr", "file": None, "status": "container-stream"},
        {
            "kind": "access",
            "path": "stream:/dev/stdout",
            "file": None,
            "status": "container-stream",
        },
    ]
    text = (
        b"2026-11-22T09:00:01.123456789Z 2026/11/22 09:00:01 [error] 29#29: *3 connect() "
        b"failed (111: Connection refused) while connecting to upstream\n"
        b"2026-11-22T09:00:01.223456789Z 10.0.0.1 - - [22/Nov/2026:09:00:01 +0000] "
        b'"GET / HTTP/1.1" 502 157 "-" "curl"\n'
    )
    bundle = Bundle()
    docker._split_nginx_stream(ctx, bundle, "shop-nginx-1", text)
    logs = bundle.read_json("nginx/logs.json")
    assert [(e["kind"], e["status"], e["container"]) for e in logs] == [
        ("error", "ok", "shop-nginx-1"),
        ("access", "ok", "shop-nginx-1"),
    ]
    assert (bundle.read_text(logs[0]["file"]) or "").startswith("2026/11/22 09:00:01 [error]")
    assert '" 502 157' in (bundle.read_text(logs[1]["file"]) or "")


def test_docker_dns_view_for_containerized_nginx() -> None:
    ctx = CollectContext(CollectOptions())
    ctx.nginx_process = {"running": True, "container_pid": 4242}
    net = {"IPAddress": "172.18.0.4", "Aliases": ["api"]}
    ctx.containers = [
        {
            "Name": "shop-api-1",
            "ComposeService": "api",
            "State": {"Running": True},
            "NetworkSettings": {"Networks": {"shop": net}},
        },
        {
            "Name": "shop-db-1",
            "ComposeService": "db",
            "State": {"Running": False},
            "NetworkSettings": {"Networks": {"shop": {"IPAddress": "", "Aliases": ["db"]}}},
        },
    ]
    view = probes.docker_dns(ctx, ["api", "db", "example.org"])
    assert view["api"] == {"addresses": ["172.18.0.4"], "error": None, "source": "docker"}
    assert view["db"]["addresses"] == [] and "shop-db-1 is not running" in view["db"]["error"]
    assert "example.org" not in view
    ctx.nginx_process = {"running": True}  # nginx on the host: getaddrinfo is its view
    assert probes.docker_dns(ctx, ["api"]) == {}


class _FakeEngine:
    """A tiny Engine API on a unix socket: GET only, slow inspects, multiplexed logs."""

    def __init__(self, path: str, containers: int, inspect_delay: float) -> None:
        import http.server
        import socketserver

        engine = self
        self.methods: list[str] = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def address_string(self) -> str:
                return "unix"

            def _send(self, body: bytes, ctype: str = "application/json") -> None:
                self.send_response(200)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:  # noqa: N802
                engine.methods.append("GET")
                path = self.path.split("?")[0]
                if path == "/version":
                    self._send(b'{"Version": "fake", "ApiVersion": "1.41"}')
                elif path == "/info":
                    self._send(b'{"DockerRootDir": "/var/lib/docker"}')
                elif path == "/containers/json":
                    self._send(
                        json.dumps([{"Id": f"c{i:03d}"} for i in range(containers)]).encode()
                    )
                elif path.endswith("/logs"):
                    frame = b"2026-11-22T09:00:00.000000000Z hello\n"
                    self._send(
                        struct.pack(">BxxxI", 1, len(frame)) + frame,
                        "application/vnd.docker.raw-stream",
                    )
                elif path.endswith("/json"):
                    time.sleep(inspect_delay)
                    cid = path.split("/")[2]
                    self._send(
                        json.dumps(
                            {
                                "Id": cid,
                                "Name": f"/{cid}",
                                "State": {"Status": "exited", "Running": False, "Pid": 0},
                                "Config": {"Env": ["A=1"]},
                            }
                        ).encode()
                    )
                else:
                    self.send_error(404)

            def do_POST(self) -> None:  # noqa: N802
                engine.methods.append("POST")
                self.send_error(405)

        class Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
            daemon_threads = True

        self.server = Server(path, Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_docker_collector_against_a_fake_engine(tmp_path: Path) -> None:
    engine = _FakeEngine(str(tmp_path / "d.sock"), containers=3, inspect_delay=0)
    try:
        ctx = CollectContext(CollectOptions(docker_host=f"unix://{tmp_path}/d.sock", timeout=4))
        bundle = Bundle()
        run_collector(bundle, ctx, "docker", docker.collect, 8)
    finally:
        engine.close()
    assert bundle.collector("docker").status == "ok"  # type: ignore[union-attr]
    assert [c["Name"] for c in bundle.read_json("docker/containers.json")] == [
        "c000",
        "c001",
        "c002",
    ]
    assert bundle.read_text("docker/logs/c001.log") == "2026-11-22T09:00:00.000000000Z hello\n"
    assert bundle.read_json("docker/engine.json")["root_dir"] == "/var/lib/docker"
    assert set(engine.methods) == {"GET"}


def test_slow_engine_keeps_the_containers_collected_in_time(tmp_path: Path) -> None:
    engine = _FakeEngine(str(tmp_path / "d.sock"), containers=40, inspect_delay=0.25)
    try:
        ctx = CollectContext(CollectOptions(docker_host=f"unix://{tmp_path}/d.sock", timeout=2))
        bundle = Bundle()
        t0 = time.monotonic()
        run_collector(bundle, ctx, "docker", docker.collect, 4)
        assert time.monotonic() - t0 < 4.5
    finally:
        engine.close()
    status = bundle.collector("docker")
    assert status is not None and status.status == "partial", status
    assert "time budget" in (status.error or "")
    kept = bundle.read_json("docker/containers.json")
    assert 1 <= len(kept) < 40
