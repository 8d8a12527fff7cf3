"""Synthetic inputs for the scaling benchmarks (bench/scale.py) and the linear-growth
regression tests: deterministic text, no randomness, sizes proportional to N.

    python bench/synth.py OUT --kind stack --n 400      # compose + nginx, N services
    python bench/synth.py OUT --kind confd --n 400      # the same with N conf.d snippets
    python bench/synth.py OUT --kind nginx --n 2000     # nginx.conf with N servers
    python bench/synth.py OUT --kind compose --n 20000  # one big compose file (~200 B/svc)
    python bench/synth.py OUT --kind k8s --n 2000       # multi-document Kubernetes file

Every generated service carries a few deliberate findings: no restart policy (CMP001),
no log limits (CMP002), `depends_on` without a condition (XF005) and, in the stack, an
nginx server + location proxying to it (NGX002 timeouts, NGX003 headers, XF011 no
healthcheck). Some nginx locations are websocket routes and some go through an upstream
block with keepalive, so the nginx fixers that walk routes and blocks are exercised too."""

from __future__ import annotations

import argparse
from pathlib import Path

KINDS = ("stack", "confd", "nginx", "compose", "k8s")


def _service(i: int, n: int, *, healthcheck: bool) -> str:
    lines = [
        f"  app{i}:",
        f"    image: registry.example.com/team/app{i}:1.{i % 50}",
        "    environment:",
        f"      PORT: '{8000 + i % 100}'",
        f"      APP_NAME: app{i}",
        "    expose:",
        f"      - '{8000 + i % 100}'",
    ]
    if i > 0:
        deps = [f"app{i - 1}"] + ([f"db{i % 5}"] if i % 3 == 0 else [])
        lines.append("    depends_on:")
        lines.extend(f"      - {d}" for d in deps)
    if healthcheck:
        lines += [
            "    healthcheck:",
            f"      test: ['CMD', 'wget', '-qO-', 'http://127.0.0.1:{8000 + i % 100}/health']",
            "      interval: 10s",
        ]
    return "\n".join(lines) + "\n"


def compose_text(n: int, *, nginx: bool = True, confd: bool = False) -> str:
    """A compose file with N app services (plus 5 databases and, with `nginx`, an nginx
    service mounting ./nginx/nginx.conf, or ./nginx/conf.d with `confd`)."""
    parts = ["services:\n"]
    if nginx:
        mount = (
            "./nginx/conf.d:/etc/nginx/conf.d:ro"
            if confd
            else "./nginx/nginx.conf:/etc/nginx/nginx.conf:ro"
        )
        parts.append(
            "  nginx:\n"
            "    image: nginx:1.27-alpine\n"
            "    ports:\n"
            "      - '80:80'\n"
            "    volumes:\n"
            f"      - {mount}\n"
            "    depends_on:\n"
            "      - app0\n"
        )
    for d in range(5):
        parts.append(
            f"  db{d}:\n    image: postgres:16-alpine\n    environment:\n      POSTGRES_DB: db{d}\n"
        )
    for i in range(n):
        parts.append(_service(i, n, healthcheck=i % 4 == 1))
    return "".join(parts)


def nginx_text(n: int, *, upstream_prefix: str = "app", compact: bool = False) -> str:
    """nginx.conf with one server per backend: `server_name sN.example.com`, a `/`
    location proxying to `{upstream_prefix}N`, every 7th server also a websocket route,
    every 5th through an upstream block with keepalive. `compact` writes two-space
    indentation and one-line locations (about 70 bytes per server)."""
    ind = "  " if compact else "    "
    out = ["worker_processes auto;\n", "events {\n" + ind + "worker_connections 1024;\n}\n"]
    out.append("http {\n" + ind + "server_tokens on;\n")
    for i in range(n):
        if i % 5 == 0:
            out.append(
                f"{ind}upstream pool{i} {{\n"
                f"{ind * 2}server {upstream_prefix}{i}:{8000 + i % 100};\n"
                f"{ind * 2}keepalive 8;\n"
                f"{ind}}}\n"
            )
    for i in range(n):
        target = f"pool{i}" if i % 5 == 0 else f"{upstream_prefix}{i}:{8000 + i % 100}"
        name = f"s{i}" if compact else f"s{i}.example.com"
        out.append(f"{ind}server {{\n{ind * 2}listen 80;\n{ind * 2}server_name {name};\n")
        if compact:
            out.append(f"{ind * 2}location / {{ proxy_pass http://{target}; }}\n")
        else:
            out.append(
                f"{ind * 2}location / {{\n{ind * 3}proxy_pass http://{target};\n{ind * 2}}}\n"
            )
        if i % 7 == 0:
            out.append(
                f"{ind * 2}location /ws/ {{\n"
                f"{ind * 3}proxy_pass http://{target};\n"
                f"{ind * 3}proxy_set_header Upgrade $http_upgrade;\n"
                f"{ind * 2}}}\n"
            )
        out.append(f"{ind}}}\n")
    out.append("}\n")
    return "".join(out)


def confd_snippet(i: int) -> str:
    """conf.d/sN.conf: one server proxying to appN (every 7th with a websocket route that
    lacks the upgrade headers, so the snippets share one `map` for $connection_upgrade)."""
    out = (
        "server {\n"
        "    listen 80;\n"
        f"    server_name s{i}.example.com;\n"
        "    location / {\n"
        f"        proxy_pass http://app{i}:{8000 + i % 100};\n"
        "    }\n"
    )
    if i % 7 == 0:
        out += f"    location /ws/ {{\n        proxy_pass http://app{i}:{8000 + i % 100};\n    }}\n"
    return out + "}\n"


def k8s_text(n: int) -> str:
    """N Deployments, each with a Service selecting it (some mismatched) and an HPA every
    10th, as one multi-document file."""
    docs: list[str] = []
    for i in range(n):
        docs.append(
            "apiVersion: apps/v1\n"
            "kind: Deployment\n"
            "metadata:\n"
            f"  name: app{i}\n"
            "spec:\n"
            "  replicas: 2\n"
            "  selector:\n"
            "    matchLabels:\n"
            f"      app: app{i}\n"
            "  template:\n"
            "    metadata:\n"
            "      labels:\n"
            f"        app: app{i}\n"
            "    spec:\n"
            "      containers:\n"
            "        - name: web\n"
            f"          image: registry.example.com/app{i}:latest\n"
            "          ports:\n"
            "            - containerPort: 8080\n"
        )
        selector = f"app{i}" if i % 9 else f"app{i}-typo"
        docs.append(
            "apiVersion: v1\n"
            "kind: Service\n"
            "metadata:\n"
            f"  name: app{i}\n"
            "spec:\n"
            "  selector:\n"
            f"    app: {selector}\n"
            "  ports:\n"
            "    - port: 80\n"
            f"      targetPort: {8080 if i % 11 else 9090}\n"
        )
        if i % 10 == 0:
            docs.append(
                "apiVersion: autoscaling/v2\n"
                "kind: HorizontalPodAutoscaler\n"
                "metadata:\n"
                f"  name: app{i}\n"
                "spec:\n"
                "  scaleTargetRef:\n"
                "    apiVersion: apps/v1\n"
                "    kind: Deployment\n"
                f"    name: app{i}\n"
                "  minReplicas: 2\n"
                "  maxReplicas: 5\n"
                "  metrics:\n"
                "    - type: Resource\n"
                "      resource:\n"
                "        name: cpu\n"
                "        target:\n"
                "          type: Utilization\n"
                "          averageUtilization: 80\n"
            )
    return "---\n".join(docs)


def write(root: Path, kind: str, n: int) -> Path:
    """Write one synthetic input under `root` (created) and return `root`."""
    root.mkdir(parents=True, exist_ok=True)
    if kind == "stack":
        (root / "nginx").mkdir(exist_ok=True)
        (root / "compose.yaml").write_text(compose_text(n))
        (root / "nginx" / "nginx.conf").write_text(nginx_text(n))
    elif kind == "confd":
        (root / "nginx" / "conf.d").mkdir(parents=True, exist_ok=True)
        (root / "compose.yaml").write_text(compose_text(n, confd=True))
        for i in range(n):
            (root / "nginx" / "conf.d" / f"s{i}.conf").write_text(confd_snippet(i))
    elif kind == "nginx":
        (root / "nginx.conf").write_text(nginx_text(n, upstream_prefix="b", compact=True))
    elif kind == "compose":
        (root / "compose.yaml").write_text(compose_text(n, nginx=False))
    elif kind == "k8s":
        (root / "manifests.yaml").write_text(k8s_text(n))
    else:
        raise ValueError(f"unknown kind {kind!r} ({', '.join(KINDS)})")
    return root


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, help="directory to write into (created)")
    parser.add_argument("--kind", choices=KINDS, default="stack")
    parser.add_argument("--n", type=int, default=400, help="services / servers / workloads")
    args = parser.parse_args()
    root = write(args.out, args.kind, args.n)
    size = sum(p.stat().st_size for p in root.rglob("*") if p.is_file())
    print(f"{root}: {args.kind} n={args.n}, {size / 1024:.0f} KB")


if __name__ == "__main__":
    main()
