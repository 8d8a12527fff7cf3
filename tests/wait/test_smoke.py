"""`infradoctor smoke` against a real nginx (host mode, temp config on a free loopback
port) proxying to Python HTTP servers, and a compose-mode stack whose "nginx" is a stub
answering 502 while the service answers directly."""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from infradoctor.cli.main import main
from tests.conftest import write_tree
from tests.wait import servers
from tests.wait.conftest import unavailable


def _slow_server() -> servers._HTTPServer:
    srv = servers.start_http(routes={"/slow": (200, b"slow but fine")})
    original = srv.RequestHandlerClass.do_GET  # type: ignore[attr-defined]

    class Slow(srv.RequestHandlerClass):  # type: ignore[name-defined,misc]
        def do_GET(self) -> None:  # noqa: N802
            if self.path.startswith("/slow"):
                time.sleep(1.5)
            original(self)

    srv.RequestHandlerClass = Slow
    return srv


@pytest.fixture
def host_nginx_stack(tmp_path: Path) -> Iterator[tuple[Path, dict[str, int]]]:
    exe = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if exe is None:
        unavailable("nginx (Debian package nginx) not found")
    api = _slow_server()
    ports = {
        "api": api.server_address[1],
        "nginx": servers.free_port(),
        "closed": servers.free_port(),
    }
    prefix = tmp_path / "stack"
    conf = f"""
events {{}}
http {{
    client_body_temp_path {prefix}/tmp/body;
    proxy_temp_path {prefix}/tmp/proxy;
    fastcgi_temp_path {prefix}/tmp/fastcgi;
    uwsgi_temp_path {prefix}/tmp/uwsgi;
    scgi_temp_path {prefix}/tmp/scgi;
    access_log off;
    upstream api {{
        server 127.0.0.1:{ports["api"]};
        keepalive 8;
    }}
    server {{
        listen 127.0.0.1:{ports["nginx"]};
        server_name app.example.test;
        location /api/ {{
            proxy_pass http://api/;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_connect_timeout 2s;
            proxy_read_timeout 5s;
            proxy_send_timeout 5s;
        }}
        location /slow {{
            proxy_pass http://127.0.0.1:{ports["api"]};
            proxy_connect_timeout 1s;
            proxy_read_timeout 1s;
            proxy_send_timeout 1s;
        }}
        location /gone/ {{
            proxy_pass http://127.0.0.1:{ports["closed"]}/;
            proxy_connect_timeout 1s;
            proxy_read_timeout 1s;
            proxy_send_timeout 1s;
        }}
    }}
}}
"""
    write_tree(
        prefix,
        {
            "nginx.conf": conf,
            "compose.yaml": f"""
services:
  api:
    image: example/api:1.0
    restart: unless-stopped
    ports: ["127.0.0.1:{ports["api"]}:8000"]
    healthcheck:
      test: ["CMD", "curl", "-fsS", "http://localhost:8000/health"]
""",
        },
    )
    (prefix / "tmp").mkdir()
    (prefix / "logs").mkdir()
    cmd = [
        exe,
        "-p",
        str(prefix),
        "-c",
        str(prefix / "nginx.conf"),
        "-e",
        str(prefix / "logs/error.log"),
    ]
    cmd += ["-g", f"daemon off; pid {prefix}/nginx.pid;"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        try:
            servers.wait_port(ports["nginx"], 15, proc)  # type: ignore[arg-type]
        except servers.Unavailable as exc:
            err = proc.stderr.read().decode() if proc.stderr and proc.poll() is not None else ""
            unavailable(f"nginx did not start: {exc} {err}")
        yield prefix, ports
    finally:
        proc.terminate()
        proc.wait(timeout=15)
        api.shutdown()


def test_smoke_real_nginx(host_nginx_stack, capsys) -> None:
    root, ports = host_nginx_stack
    code = main(["smoke", str(root), "--format", "json", "--timeout", "3"])
    report = json.loads(capsys.readouterr().out)
    assert code == 1
    (probe,) = report["probes"]
    assert probe["ready"] and probe["target"].startswith("api (http://127.0.0.1:")
    routes = {r["route"].split(" ")[1]: r for r in report["routes"]}
    assert set(routes) == {"/api/", "/slow", "/gone/"}
    api = routes["/api/"]
    assert api["ok"] and api["via_nginx"]["status"] == 200 and api["direct"]["status"] == 200
    assert api["via_nginx"]["host"] == "app.example.test"
    assert api["via_nginx"]["url"] == f"http://127.0.0.1:{ports['nginx']}/api/"
    assert api["direct"]["url"] == f"http://127.0.0.1:{ports['api']}/"  # URI replaced
    slow = routes["/slow"]
    assert not slow["ok"] and slow["via_nginx"]["status"] == 504
    assert slow["direct"]["status"] == 200
    assert "nginx timed out waiting for 127.0.0.1" in slow["cause"]
    gone = routes["/gone/"]
    assert not gone["ok"] and gone["via_nginx"]["status"] == 502
    assert gone["direct"]["error"] == "connection refused"
    assert "fails directly too" in gone["cause"]
    # text output names everything on one screen
    main(["smoke", str(root), "--timeout", "3"])
    text = capsys.readouterr().out
    print(text)
    assert "via nginx" in text and "direct" in text and "cause:" in text
    assert "FAILED: 1/1 services ready, 1/3 routes ok" in text


def test_smoke_compose_nginx_502_names_nginx_side(tmp_path: Path, capsys) -> None:
    """nginx runs in compose (published N:80) and proxies to api:8000; the stub on N
    answers 502 while api answers directly on its published port."""
    api = servers.start_http()
    fake_nginx = servers.start_http(routes={"/": (502, b"Bad Gateway")})
    try:
        aport, nport = api.server_address[1], fake_nginx.server_address[1]
        root = write_tree(
            tmp_path / "stack",
            {
                "compose.yaml": f"""
services:
  nginx:
    image: nginx:1.27
    ports: ["127.0.0.1:{nport}:80"]
    volumes: ["./nginx/default.conf:/etc/nginx/conf.d/default.conf:ro"]
  api:
    image: example/api:1.0
    command: ["uvicorn", "app:app", "--host", "0.0.0.0", "--port", "8000"]
    ports: ["127.0.0.1:{aport}:8000"]
""",
                "nginx/default.conf": """
server {
    listen 80;
    location / {
        proxy_pass http://api:8000;
    }
}
""",
            },
        )
        code = main(["smoke", str(root), "--format", "json", "--no-lint"])
        report = json.loads(capsys.readouterr().out)
        (route,) = report["routes"]
        assert code == 1 and not route["ok"]
        assert route["via_nginx"]["url"] == f"http://127.0.0.1:{nport}/"
        assert route["direct"]["url"] == f"http://127.0.0.1:{aport}/"
        assert route["cause"].startswith("nginx cannot reach the upstream api:8000")
    finally:
        api.shutdown()
        fake_nginx.shutdown()


def test_smoke_usage(capsys) -> None:
    assert main(["smoke", "/nonexistent/path"]) == 2
