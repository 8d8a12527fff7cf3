"""Hypothesis strategies for structurally plausible infra files with random, often odd,
values: compose files (block and flow style, anchors and merge keys, comments), nginx
configs (http/server/location/upstream/map, includes), Dockerfiles (multi-stage,
heredocs, exec and shell forms), Kubernetes manifests and .env files.

`valid=True` keeps the files syntactically valid (values are quoted when they need to
be), which is what the fix properties want; otherwise raw odd values are written as they
are and may break the syntax, which the lint properties want too."""

from __future__ import annotations

import json
import re
from typing import Any

from hypothesis import strategies as st

NAMES = ["web", "api", "db", "cache", "worker", "auth", "proxy", "nginx", "redis", "bot"]
IMAGES = [
    "nginx",
    "nginx:latest",
    "nginx:1.25-alpine",
    "postgres:16",
    "redis:7",
    "mysql",
    "mariadb:10.3",
    "rabbitmq:3-management",
    "python:3.12-slim",
    "node:20",
    "eclipse-temurin:21",
    "busybox",
    "gcr.io/distroless/base",
    "ghcr.io/acme/app@sha256:" + "a" * 64,
    "registry:5000/x/y:tag",
    "${IMAGE:-nginx}:${TAG}",
    "",
]
ODD = [
    "1e400",
    "-1e400",
    "9" * 400,
    "-1",
    "0",
    "-0",
    "1e-400",
    "nan",
    ".inf",
    "0x10",
    "1_000",
    "99999999999999999999",
    "65536",
    "1e400m",
    "99999999999999999999g",
    "-5s",
    "1h1h",
    "",
    " ",
    "~",
    "null",
    "true",
    "no",
    "'",
    '"',
    "'\";'",
    '";',
    "\\",
    "$",
    "$$",
    "${",
    "${X:-${Y:?z}}",
    "{}",
    "[]",
    "{",
    "[",
    "#",
    " # not a comment",
    "a: b",
    "- x",
    "*a",
    "&a",
    "!tag",
    "%",
    "@",
    "`x`",
    "é",
    "\u2028",
    "\u0085",
    "\u200b",
    "\ufeff",
    "\x0b",
    "\r",
    "\t",
    "a" * 3000,
    "localhost",
    "127.0.0.1",
    "::1",
    "[::1]:80",
    "host.docker.internal",
    "0.0.0.0:80:80/udp",
    "80-90:80-90",
    "http://api:8000/",
    "unix:/tmp/x.sock",
    "-Xmx99999999999999999999g",
    "-Xmx1e400m",
    "sh -c 'exec \"$@\"'",
    "CMD-SHELL",
]
WORD = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_", min_size=1, max_size=10)
COMMENT = st.text(alphabet="abcdefghij ()-_:/{}[];'\"#$", max_size=20).map(lambda t: "# " + t)
ODD_TEXT = st.one_of(
    st.sampled_from(ODD),
    st.text(max_size=12),
    st.integers(-(10**30), 10**30).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
)


def value(odd_share: float = 0.3) -> st.SearchStrategy[str]:
    """A value: usually a plausible word or number, sometimes an odd one."""
    weight = max(1, round(10 * odd_share))
    return st.one_of(
        *([WORD] * (10 - weight)),
        *([ODD_TEXT] * weight),
    )


_PLAIN = re.compile(r"^[A-Za-z0-9_./-][A-Za-z0-9_./:@+=-]*$")


def yaml_scalar(text: str, valid: bool, raw: bool = False) -> str:
    """`text` as a YAML scalar: plain when safe, else double quoted (JSON escapes are
    valid YAML). With `raw` (and not `valid`) the text is written as it is."""
    if raw and not valid:
        return text.replace("\n", " ")
    if _PLAIN.match(text) and text.lower() not in {"y", "n", "yes", "no", "on", "off"}:
        return text
    return json.dumps(text)


# ------------------------------------------------------------------ compose


@st.composite
def compose_file(draw: st.DrawFn, valid: bool = False, names: list[str] | None = None) -> str:
    unit = draw(st.sampled_from(["  ", "    "]))
    services = names or draw(st.lists(st.sampled_from(NAMES), min_size=1, max_size=4, unique=True))
    flow = draw(st.booleans()) and draw(st.booleans())  # a quarter of files
    lines: list[str] = []
    if draw(st.booleans()):
        lines.append(draw(COMMENT))
    if draw(st.booleans()):
        lines.append(f"version: {json.dumps(draw(st.sampled_from(['3', '3.8', '2.4'])))}")
    anchor = draw(st.booleans())
    if anchor:
        lines += [
            "x-logging: &logging",
            f"{unit}driver: json-file",
            "x-common: &common",
            unit + "restart: " + draw(st.sampled_from(["always", "unless-stopped", "no", '"no"'])),
        ]
    lines.append("services:")
    for name in services:
        entries = draw(service_entries(valid, services))
        if anchor and draw(st.booleans()):
            entries.insert(0, ("<<", "*common", None))
        if anchor and draw(st.booleans()) and all(k != "logging" for k, _, _ in entries):
            entries.append(("logging", "*logging", None))
        if draw(st.booleans()):
            lines.append(unit + draw(COMMENT))
        if flow:
            body = ", ".join(f"{k}: {_flow(v)}" for k, v, _ in entries)
            lines.append(f"{unit}{name}: {{{body}}}")
            continue
        lines.append(f"{unit}{name}:")
        for key, val, comment in entries:
            lines.extend(_block(key, val, unit * 2, unit, comment))
    if draw(st.booleans()):
        lines += ["networks:", f"{unit}default: {{}}", f"{unit}back:", f"{unit * 2}driver: bridge"]
    if draw(st.booleans()):
        lines += ["volumes:", f"{unit}data:"]
    text = "\n".join(lines) + "\n"
    if not draw(st.booleans()):
        text = text.replace("\n", draw(st.sampled_from(["\n", "\r\n"])))
    return text


Value = Any  # str, or a list/dict of Values


def _flow(v: Value) -> str:
    if isinstance(v, list):
        return "[" + ", ".join(_flow(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k}: {_flow(x)}" for k, x in v.items()) + "}"
    return v


def _block(key: str, v: Value, indent: str, unit: str, comment: str | None) -> list[str]:
    tail = f"  {comment}" if comment else ""
    if isinstance(v, list) and v and all(isinstance(x, str) for x in v):
        return [f"{indent}{key}:{tail}"] + [f"{indent}{unit}- {x}" for x in v]
    if isinstance(v, dict) and v:
        out = [f"{indent}{key}:{tail}"]
        for k, x in v.items():
            out.extend(_block(k, x, indent + unit, unit, None))
        return out
    return [f"{indent}{key}: {_flow(v)}{tail}"]


@st.composite
def service_entries(
    draw: st.DrawFn, valid: bool, services: list[str]
) -> list[tuple[str, Value, str | None]]:
    def sc(text: str) -> str:
        return yaml_scalar(text, valid, raw=draw(st.booleans()))

    def odd() -> str:
        return sc(draw(value()))

    out: list[tuple[str, Value, str | None]] = []
    keys = draw(
        st.lists(
            st.sampled_from(
                [
                    "image",
                    "build",
                    "command",
                    "ports",
                    "expose",
                    "environment",
                    "depends_on",
                    "healthcheck",
                    "restart",
                    "mem_limit",
                    "deploy",
                    "volumes",
                    "container_name",
                    "user",
                    "privileged",
                    "network_mode",
                    "networks",
                    "cap_drop",
                    "security_opt",
                    "logging",
                    "entrypoint",
                    "read_only",
                    "profiles",
                    "labels",
                ]
            ),
            min_size=1,
            max_size=9,
            unique=True,
        )
    )
    if "image" not in keys and "build" not in keys:
        keys.insert(0, "image")
    for key in keys:
        comment = draw(COMMENT) if draw(st.integers(0, 4)) == 0 else None
        v: Value
        if key == "image":
            v = sc(draw(st.one_of(st.sampled_from(IMAGES), value())))
        elif key == "build":
            v = draw(
                st.one_of(
                    st.just("."),
                    st.builds(
                        lambda c, d: {"context": c, "dockerfile": d},
                        st.sampled_from([".", "./app", "..", sc(draw(value()))]),
                        st.sampled_from(["Dockerfile", "Dockerfile.prod", "app/Dockerfile"]),
                    ),
                )
            )
        elif key in ("command", "entrypoint"):
            v = draw(
                st.one_of(
                    st.sampled_from(
                        [
                            sc("python app.py --port 8000"),
                            sc("gunicorn -b 0.0.0.0:8000 --timeout 120 app:app"),
                            sc("java -Xmx2g -jar app.jar"),
                            sc("'\";'"),
                            sc('sh -c "exec $$0"'),
                            sc("node server.js"),
                        ]
                    ),
                    st.lists(value(0.5).map(lambda t: json.dumps(t)), max_size=4),
                    value(0.6).map(sc),
                )
            )
        elif key in ("ports", "expose"):
            v = draw(
                st.lists(
                    st.one_of(
                        st.sampled_from(
                            ['"80:80"', '"8000:8000"', "8080", '"127.0.0.1:5432:5432"']
                        ),
                        st.builds(lambda a, b: json.dumps(f"{a}:{b}"), value(0.5), value(0.5)),
                        value(0.5).map(sc),
                    ),
                    min_size=1,
                    max_size=3,
                )
            )
        elif key == "environment":
            pairs = draw(
                st.lists(
                    st.tuples(
                        st.sampled_from(
                            ["JAVA_OPTS", "PASSWORD", "DB_HOST", "PORT", "TOKEN", "X", "API_KEY"]
                        ),
                        value(0.5),
                    ),
                    max_size=4,
                    unique_by=lambda p: p[0],
                )
            )
            if draw(st.booleans()):
                v = [sc(f"{k}={x}") for k, x in pairs] or ["[]"]
            else:
                v = {k: sc(x) for k, x in pairs} or "{}"
        elif key == "depends_on":
            others = [s for s in services] + ["missing"]
            deps = draw(st.lists(st.sampled_from(others), min_size=1, max_size=3, unique=True))
            if draw(st.booleans()):
                v = deps
            else:
                v = {
                    d: {
                        "condition": draw(
                            st.sampled_from(
                                [
                                    "service_started",
                                    "service_healthy",
                                    "odd",
                                    "service_completed_successfully",
                                ]
                            )
                        )
                    }
                    for d in deps
                }
        elif key == "healthcheck":
            hc: dict[str, Value] = {
                "test": draw(
                    st.sampled_from(
                        [
                            '["CMD", "curl", "-f", "http://localhost:8000/health"]',
                            '["CMD-SHELL", "pg_isready -U postgres"]',
                            '"wget -qO- http://localhost/ || exit 1"',
                            '["NONE"]',
                            "[]",
                            odd(),
                        ]
                    )
                )
            }
            for opt in draw(
                st.lists(
                    st.sampled_from(["interval", "timeout", "retries", "start_period"]), unique=True
                )
            ):
                hc[opt] = draw(
                    st.one_of(st.sampled_from(["10s", "1m30s", "0s", "3"]), value(0.7).map(sc))
                )
            v = hc
        elif key == "restart":
            v = draw(
                st.one_of(st.sampled_from(["always", '"no"', "on-failure:3"]), value().map(sc))
            )
        elif key == "mem_limit":
            v = draw(
                st.one_of(
                    st.sampled_from(["512m", "1g", "2GB", "1e400", "99999999999999999999g"]),
                    value().map(sc),
                )
            )
        elif key == "deploy":
            v = {
                "replicas": draw(
                    st.one_of(st.sampled_from(["1", "3", "0", "-1", "1e400"]), value().map(sc))
                ),
                "resources": {
                    "limits": {"memory": draw(st.sampled_from(["512M", "1e400M", "1G", odd()]))}
                },
            }
        elif key == "volumes":
            v = draw(
                st.lists(
                    st.sampled_from(
                        [
                            "./logs:/var/log/nginx",
                            "/var/run/docker.sock:/var/run/docker.sock",
                            "data:/data",
                            "./nginx.conf:/etc/nginx/nginx.conf:ro",
                            "undeclared:/x",
                        ]
                    ),
                    min_size=1,
                    max_size=3,
                )
            )
        elif key == "networks":
            v = draw(
                st.lists(
                    st.sampled_from(["default", "back", "missing"]),
                    min_size=1,
                    max_size=2,
                    unique=True,
                )
            )
        elif key in ("cap_drop", "security_opt", "profiles"):
            v = draw(st.lists(value(0.3).map(sc), min_size=1, max_size=2))
        elif key == "logging":
            v = {"driver": draw(st.sampled_from(["json-file", "local", "none", odd()]))}
        elif key == "labels":
            v = {draw(WORD): odd()}
        elif key in ("privileged", "read_only"):
            v = draw(st.sampled_from(["true", "false", '"yes"', odd()]))
        elif key == "network_mode":
            v = draw(st.sampled_from(["host", "bridge", '"service:db"', odd()]))
        else:
            v = odd()
        out.append((key, v, comment))
    return out


# ------------------------------------------------------------------ nginx


def _nginx_arg(text: str, valid: bool, raw: bool) -> str:
    if raw and not valid:
        return text.replace("\n", " ")
    if text and re.match(r"^[^\s;{}\"'#\\$]+$", text):
        return text
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("$", "") + '"'


@st.composite
def nginx_conf(
    draw: st.DrawFn, valid: bool = False, hosts: list[str] | None = None, snippet: bool = False
) -> str:
    hosts = hosts or draw(st.lists(st.sampled_from(NAMES), min_size=1, max_size=3, unique=True))
    tab = draw(st.sampled_from(["    ", "  ", "\t"]))

    def arg(odd_share: float = 0.3) -> str:
        return _nginx_arg(draw(value(odd_share)), valid, draw(st.booleans()))

    def target() -> str:
        host = draw(st.sampled_from(hosts + ["localhost", "127.0.0.1", "upstream_app"]))
        port = draw(
            st.one_of(
                st.sampled_from(["8000", "80", "3000", ""]),
                value(0.6).map(lambda t: _nginx_arg(t, True, False).strip('"')),
            )
        )
        path = draw(st.sampled_from(["", "/", "/api/", "$request_uri"]))
        scheme = draw(st.sampled_from(["http://", "http://", "https://"]))
        if not valid and draw(st.integers(0, 5)) == 0:
            return arg(0.8)
        return f"{scheme}{host}{':' + port if port else ''}{path}"

    def directives(level: int) -> list[str]:
        out: list[str] = []
        for _ in range(draw(st.integers(0, 4))):
            kind = draw(
                st.sampled_from(
                    [
                        "proxy_set_header",
                        "proxy_read_timeout",
                        "proxy_connect_timeout",
                        "add_header",
                        "client_max_body_size",
                        "proxy_http_version",
                        "server_tokens",
                        "proxy_next_upstream",
                        "set",
                        "comment",
                        "odd",
                    ]
                )
            )
            if kind == "proxy_set_header":
                name = draw(
                    st.sampled_from(
                        ["Host", "X-Forwarded-For", "Upgrade", "Connection", "X-Real-IP"]
                    )
                )
                val = draw(
                    st.sampled_from(
                        ["$host", "$http_upgrade", '"upgrade"', '""', "$proxy_add_x_forwarded_for"]
                    )
                )
                out.append(f"proxy_set_header {name} {val};")
            elif kind == "comment":
                out.append(draw(COMMENT))
            elif kind == "set":
                out.append(f"set ${draw(WORD).replace('-', '_')} {arg()};")
            elif kind == "server_tokens":
                out.append(f"server_tokens {draw(st.sampled_from(['on', 'off', 'build']))};")
            elif kind == "proxy_http_version":
                out.append(f"proxy_http_version {draw(st.sampled_from(['1.1', '1.0', arg()]))};")
            elif kind == "odd":
                out.append(f"{draw(WORD).replace('-', '_')} {arg(0.8)};")
            else:
                out.append(f"{kind} {arg(0.5)};")
        return [tab * level + d for d in out]

    def location(level: int, depth: int) -> list[str]:
        path = draw(
            st.one_of(
                st.sampled_from(
                    [
                        "/",
                        "/api/",
                        "/ws",
                        "/socket.io/",
                        "= /healthz",
                        "~* \\.(png|jpg)$",
                        "/upload",
                        "@fallback",
                    ]
                ),
                value(0.5).map(lambda t: _nginx_arg(t, valid, False)),
            )
        )
        lines = [tab * level + f"location {path} {{"]
        lines += directives(level + 1)
        if draw(st.booleans()):
            lines.append(tab * (level + 1) + f"proxy_pass {target()};")
        if draw(st.booleans()):
            lines.append(
                tab * (level + 1)
                + f"alias {draw(st.sampled_from(['/srv/static/', '/srv/static', arg()]))};"
            )
        if depth < 2 and draw(st.integers(0, 3)) == 0:
            lines += location(level + 1, depth + 1)
        lines.append(tab * level + "}")
        return lines

    def server(level: int) -> list[str]:
        lines = [tab * level + "server {"]
        listen = draw(
            st.one_of(
                st.sampled_from(["80", "443 ssl", "[::]:80", "8080 default_server"]),
                value(0.5).map(lambda t: _nginx_arg(t, valid, False)),
            )
        )
        lines.append(tab * (level + 1) + f"listen {listen};")
        lines += directives(level + 1)
        if draw(st.booleans()):
            lines.append(
                tab * (level + 1)
                + f"ssl_protocols {draw(st.sampled_from(['TLSv1 TLSv1.1', 'TLSv1.2 TLSv1.3']))};"
            )
        for _ in range(draw(st.integers(0, 3))):
            lines += location(level + 1, 0)
        lines.append(tab * level + "}")
        return lines

    lines: list[str] = []
    if draw(st.booleans()):
        lines.append(draw(COMMENT))
    if snippet:
        body_level = 0
    else:
        lines += ["events {}", "http {"]
        body_level = 1
    if draw(st.booleans()):
        lines += [
            tab * body_level + "upstream upstream_app {",
            *[
                tab * (body_level + 1)
                + f"server {h}:{draw(st.sampled_from(['8000', '80', '3000']))};"
                for h in hosts
            ],
        ]
        if draw(st.booleans()):
            lines.append(
                tab * (body_level + 1) + f"keepalive {draw(st.sampled_from(['16', '0', arg()]))};"
            )
        lines.append(tab * body_level + "}")
    if draw(st.booleans()):
        lines += [
            tab * body_level + "map $http_upgrade $connection_upgrade {",
            tab * (body_level + 1) + "default upgrade;",
            tab * (body_level + 1) + "'' close;",
            tab * body_level + "}",
        ]
    if draw(st.integers(0, 3)) == 0:
        lines.append(
            tab * body_level
            + f"include {draw(st.sampled_from(['conf.d/*.conf', 'mime.types', 'missing.conf', 'nginx.conf']))};"
        )
    lines += directives(body_level)
    for _ in range(draw(st.integers(1, 2))):
        lines += server(body_level)
    if not snippet:
        lines.append("}")
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------ Dockerfile


@st.composite
def dockerfile(draw: st.DrawFn, valid: bool = False) -> str:
    def odd(share: float = 0.3) -> str:
        return draw(value(share)).replace("\n", " ")

    lines: list[str] = []
    if draw(st.booleans()):
        lines.append(
            draw(
                st.sampled_from(
                    ["# syntax=docker/dockerfile:1", "# escape=`", "# escape=\\", draw(COMMENT)]
                )
            )
        )
    stages = draw(st.integers(1, 3))
    for i in range(stages):
        image = draw(
            st.one_of(st.sampled_from(IMAGES[:-1] + ["scratch", "${BASE}", "build"]), value(0.3))
        )
        alias = f" AS s{i}" if draw(st.booleans()) else ""
        lines.append(f"FROM {image}{alias}")
        for _ in range(draw(st.integers(0, 6))):
            kind = draw(
                st.sampled_from(
                    [
                        "RUN",
                        "RUN-exec",
                        "RUN-heredoc",
                        "ENV",
                        "ARG",
                        "USER",
                        "EXPOSE",
                        "HEALTHCHECK",
                        "COPY",
                        "WORKDIR",
                        "comment",
                        "cont",
                    ]
                )
            )
            if kind == "RUN":
                lines.append(
                    "RUN "
                    + draw(
                        st.sampled_from(
                            [
                                "apk add --no-cache curl",
                                "apt-get update && apt-get install -y wget",
                                "useradd -r app",
                                "pip install -r requirements.txt",
                                odd(0.6),
                            ]
                        )
                    )
                )
            elif kind == "RUN-exec":
                lines.append("RUN " + json.dumps([odd(), odd()]))
            elif kind == "RUN-heredoc":
                lines += ["RUN <<EOF", "set -e", odd(0.5).replace("EOF", "E0F"), "EOF"]
            elif kind == "ENV":
                lines.append(
                    f"ENV {draw(st.sampled_from(['JAVA_OPTS', 'PORT', 'SECRET_KEY', 'PATH', 'A']))}={json.dumps(odd(0.5)) if draw(st.booleans()) else odd(0.5).replace(' ', '')}"
                )
            elif kind == "ARG":
                lines.append(f"ARG {draw(WORD).replace('-', '_')}={odd().replace(' ', '')}")
            elif kind == "USER":
                lines.append(
                    f"USER {draw(st.sampled_from(['root', '0', 'app', 'node', '1000:1000', odd()]))}"
                )
            elif kind == "EXPOSE":
                lines.append(
                    f"EXPOSE {draw(st.sampled_from(['80', '8000/tcp', '53/udp', odd(0.6)]))}"
                )
            elif kind == "HEALTHCHECK":
                lines.append(
                    f"HEALTHCHECK --interval={draw(st.sampled_from(['30s', '0s', odd(0.7).replace(' ', '')]))} CMD {draw(st.sampled_from(['curl -f http://localhost/', 'wget -q -O- http://localhost:8000/health', odd()]))}"
                )
            elif kind == "COPY":
                lines.append("COPY . /app")
            elif kind == "WORKDIR":
                lines.append("WORKDIR /app")
            elif kind == "comment":
                lines.append(draw(COMMENT))
            else:
                lines += ["RUN echo a \\", "    && echo b"]
    final = draw(st.sampled_from(["CMD", "ENTRYPOINT", None]))
    if final:
        if draw(st.booleans()):
            lines.append(
                f"{final} "
                + json.dumps([draw(st.sampled_from(["python", "node", "nginx", "java"])), odd(0.4)])
            )
        else:
            lines.append(
                final
                + " "
                + draw(
                    st.sampled_from(
                        [
                            "python app.py --port 8000",
                            "gunicorn -b :8000 app:app",
                            'nginx -g "daemon off;"',
                            odd(0.6),
                        ]
                    )
                )
            )
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------ Kubernetes, .env


@st.composite
def k8s_manifest(draw: st.DrawFn, valid: bool = False) -> str:
    def sc() -> str:
        return yaml_scalar(draw(value(0.4)), valid, raw=draw(st.booleans()))

    name = draw(st.sampled_from(NAMES))
    port = draw(
        st.one_of(
            st.sampled_from(["8080", "80", "http"]),
            st.just("${PORT}"),
            value(0.5).map(lambda t: yaml_scalar(t, True)),
        )
    )
    docs = [
        "\n".join(
            [
                "apiVersion: apps/v1",
                f"kind: {draw(st.sampled_from(['Deployment', 'StatefulSet', 'DaemonSet']))}",
                f"metadata: {{name: {name}, labels: {{app: {name}}}}}",
                "spec:",
                f"  replicas: {draw(st.sampled_from(['1', '3', '0', '1e400', sc()]))}",
                f"  selector: {{matchLabels: {{app: {draw(st.sampled_from([name, 'other']))}}}}}",
                "  template:",
                f"    metadata: {{labels: {{app: {name}}}}}",
                "    spec:",
                "      containers:",
                f"        - name: {name}",
                f"          image: {yaml_scalar(draw(st.sampled_from(IMAGES[:-2])), True)}",
                "          ports:",
                f"            - containerPort: {draw(st.sampled_from(['8080', '80', '-1', '1e400', sc()]))}",
                "              name: http",
                "          resources:",
                f"            limits: {{memory: {draw(st.sampled_from(['512Mi', '1e400Mi', '1Gi', sc()]))}}}",
                f"            requests: {{cpu: {draw(st.sampled_from(['100m', '1e400', sc()]))}}}",
                f"          env: [{{name: JAVA_OPTS, value: {yaml_scalar(draw(st.sampled_from(['-Xmx4g', '-Xmx1e400g', '-Xmx' + '9' * 30 + 'g'])), True)}}}]",
                "          readinessProbe:",
                f"            httpGet: {{path: /healthz, port: {port}}}",
            ]
        ),
        "\n".join(
            [
                "apiVersion: v1",
                "kind: Service",
                f"metadata: {{name: {name}}}",
                "spec:",
                f"  selector: {{app: {name}}}",
                f"  ports: [{{port: 80, targetPort: {port}}}]",
            ]
        ),
    ]
    if draw(st.booleans()):
        docs.append(
            "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\n"
            f"metadata: {{name: {name}}}\nspec:\n  scaleTargetRef: {{kind: Deployment, name: {draw(st.sampled_from([name, 'gone']))}}}\n"
            f"  minReplicas: {draw(st.sampled_from(['1', '0', sc()]))}\n  maxReplicas: {draw(st.sampled_from(['3', '1e400', sc()]))}"
        )
    if draw(st.booleans()):
        docs.append(
            "apiVersion: policy/v1\nkind: PodDisruptionBudget\n"
            f"metadata: {{name: {name}}}\nspec:\n  minAvailable: {draw(st.sampled_from(['1', '100%', '1e400', sc()]))}\n"
            f"  selector: {{matchLabels: {{app: {name}}}}}"
        )
    if draw(st.booleans()):
        docs.append(
            "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: ing}\nspec:\n  rules:\n"
            "    - http:\n        paths:\n          - path: /\n            pathType: Prefix\n"
            f"            backend: {{service: {{name: {draw(st.sampled_from([name, 'nope']))}, port: {{number: {draw(st.sampled_from(['80', '1e400', sc()]))}}}}}}}"
        )
    return "\n---\n".join(docs) + "\n"


@st.composite
def env_file(draw: st.DrawFn) -> str:
    lines = []
    for _ in range(draw(st.integers(0, 6))):
        key = draw(
            st.sampled_from(
                ["TAG", "PORT", "IMAGE", "A", "B", "COMPOSE_PROFILES", "MEM", "export X"]
            )
        )
        val = draw(
            st.one_of(value(0.5), st.sampled_from(["${A}", "${B:-x}", "'quoted'", '"dq"', "'open"]))
        )
        lines.append(f"{key}={val}".replace("\n", " "))
    if draw(st.booleans()):
        lines.append(draw(COMMENT))
    return "\n".join(lines) + "\n"


@st.composite
def stack(draw: st.DrawFn, valid: bool = False, k8s: bool = True) -> dict[str, str]:
    """compose + nginx (+ conf.d snippet) + Dockerfile (+ .env, k8s) as one project, the
    nginx targets naming the compose services so cross-file rules run."""
    names = draw(st.lists(st.sampled_from(NAMES), min_size=1, max_size=4, unique=True))
    files = {
        "compose.yaml": draw(compose_file(valid=valid, names=names)),
        "nginx/nginx.conf": draw(nginx_conf(valid=valid, hosts=names)),
        "Dockerfile": draw(dockerfile(valid=valid)),
    }
    if draw(st.booleans()):
        files["nginx/conf.d/site.conf"] = draw(nginx_conf(valid=valid, hosts=names, snippet=True))
    if draw(st.booleans()):
        files[".env"] = draw(env_file())
    if k8s and draw(st.booleans()):
        files["k8s/app.yaml"] = draw(k8s_manifest(valid=valid))
    return files
