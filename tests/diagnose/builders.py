"""Synthetic evidence bundles shaped like the live collectors' output (evidence.py)."""

from __future__ import annotations

from typing import Any

from infradoctor.diagnose.evidence import Bundle, CollectorStatus

T0 = "2026/08/21 10:00"  # error.log minute prefix
NOW_ISO = "2026-08-21T10:05:00Z"
COLLECTED_AT = 1787306700.0  # 2026-08-21T10:05:00Z


def err(
    sec: int,
    conn: int,
    message: str,
    upstream: str | None = None,
    *,
    level: str = "error",
    request: str = "GET /api/items HTTP/1.1",
    host: str = "shop.example.com",
) -> str:
    """One nginx error.log line in the real format."""
    line = (
        f"{T0}:{sec:02d} [{level}] 29#29: *{conn} {message}, client: 203.0.113.7, "
        f'server: {host}, request: "{request}"'
    )
    if upstream:
        line += f', upstream: "{upstream}"'
    return line + f', host: "{host}"'


def access(
    sec: int, status: int, path: str = "/api/items", upstream: str = "-", ustatus: str = "-"
) -> str:
    return (
        f'203.0.113.7 - - [21/Aug/2026:10:00:{sec:02d} +0000] "GET {path} HTTP/1.1" '
        f'{status} 157 "-" "curl/8.5.0" upstream_addr={upstream} '
        f"upstream_status={ustatus} rt=0.001"
    )


def container(
    name: str,
    ip: str | None,
    *,
    status: str = "running",
    exit_code: int = 0,
    oom: bool = False,
    restarts: int = 0,
    health: dict[str, Any] | None = None,
    exposed: tuple[int, ...] = (8000,),
    service: str | None = None,
    project: str = "shop",
    log_size: int | None = 4096,
    log_opts: dict[str, str] | None = None,
    env: list[str] | None = None,
    started: str = "2026-08-21T09:00:00Z",
    finished: str = "0001-01-01T00:00:00Z",
    memory: int = 0,
    cid: str | None = None,
    image: str = "shop/app:1.4",
    token_hash: str | None = None,
) -> dict[str, Any]:
    state: dict[str, Any] = {
        "Status": status,
        "Running": status == "running",
        "Restarting": status == "restarting",
        "OOMKilled": oom,
        "ExitCode": exit_code,
        "Pid": 4242 if status == "running" else 0,
        "StartedAt": started,
        "FinishedAt": finished,
        "Error": "",
    }
    if health is not None:
        state["Health"] = health
    return {
        "Id": cid or (name.encode().hex() * 8)[:64],
        "Name": name,
        "State": state,
        "RestartCount": restarts,
        "LogPath": f"/var/lib/docker/containers/{name}/{name}-json.log",
        "HostConfig": {
            "RestartPolicy": {"Name": "no"},
            "Memory": memory,
            "LogConfig": {"Type": "json-file", "Config": log_opts or {}},
        },
        "NetworkSettings": {
            "Networks": {
                f"{project}_default": {
                    "IPAddress": ip or "",
                    "Aliases": [service or name],
                    "DNSNames": [name],
                    "Gateway": "172.18.0.1",
                }
            }
        },
        "Config": {
            "Image": image,
            "Labels": {
                "com.docker.compose.project": project,
                "com.docker.compose.service": service or name,
            },
            "Env": env or ["PATH=/usr/bin"],
            "ExposedPorts": {f"{p}/tcp": {} for p in exposed},
        },
        "ComposeProject": project,
        "ComposeService": service or name,
        "BotTokenHash": token_hash,
        "LogSize": log_size,
    }


NGINX_CONF = """# configuration file /etc/nginx/nginx.conf:
events { worker_connections 1024; }
http {
    include /etc/nginx/conf.d/*.conf;
}

# configuration file /etc/nginx/conf.d/shop.conf:
upstream app_backend {
    server app:8000;
}
server {
    listen 80;
    server_name shop.example.com;
    location /api/ {
        proxy_pass http://app_backend;
        proxy_read_timeout 30s;
    }
}
"""


def bundle(
    *,
    error_log: list[str] | None = None,
    access_log: list[str] | None = None,
    containers: list[dict[str, Any]] | None = None,
    listening: dict[str, list[dict[str, Any]]] | None = None,
    container_logs: dict[str, str] | None = None,
    disk: list[dict[str, Any]] | None = None,
    largest: list[dict[str, Any]] | None = None,
    oom: str = "",
    config: str = NGINX_CONF,
    test_ok: bool = True,
    test_output: str = "nginx: configuration file /etc/nginx/nginx.conf test is successful",
    running: bool = True,
    probes: list[dict[str, Any]] | None = None,
    dns: dict[str, Any] | None = None,
    limits: dict[str, Any] | None = None,
    extra: dict[str, str] | None = None,
) -> Bundle:
    b = Bundle()
    b.meta.update({"created": NOW_ISO, "host": "web-1", "since": 1800.0, "tool_version": "0.1.0"})
    b.put_text("nginx/config.txt", config)
    b.put_json("nginx/test.json", {"ok": test_ok, "output": test_output, "ran": True})
    b.put_json(
        "nginx/process.json",
        {
            "running": running,
            "pids": [1] if running else [],
            "conf": "/etc/nginx/nginx.conf",
            "binary": "/usr/sbin/nginx",
        },
    )
    b.put_text("nginx/logs/0-error.error.log", "\n".join(error_log or []) + "\n")
    b.put_text("nginx/logs/1-access.access.log", "\n".join(access_log or []) + "\n")
    b.put_json(
        "nginx/logs.json",
        [
            {
                "kind": "error",
                "path": "/var/log/nginx/error.log",
                "file": "nginx/logs/0-error.error.log",
                "bytes_total": 1000,
                "bytes_read": 1000,
                "status": "ok",
                "error": None,
            },
            {
                "kind": "access",
                "path": "/var/log/nginx/access.log",
                "file": "nginx/logs/1-access.access.log",
                "bytes_total": 1000,
                "bytes_read": 1000,
                "status": "ok",
                "error": None,
            },
        ],
    )
    b.put_json(
        "docker/engine.json",
        {
            "reachable": True,
            "host": "unix:///var/run/docker.sock",
            "error": None,
            "root_dir": "/var/lib/docker",
            "version": "26.1.5",
            "collected_at": COLLECTED_AT,
        },
    )
    cs = containers if containers is not None else []
    b.put_json("docker/containers.json", cs)
    for name, socks in (listening or {}).items():
        b.put_json(f"docker/listening/{name}.json", socks)
    for c in cs:
        name = c["Name"]
        text = (container_logs or {}).get(name, "2026-08-21T09:00:01.000000000Z started\n")
        b.put_text(f"docker/logs/{name}.log", text)
    b.put_json(
        "host/disk.json",
        disk
        if disk is not None
        else [
            {
                "path": "/var/lib/nginx",
                "mount": "/",
                "device": "/dev/sda1",
                "fstype": "ext4",
                "total": 100 * 2**30,
                "used": 40 * 2**30,
                "avail": 60 * 2**30,
                "inodes_total": 6_000_000,
                "inodes_free": 5_000_000,
                "purposes": ["nginx-log", "nginx-temp", "docker-root", "var-log"],
                "paths": {},
            }
        ],
    )
    b.put_json("host/largest.json", largest or [])
    b.put_text("host/oom.txt", oom)
    b.put_json("host/limits.json", limits or {"nginx_worker_rlimit_nofile": None, "open_files": []})
    b.put_json("probes/http.json", probes or [])
    b.put_json("probes/dns.json", dns or {})
    for path, text in (extra or {}).items():
        b.put_text(path, text)
    for name in ("nginx", "docker", "host", "probes"):
        b.record(CollectorStatus(name, "ok", None, 0.1))
    return b
