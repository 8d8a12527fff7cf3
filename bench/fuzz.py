"""Mutation fuzzer for `infradoctor lint` and `infradoctor fix` (issue 7).

Seeds are the compose files, nginx configs, Dockerfiles, Kubernetes manifests and .env
files of ../shared/corpus plus a few hand-written tricky ones. Each input is a small
temporary project directory built from one or more seeds and mutated (bytes, tokens,
structure). Inputs run in-process in worker processes through the functions the CLI
uses, each guarded by a CPU-time limit (and a wall-clock hang guard).

  python bench/fuzz.py --minutes 10 --mode lint --jobs 2 --out /tmp/repro
  python bench/fuzz.py --count 150 --jobs 1 --seed 1 --mode both
  python bench/fuzz.py --replay DIR --mode fix      # re-check a saved project

lint mode: lint + every reporter (json, sarif, github, text); failures are uncaught
exceptions, rule/link/fixer crashes ("internal" errors), invalid JSON/SARIF, Python
exception names or tracebacks in the output, swallowed exceptions turned into load
errors, files skipped for one non-UTF-8 byte, locations/edits outside their file.

fix mode: the real fix loop (`run_fixes`, unsafe fixes, every rule including opt-in),
sometimes preceded by `--diff` (`preview_fixes`, must predict the real run); then a
second run must change nothing (idempotence); every comment line must survive; the fixed
files must load as well as before; a fix must not leave the finding it fixed; nothing is
written outside the tree or through a symlink.

Every failure has a signature (exception type + innermost frame, rule code, ...). The
first input showing a signature is minimised (files, then lines, then characters, with
a time budget) and saved under OUT/<hash>/ (project/, README.txt, original/). The summary
lists inputs per mode, throughput, failures by signature and the slowest input; the exit
status is 1 when anything failed.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import io
import json
import multiprocessing
import multiprocessing.connection
import os
import random
import re
import shutil
import signal
import stat
import sys
import tempfile
import time
import traceback
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = REPO.parent / "shared" / "corpus"
DEFAULT_OUT = Path(tempfile.gettempdir()) / "infradoctor-fuzz"
BASE_TOKEN = "@BASE@"  # replaced by the input's base directory when written
MAX_SEED_BYTES = 256 * 1024
BIG_SEED_BYTES = 24 * 1024  # seeds above this are picked less often
KINDS = ("compose", "nginx", "dockerfile", "env", "k8s")
MODES = ("lint", "fix")
LONG_ROUND = {"lint": 100_000, "fix": 20_000}


# ------------------------------------------------------------------ project model


@dataclass(frozen=True, slots=True)
class Link:
    """A symlink; `target` may contain BASE_TOKEN (absolute paths into the input's base)."""

    target: str


@dataclass(frozen=True, slots=True)
class Fifo:
    """A named pipe."""


Entry = bytes | Link | Fifo
# relative path -> entry; "../name" lives next to the project directory (outside the tree)
Project = dict[str, Entry]


def materialize(project: Project, base: Path) -> Path:
    """Write `project` under base/project (outside entries directly under base)."""
    root = base / "project"
    root.mkdir(parents=True, exist_ok=True)
    base_s = str(base.resolve())
    for rel, entry in sorted(project.items(), key=lambda kv: isinstance(kv[1], Link)):
        path = Path(os.path.normpath(os.path.join(base_s, "project", rel)))
        if not str(path).startswith(base_s + os.sep):
            continue  # never write outside the input's base
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            if path.is_symlink() or path.is_file():
                path.unlink()
            elif path.exists():
                continue  # a directory (or a pipe written earlier)
            if isinstance(entry, Link):
                os.symlink(entry.target.replace(BASE_TOKEN, base_s), path)
            elif isinstance(entry, Fifo):
                os.mkfifo(path)
            else:
                path.write_bytes(entry.replace(BASE_TOKEN.encode(), base_s.encode()))
        except OSError:
            continue  # e.g. a file where a directory is needed
    return root


def snapshot(base: Path) -> Project:
    """Read back what is under `base` (project/ and the outside files) as a Project."""
    out: Project = {}
    root = base / "project"
    for dirpath, dirnames, filenames in os.walk(base):
        d = Path(dirpath)
        keep = []
        for name in dirnames:
            p = d / name
            if p.is_symlink():
                filenames.append(name)
            else:
                keep.append(name)
        dirnames[:] = keep
        for name in filenames:
            p = d / name
            rel = os.path.relpath(p, root)
            try:
                st = os.lstat(p)
            except OSError:
                continue
            if stat.S_ISLNK(st.st_mode):
                out[rel] = Link(os.readlink(p).replace(str(base.resolve()), BASE_TOKEN))
            elif stat.S_ISFIFO(st.st_mode):
                out[rel] = Fifo()
            elif stat.S_ISREG(st.st_mode):
                out[rel] = p.read_bytes()
    return out


def project_from_dir(directory: Path) -> Project:
    """A saved reproducer (DIR/project + outside files) or any project directory."""
    if (directory / "project").is_dir():  # a reproducer: skip its README and original/
        return {
            rel: e
            for rel, e in snapshot(directory).items()
            if rel != "../README.txt" and not rel.startswith("../original/")
        }
    tmp = Path(tempfile.mkdtemp(prefix="idfuzz-replay-"))
    try:
        os.symlink(directory.resolve(), tmp / "project")
        found: Project = {}
        for dirpath, _dirnames, filenames in os.walk(directory):
            for name in filenames:
                p = Path(dirpath) / name
                rel = os.path.relpath(p, directory)
                st = os.lstat(p)
                if stat.S_ISLNK(st.st_mode):
                    found[rel] = Link(os.readlink(p))
                elif stat.S_ISFIFO(st.st_mode):
                    found[rel] = Fifo()
                elif stat.S_ISREG(st.st_mode):
                    found[rel] = p.read_bytes()
        return found
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# ------------------------------------------------------------------ seeds


@dataclass(slots=True)
class Seed:
    kind: str
    name: str  # path relative to its group directory
    data: bytes
    group: str  # corpus project


@dataclass(slots=True)
class Seeds:
    by_kind: dict[str, list[Seed]] = field(default_factory=dict)
    groups: dict[str, list[Seed]] = field(default_factory=dict)

    def add(self, seed: Seed) -> None:
        self.by_kind.setdefault(seed.kind, []).append(seed)
        self.groups.setdefault(seed.group, []).append(seed)

    def pick(self, rng: random.Random, kind: str) -> Seed:
        pool = self.by_kind[kind]
        for _ in range(4):
            seed = rng.choice(pool)
            if len(seed.data) <= BIG_SEED_BYTES or rng.random() < 0.1:
                return seed
        return seed

    def count(self) -> int:
        return sum(len(v) for v in self.by_kind.values())


TRICKY: list[tuple[str, str, str]] = [
    (
        "compose",
        "compose.yaml",
        "# flow style everywhere\nservices: {web: {image: 'nginx:1.25', ports: ['80:80'],"
        " depends_on: [api]}, api: {build: ., depends_on: {db: {condition: service_started}}},"
        " db: {image: postgres}}\n",
    ),
    (
        "compose",
        "compose.yaml",
        "x-logging: &logging\n  driver: json-file\nx-base: &base\n  restart: always\n"
        "  logging: *logging\nservices:\n  api:\n    <<: *base\n    image: acme/api:1\n"
        "    command: '\";'\n    mem_limit: 1e400\n  worker:\n    <<: [*base]\n"
        "    image: acme/api:1\n    depends_on:\n      - api  # wait\n    deploy:\n"
        "      replicas: 3\n      resources: {limits: {memory: 512m}}\n",
    ),
    (
        "compose",
        "docker-compose.yml",
        'version: "3.8"\nservices:\n  proxy:\n    image: nginx:latest\n    volumes:\n'
        "      - ./nginx.conf:/etc/nginx/nginx.conf:ro\n      - ./logs:/var/log/nginx\n"
        '    ports:\n      - "443:443"\n      - 127.0.0.1:8080:80\n    depends_on: [app]\n'
        "  app:\n    build:\n      context: .\n      dockerfile: Dockerfile\n"
        "    environment:\n      - JAVA_OPTS=-Xmx2g\n      - DB_PASSWORD=hunter2\n"
        '    healthcheck:\n      test: ["CMD-SHELL", "curl -f http://localhost:8080/ || exit 1"]\n'
        "      interval: 0s\n      timeout: 1e400s\n    mem_limit: 1g\n",
    ),
    (
        "nginx",
        "nginx.conf",
        "events {}\nhttp {\n    include conf.d/*.conf;\n    upstream app { server app:8080;"
        " server app2:8080; keepalive 16; }\n    server {\n        listen 80;\n"
        "        server_tokens on;  # leak\n        location / { proxy_pass http://app; }\n"
        "        location /ws { proxy_pass http://app:8080; }\n"
        "        location ~* \\.(png|jpg)$ { alias /srv/static/; }\n"
        "        location /api/ { proxy_pass http://$backend; set $backend api:9000; }\n"
        "    }\n}\n",
    ),
    (
        "nginx",
        "conf.d/default.conf",
        "# snippet\nmap $http_upgrade $connection_upgrade { default upgrade; '' close; }\n"
        "server {\n\tlisten 8080 default_server;\n\tinclude conf.d/default.conf;\n"
        '\tproxy_set_header Host $host;\n\tlocation /upload { client_max_body_size "1m";'
        " proxy_pass http://web:3000/; }\n\tlocation = /healthz { return 200 'ok'; }\n}\n",
    ),
    (
        "dockerfile",
        "Dockerfile",
        "# syntax=docker/dockerfile:1\nARG BASE=python:3.12-slim\nFROM ${BASE} AS build\n"
        "RUN <<EOF\nset -e\npip install flask\nEOF\nCOPY <<-'EOT' /app/run.sh\n\techo hi\n"
        "EOT\nFROM build\nENV PASSWORD=secret \\\n    PORT=8080\nEXPOSE 8080\n"
        'HEALTHCHECK --interval=30s CMD ["wget", "-q", "http://localhost:8080/"]\n'
        "CMD python -m flask run --port 8000\n",
    ),
    (
        "dockerfile",
        "Dockerfile",
        "# escape=`\nFROM mcr.microsoft.com/windows/servercore\nRUN dir `\n  c:\\\n"
        'USER ContainerUser\nENTRYPOINT ["node", "server.js"\n',
    ),
    (
        "compose",
        "compose.yaml",
        "include:\n  - compose.yaml\n  - path: [compose.yaml, missing.yaml]\nservices:\n"
        "  a:\n    extends: a\n    image: x\n  b:\n    extends: {service: c}\n  c:\n"
        "    extends: {service: b}\n    env_file: [.env, missing.env]\n  d:\n"
        "    extends: {file: compose.yaml, service: d}\n    profiles: [debug]\n"
        "secrets: {s: {file: ./s.txt}}\nconfigs: {c: {file: ./nginx.conf}}\n",
    ),
    (
        "dockerfile",
        "Dockerfile",
        'FROM s1 AS s0\nRUN x\nFROM s0 AS s1\nUSER root\nFROM s1\nCOPY --from=s0 / /\nCMD ["x"]\n',
    ),
    ("env", ".env", "TAG=1.2\nexport PORT=8080\nQUOTED='a b'\nREF=${TAG}-x\nMEM=1e400m\n"),
    (
        "k8s",
        "k8s/app.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, labels: {app: web}}\n"
        "spec:\n  replicas: 2\n  selector: {matchLabels: {app: web}}\n  template:\n"
        "    metadata: {labels: {app: web}}\n    spec:\n      containers:\n"
        "        - name: web\n          image: acme/web:latest\n          ports:\n"
        "            - containerPort: 8080\n              name: http\n"
        "          resources: {limits: {memory: 1e400Mi}, requests: {cpu: '-1'}}\n"
        "          env: [{name: JAVA_OPTS, value: -Xmx4g}]\n---\napiVersion: v1\nkind: Service\n"
        "metadata: {name: web}\nspec:\n  selector: {app: web}\n  ports: [{port: 80, targetPort: http}]\n"
        "---\napiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: web}\n"
        "spec: {scaleTargetRef: {kind: Deployment, name: web}, minReplicas: 1, maxReplicas: 3}\n",
    ),
]


def load_seeds(corpus: Path | None) -> Seeds:
    from infradoctor.loaders.discover import SKIP_DIRS, classify

    seeds = Seeds()
    for kind, name, text in TRICKY:
        seeds.add(Seed(kind, name, text.encode(), "_tricky"))
    if corpus is None or not corpus.is_dir():
        return seeds
    for project in sorted(p for p in corpus.iterdir() if p.is_dir() and not p.name.startswith("_")):
        for dirpath, dirnames, filenames in os.walk(project):
            dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS)
            for fn in sorted(filenames):
                path = Path(dirpath) / fn
                if path.is_symlink() or not path.is_file():
                    continue
                try:
                    size = path.stat().st_size
                except OSError:
                    continue
                if size > MAX_SEED_BYTES or size == 0:
                    continue
                kind = str(classify(path))
                if kind not in KINDS:
                    continue
                seeds.add(
                    Seed(
                        kind, path.relative_to(project).as_posix(), path.read_bytes(), project.name
                    )
                )
    return seeds


# ------------------------------------------------------------------ mutators

NUMBERS = [
    b"1e400",
    b"-1e400",
    b"9" * 400,
    b"-" + b"9" * 400,
    b"-1",
    b"0",
    b"-0",
    b"1e-400",
    b"nan",
    b".inf",
    b"-.inf",
    b"0x7fffffffffffffff",
    b"18446744073709551616",
    b"1_000",
    b"0o777",
    b"00",
    b"1.5",
    b"65536",
    b"99999",
    b"1e400m",
    b"1e400s",
    b"-1m",
    b"99999999999999999999g",
    b"1.5.5",
    b"inf",
]
YAML_VALUES = [
    b'""',
    b"''",
    b"~",
    b"null",
    b"[]",
    b"{}",
    b"*a0",
    b"&a0 x",
    b"!!binary aGk=",
    b"!!str 1",
    b"!!int x",
    b"!!float nope",
    b"!custom tag",
    b'"${X:-${Y:?z}}"',
    b"$$HOME",
    b"${",
    b"${X",
    b"'\";'",
    b'"\\";"',
    b'"80:80"',
    b'"0.0.0.0:80:80/udp"',
    b'"127.0.0.1::80"',
    b'"[::1]:80:80"',
    b'"80-90:80-90"',
    b'"8080-8079:80"',
    b"host.docker.internal",
    b"localhost",
    b'["CMD", "curl", "-f", "http://localhost"]',
    b'["CMD-SHELL"]',
    b"[CMD]",
    b'["NONE"]',
    b"yes",
    b"no",
    b"on",
    b"true",
    b"|\n  x\n  y",
    b">-\n  folded",
    b'"\\x00"',
    b'"\\ud800"',
    b"? complex",
    b"- a",
    b"{a: [b, {c: d}]}",
    b'"' + b"a" * 5000 + b'"',
    b"2001:db8::1",
    b"latest",
    b"nginx:latest",
    b"nginx@sha256:",
    b"a:b:c:d",
    b"service:db",
    b"container:x",
    b"host",
    b'sh -c \'exec "$@"',
    b"'",
    b'"',
    b"&",
    b"*",
    b"!",
    b"%",
    b"@",
    b"`",
    b"{{ .Values.x }}",
    b"-Xmx99999999999999999999g",
    b"-Xmx1e400m -XX:MaxRAMPercentage=1e400",
    b"[*a0, *a0]",
]
NGINX_VALUES = [
    b"http://api:8000",
    b"http://$host",
    b"http://$backend$request_uri",
    b"http://unix:/tmp/x.sock:/",
    b"https://[::1]:443/",
    b"http://[::1",
    b"http://:80",
    b"http://api:99999999999999999999",
    b"http://api:-1",
    b"$http_upgrade",
    b'""',
    b"''",
    b"'",
    b'"',
    b"{",
    b"}",
    b";",
    b"\\",
    b"${x}",
    b"$",
    b"$1",
    b"~*^/(.*)$",
    b"~ (",
    b"= /",
    b"^~ /",
    b"@named",
    b"off",
    b"on",
    b"127.0.0.1:80",
    b"[::]:443 ssl http2",
    b"unix:/var/run/x.sock",
    b"80 default_server reuseport",
    b"*:99999999999999999999",
    b"localhost:0",
    b"1e400s",
    b"99999999999999999999999m",
    b"-5s",
    b"1h1h1h",
    b"upgrade",
    b"$connection_upgrade",
    b"#",
    b"a" * 5000,
]
DOCKER_LINES = [
    b"FROM scratch",
    b"FROM ${BASE:-alpine}:${TAG}",
    b"FROM --platform=$BUILDPLATFORM node:20 AS build",
    b"FROM build",
    b"FROM",
    b"USER 0",
    b"USER root:root",
    b"USER ${UID}",
    b"EXPOSE 80/udp 1e400 -1 65536 8000-8010",
    b'CMD ["a", ',
    b"CMD [",
    b'CMD ["sh", "-c", "exec gunicorn -b 0.0.0.0:$PORT app:app"]',
    b'ENTRYPOINT exec "$@"',
    b"HEALTHCHECK NONE",
    b"HEALTHCHECK --interval=1e400s --timeout=-1s CMD curl -f http://localhost/",
    b"HEALTHCHECK CMD",
    b"RUN <<EOF\nset -e\nEOF",
    b"RUN <<EOF",
    b"COPY <<EOT /x\nhello\n",
    b"ARG X=${X:-${Y}}",
    b'ENV A=1 B="2" C',
    b"ENV JAVA_OPTS=-Xmx1e400g",
    b"ENV SECRET_KEY=abc PASSWORD",
    b"ONBUILD RUN x",
    b"COPY --from=0 / /",
    b"# syntax=docker/dockerfile:1",
    b"# escape=`",
    b"# escape=\\",
    b"RUN a \\",
    b"RUN apk add --no-cache curl wget",
    b"RUN useradd -r app",
    b'SHELL ["powershell"]',
    b"WORKDIR",
    b"\\",
    b"CMD " + b"[" * 3000,
    b"ENTRYPOINT " + b"[" * 30000 + b"]" * 30000,
    b"HEALTHCHECK CMD " + b'["' * 2000,
    b'RUN ["sh", ' + b"{" * 3000,
]
ENV_LINES = [
    b"A=${B}",
    b"B=${A}",
    b"export X=1",
    b"X='unterminated",
    b'Y="multi\nline"',
    b"=novar",
    b"NOEQ",
    b"Z=${Z:-${Z}}",
    b"PORT=1e400",
    b"MEM=99999999999999999999g",
    b"TAG=latest",
    b"IMAGE=nginx:latest",
    b"COMPOSE_PROJECT_NAME=../x",
    b"COMPOSE_PROFILES=*",
    b"COMPOSE_FILE=compose.yaml:other.yaml",
    b"K=" + b"v" * 5000,
]
UNICODE = [
    "é",
    "\u2028",
    "\u2029",
    "\x85",
    "\u200b",
    "\ufeff",
    "\U0001f600",
    "\u202e",
    "e\u0301",
    "\x0b",
    "\x0c",
    "\x1c",
    "\x1e",
    "\x7f",
    "\x1b[31m",
    "ı",
    "ß",
    "\uff1a",
    "\u00a0",
    "\u3000",
    "\r",
]
INVALID_UTF8 = [b"\xff", b"\xc3", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xc0\xaf", b"\x80"]
PUNCT = b"{}[]\"'#;:-&*!|>\n\t \\$,?%@`=()/~"


def _pos(rng: random.Random, data: bytes) -> int:
    return rng.randint(0, len(data))


def _lines(data: bytes) -> list[bytes]:
    return data.splitlines(keepends=True) or [b""]


def _line_start(rng: random.Random, data: bytes) -> int:
    starts = [0] + [m.end() for m in re.finditer(rb"\n", data)]
    return rng.choice(starts)


def _indent_at(data: bytes, pos: int) -> bytes:
    line = data[pos:].split(b"\n", 1)[0]
    return line[: len(line) - len(line.lstrip(b" \t"))]


def m_flip(rng: random.Random, data: bytes, ctx: MutCtx) -> bytes:
    if not data:
        return bytes([rng.randrange(256)])
    i = rng.randrange(len(data))
    b = data[i] ^ (1 << rng.randrange(8)) if rng.random() < 0.7 else rng.randrange(256)
    return data[:i] + bytes([b]) + data[i + 1 :]


def m_insert(rng: random.Random, data: bytes, ctx: MutCtx) -> bytes:
    i = _pos(rng, data)
    if rng.random() < 0.7:
        ins = bytes(rng.choice(PUNCT) for _ in range(rng.randint(1, 4)))
    else:
        ins = bytes(rng.randrange(256) for _ in range(rng.randint(1, 4)))
    return data[:i] + ins + data[i:]


def m_delete(rng: random.Random, data: bytes, ctx: MutCtx) -> bytes:
    if not data:
        return data
    i = rng.randrange(len(data))
    n = rng.choice([1, 1, 2, 8, 64, 512])
    return data[:i] + data[i + n :]


def m_duplicate(rng: random.Random, data: bytes, ctx: MutCtx) -> bytes:
    if not data:
        return data
    i = rng.randrange(len(data))
    chunk = data[i : i + rng.choice([1, 16, 80, 400, 2000])]
    j = _pos(rng, data)
    return data[:j] + chunk * rng.choice([1, 1, 2, 10]) + data[j:]


def m_duplicate_lines(rng: random.Random, data: bytes, ctx: MutCtx) -> bytes:
    lines = _lines(data)
    i = rng.randrange(len(lines))
    n = rng.randint(1, 8)
    block = lines[i : i + n]
    if block and not block[-1].endswith(b"\n"):
        block[-1] += b"\n"
    j = rng.randrange(len(lines) + 1)
    return b"".join(lines[:j] + block * rng.choice([1, 1, 2, 50]) + lines[j:])


def m_splice(rng: random.Random, data: bytes, ctx: MutCtx) -> bytes:
    """Lines of another seed of the same kind, inserted or replacing a range."""
    other = _lines(ctx.seeds.pick(rng, ctx.kind).data)
    a = rng.randrange(len(other))
    chunk = other[a : a + rng.randint(1, 20)]
    lines = _lines(data)
    i = rng.randrange(len(lines) + 1)
    j = i + (rng.randint(0, 5) if rng.random() < 0.5 else 0)
    if lines and not lines[-1].endswith(b"\n"):
        lines[-1] += b"\n"
    return b"".join(lines[:i] + chunk + lines[j:])


def m_swap_quotes(rng: random.Random, data: bytes, ctx: MutCtx) -> bytes:
    spots = [m.start() for m in re.finditer(rb"[\"']", data)]
    if not spots:
        return m_insert_quote(rng, data, ctx)
    for i in rng.sample(spots, min(len(spots), rng.choice([1, 1, 2, 100]))):
        data = data[:i] + (b"'" if data[i : i + 1] == b'"' else b'"') + data[i + 1 :]
    return data


def m_insert_quote(rng: random.Random, data: bytes, ctx: MutCtx) -> bytes:
    i = _pos(rng, data)
    return data[:i] + rng.choice([b'"', b"'", b"`", b'"\\', b"\\"]) + data[i:]


def m_unbalance(rng: random.Random, data: bytes, ctx: MutCtx) -> bytes:
    spots = [m.start() for m in re.finditer(rb"[\[\]{}()\"']", data)]
    if spots and rng.random() < 0.5:
        i = rng.choice(spots)
        return data[:i] + data[i + 1 :]
    i = _pos(rng, data)
    return data[:i] + rng.choice([b"[", b"]", b"{", b"}", b"(", b")", b'"', b"'"]) + data[i:]


def m_brackets(rng: random.Random, data: bytes, ctx: MutCtx) -> bytes:
    n = rng.choice([10, 100, 1000, 5000, 20000])
    ch = rng.choice([b"[", b"{", b"(", b"[{"])
    closing = ch.translate(bytes.maketrans(b"[{(", b"]})"))[::-1]
    ins = ch * n + (closing * n if rng.random() < 0.5 else b"")
    i = _pos(rng, data)
    return data[:i] + ins + data[i:]


def m_number(rng: random.Random, data: bytes, ctx: MutCtx) -> bytes:
    spots = list(re.finditer(rb"\d+(?:\.\d+)?", data))
    value = rng.choice(NUMBERS)
    if not spots:
        i = _pos(rng, data)
        return data[:i] + value + data[i:]
    m = rng.choice(spots)
    return data[: m.start()] + value + data[m.end() :]


def m_negate(rng: random.Random, data: bytes, ctx: MutCtx) -> bytes:
    spots = [m.start() for m in re.finditer(rb"(?<![\d.-])\d", data)]
    if not spots:
        return data
    i = rng.choice(spots)
    return data[:i] + b"-" + data[i:]


def m_unicode(rng: random.Random, data: bytes, ctx: MutCtx) -> bytes:
    ch = rng.choice(UNICODE).encode()
    for _ in range(rng.choice([1, 1, 3])):
        i = _pos(rng, data)
        data = data[:i] + ch + data[i:]
    return data


def m_invalid_utf8(rng: random.Random, data: bytes, ctx: MutCtx) -> bytes:
    i = _pos(rng, data)
    return data[:i] + rng.choice(INVALID_UTF8) + data[i:]


def m_nul(rng: random.Random, data: bytes, ctx: MutCtx) -> bytes:
    i = _pos(rng, data) if rng.random() < 0.5 else max(len(data) - 10, 0)
    if rng.random() < 0.3:
        data = data + b"\n#" + b"x" * 9000  # a NUL beyond the first 8 KiB
        i = len(data)
    return data[:i] + b"\0" + data[i:]


def m_newlines(rng: random.Random, data: bytes, ctx: MutCtx) -> bytes:
    choice = rng.randrange(5)
    if choice == 0:
        return data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    if choice == 1:
        return data.replace(b"\r\n", b"\n").replace(b"\n", b"\r")
    if choice == 2:  # mixed: one line CRLF
        lines = _lines(data)
        i = rng.randrange(len(lines))
        lines[i] = lines[i].replace(b"\n", b"\r\n")
        return b"".join(lines)
    if choice == 3:
        return data.rstrip(b"\n")  # no final newline
    i = _line_start(rng, data)
    return data[:i] + b"\r" + data[i:]


def m_bom(rng: random.Random, data: bytes, ctx: MutCtx) -> bytes:
    if rng.random() < 0.8:
        return b"\xef\xbb\xbf" + data
    return b"\xff\xfe" + data.decode("utf-8", "replace").encode("utf-16-le")


def m_tabs(rng: random.Random, data: bytes, ctx: MutCtx) -> bytes:
    lines = _lines(data)
    for i in rng.sample(range(len(lines)), min(len(lines), rng.choice([1, 3, 1000]))):
        line = lines[i]
        stripped = line.lstrip(b" ")
        n = len(line) - len(stripped)
        if n:
            lines[i] = b"\t" * max(1, n // rng.choice([2, 4, 8])) + stripped
        else:
            lines[i] = b"\t" + line
    return b"".join(lines)


def m_long_line(rng: random.Random, data: bytes, ctx: MutCtx) -> bytes:
    n = rng.choice([5000, 5000, 100_000, 100_000, 1_000_000])
    fill = rng.choice([b"a", b"a ", b"# ", b"x,", b"$a", b"\\"])
    i = rng.choice([m.start() for m in re.finditer(rb"\n", data)] or [len(data)])
    return data[:i] + (fill * (n // len(fill))) + data[i:]


def m_indent(rng: random.Random, data: bytes, ctx: MutCtx) -> bytes:
    lines = _lines(data)
    for i in rng.sample(range(len(lines)), min(len(lines), rng.choice([1, 1, 4]))):
        line = lines[i]
        if rng.random() < 0.5:
            lines[i] = b" " * rng.choice([1, 2, 3, 4, 8]) + line
        else:
            lines[i] = line[rng.choice([1, 2, 4]) :] if line[:1] in (b" ", b"\t") else line
    return b"".join(lines)


YAML_KEY_RE = re.compile(rb"^([ \t]*(?:- +)?[\w.\-/\"']+[ \t]*:)([ \t]+)([^\n#]*)", re.M)
YAML_ITEM_RE = re.compile(rb"^([ \t]*-)([ \t]+)([^\n#]*)", re.M)
YAML_BLOCK_KEY_RE = re.compile(rb"^([ \t]*)([\w.\-/]+)[ \t]*:[ \t]*(?:#[^\n]*)?$", re.M)


def m_yaml_value(rng: random.Random, data: bytes, ctx: MutCtx) -> bytes:
    spots = list(YAML_KEY_RE.finditer(data)) + list(YAML_ITEM_RE.finditer(data))
    if not spots:
        return data + b"\nkey: " + rng.choice(YAML_VALUES) + b"\n"
    m = rng.choice(spots)
    value = rng.choice(YAML_VALUES + NUMBERS) if rng.random() < 0.8 else m.group(3) * 2
    return data[: m.start(3)] + value + data[m.end(3) :]


def m_yaml_anchor(rng: random.Random, data: bytes, ctx: MutCtx) -> bytes:
    """Anchor a block mapping and merge it (or alias it) somewhere else."""
    blocks = list(YAML_BLOCK_KEY_RE.finditer(data))
    values = list(YAML_KEY_RE.finditer(data))
    name = b"a%d" % rng.randrange(3)
    if blocks and rng.random() < 0.7:
        m = rng.choice(blocks)
        data = data[: m.end(2) + 1] + b" &" + name + data[m.end(2) + 1 :]
        targets = list(YAML_BLOCK_KEY_RE.finditer(data))
        if not targets:
            return data
        t = rng.choice(targets)
        indent = t.group(1) + rng.choice([b"  ", b"    "])
        line = indent + rng.choice([b"<<: *", b"<<: [*", b"x-dup: *"]) + name
        if line.endswith(b"[*" + name):
            line += b"]"
        end = data.find(b"\n", t.end())
        end = len(data) if end < 0 else end
        return data[:end] + b"\n" + line + data[end:]
    if values:
        m = rng.choice(values)
        if rng.random() < 0.5:
            return data[: m.start(3)] + b"&" + name + b" " + data[m.start(3) :]
        return data[: m.start(3)] + b"*" + name + data[m.end(3) :]
    return data


def m_flow(rng: random.Random, data: bytes, ctx: MutCtx) -> bytes:
    """Rewrite a block mapping or sequence whose entries are one-liners in flow style."""
    lines = data.split(b"\n")
    candidates: list[tuple[int, int]] = []
    for i, line in enumerate(lines):
        m = re.match(rb"^([ \t]*(?:- +)?[\w.\-/\"']+[ \t]*:)[ \t]*(#.*)?$", line)
        if not m:
            continue
        indent = len(line) - len(line.lstrip())
        j = i + 1
        child: int | None = None
        while j < len(lines):
            s = lines[j]
            if not s.strip() or s.lstrip().startswith(b"#"):
                j += 1
                continue
            ind = len(s) - len(s.lstrip())
            if ind <= indent and not (ind == indent and s.lstrip().startswith(b"- ")):
                break
            if child is None:
                child = ind
            elif ind != child:
                child = -1
                break
            j += 1
        if child is not None and child >= 0 and j > i + 1:
            candidates.append((i, j))
    if not candidates:
        return data
    i, j = rng.choice(candidates)
    items = [s.strip() for s in lines[i + 1 : j] if s.strip() and not s.strip().startswith(b"#")]
    head = re.sub(rb"[ \t]*#.*$", b"", lines[i]).rstrip()
    comments = [s for s in lines[i + 1 : j] if s.strip().startswith(b"#")]
    if all(it.startswith(b"- ") for it in items):
        flow = b"[" + b", ".join(it[2:].strip() for it in items) + b"]"
    elif all(re.match(rb"^[\w.\-/\"']+[ \t]*:", it) for it in items):
        flow = b"{" + b", ".join(items) + b"}"
    else:
        return data
    return b"\n".join(lines[:i] + comments + [head + b" " + flow] + lines[j:])


def m_deep_yaml(rng: random.Random, data: bytes, ctx: MutCtx) -> bytes:
    n = rng.choice([50, 200, 1000, 3000])
    kind = rng.randrange(3)
    if kind == 0:
        block = b"".join(b"  " * k + b"a:\n" for k in range(n))
    elif kind == 1:
        block = b"deep: " + b"- " * n + b"x\n"
    else:
        block = b"deep: " + b"{a: " * n + b"1" + b"}" * n + b"\n"
    i = _line_start(rng, data)
    return data[:i] + block + data[i:]


NGINX_DIRECTIVE_RE = re.compile(rb"^([ \t]*[a-z_][\w.]*)([ \t]+)([^;{}\n]*)([;{])", re.M)


def m_nginx_value(rng: random.Random, data: bytes, ctx: MutCtx) -> bytes:
    spots = list(NGINX_DIRECTIVE_RE.finditer(data))
    if not spots:
        return data + b"\nproxy_pass " + rng.choice(NGINX_VALUES) + b";\n"
    m = rng.choice(spots)
    args = m.group(3).split()
    value = rng.choice(NGINX_VALUES + NUMBERS)
    if args and rng.random() < 0.7:
        args[rng.randrange(len(args))] = value
    else:
        args.append(value)
    return data[: m.start(3)] + b" ".join(args) + data[m.end(3) :]


def m_nginx_block(rng: random.Random, data: bytes, ctx: MutCtx) -> bytes:
    """Insert a block or directives that rules look at."""
    snippets = [
        b"location / { proxy_pass http://web:80; }\n",
        b"location /ws { proxy_pass http://app:3000; proxy_set_header Upgrade $http_upgrade; }\n",
        b"upstream app { server app:8080; server app:8081 backup; keepalive 8; }\n",
        b"server { listen 80; server_name _; location / { proxy_pass http://app; } }\n",
        b"if ($x) { return 444; }\n",
        b"proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n",
        b"add_header X-Frame-Options DENY always;\n",
        b"resolver 127.0.0.11 valid=1e400s;\n",
        b"map $http_upgrade $connection_upgrade { default upgrade; '' close; }\n",
        b"ssl_protocols TLSv1 TLSv1.1;\n",
        b"location ~ ^/(?<x>[^/]+) { alias /srv/$x; }\n",
        b"proxy_read_timeout 1e400s;\n",
        b"server_tokens on;\n",
        b"error_log /var/log/nginx/error.log;\naccess_log /var/log/nginx/access.log main;\n",
        b"http { server { location / { proxy_pass http://api:8000; } } }\n",
        b"events {}\n",
        b"location / {\n" * 3 + b"}\n" * 3,
        b"}",
        b"{",
        b"# comment { ; }\n",
        b"set $a '{';\n",
        b'return 200 "}";\n',
        b"lua_block { ngx.say('}') }\n",
        b"proxy_pass http://$upstream_addr;\n",
    ]
    starts = [m.end() for m in re.finditer(rb"[{;]\s*\n?", data)] or [0]
    i = rng.choice(starts)
    return data[:i] + rng.choice(snippets) + data[i:]


def m_deep_nginx(rng: random.Random, data: bytes, ctx: MutCtx) -> bytes:
    n = rng.choice([50, 300, 1000, 5000])
    opener = rng.choice([b"location / {\n", b"http {", b"if ($a) {", b"server {\n"])
    block = opener * n + (b"}\n" * n if rng.random() < 0.7 else b"")
    i = _line_start(rng, data)
    return data[:i] + block + data[i:]


def m_nginx_include(rng: random.Random, data: bytes, ctx: MutCtx) -> bytes:
    """`include` pointing at another file of the project, itself, a glob or outside."""
    here = ctx.path
    others = [p for p in ctx.project if not p.startswith("../")]
    targets = [
        here,
        os.path.basename(here),
        "*.conf",
        "*",
        "conf.d/*.conf",
        "nginx/*",
        "missing.conf",
        "../outside.conf",
        BASE_TOKEN + "/outside.conf",
        BASE_TOKEN + "/project/" + here,
        "**",
    ] + others
    target = rng.choice(targets)
    line = b"include " + target.encode() + b";\n"
    if target in ("../outside.conf", BASE_TOKEN + "/outside.conf"):
        ctx.project.setdefault("../outside.conf", b"proxy_read_timeout 5s;\n")
    starts = [m.end() for m in re.finditer(rb"[{;]\s*\n?", data)] or [0]
    i = rng.choice(starts + [0])
    return data[:i] + line + data[i:]


DOCKER_INSTR_RE = re.compile(rb"^([ \t]*[A-Za-z]+)([ \t]+)([^\n]*)", re.M)


def m_docker_line(rng: random.Random, data: bytes, ctx: MutCtx) -> bytes:
    spots = list(DOCKER_INSTR_RE.finditer(data))
    if spots and rng.random() < 0.4:
        m = rng.choice(spots)
        repl = rng.choice(DOCKER_LINES + NUMBERS + YAML_VALUES[:20])
        return data[: m.start(3)] + repl + data[m.end(3) :]
    i = _line_start(rng, data)
    return data[:i] + rng.choice(DOCKER_LINES) + b"\n" + data[i:]


def m_env_line(rng: random.Random, data: bytes, ctx: MutCtx) -> bytes:
    i = _line_start(rng, data)
    return data[:i] + rng.choice(ENV_LINES) + b"\n" + data[i:]


def m_shell(rng: random.Random, data: bytes, ctx: MutCtx) -> bytes:
    """Odd shell strings where commands live (compose command/entrypoint/test, CMD)."""
    shells = [
        b"'\";'",
        b'"\';"',
        b'sh -c "exec $$0 \\"$$@\\""',
        b"'" + b"\\" * 50 + b"'",
        b'"' + b"'\"" * 200 + b'"',
        b"bash -c 'a && b || (c; d) | e > /dev/null 2>&1 &'",
        b'"$(echo $(echo $(echo x)))"',
        b"'`a`'",
        b"java -Xmx3g -jar app.jar --server.port=8081",
        b"gunicorn -b :8000 --timeout 1e400 app:app",
        b"uvicorn main:app --port 99999999999999999999",
        b'["sh", "-c", "' + b"x " * 2000 + b'"]',
    ]
    keys = [b"command", b"entrypoint", b"test"]
    if ctx.kind == "dockerfile":
        i = _line_start(rng, data)
        return (
            data[:i]
            + rng.choice([b"CMD ", b"RUN ", b"ENTRYPOINT "])
            + rng.choice(shells)
            + b"\n"
            + data[i:]
        )
    spots = [m for m in YAML_KEY_RE.finditer(data) if any(k in m.group(1) for k in keys)]
    if spots:
        m = rng.choice(spots)
        return data[: m.start(3)] + rng.choice(shells) + data[m.end(3) :]
    blocks = [m for m in YAML_BLOCK_KEY_RE.finditer(data)]
    if not blocks:
        return data
    t = rng.choice(blocks)
    end = data.find(b"\n", t.end())
    end = len(data) if end < 0 else end
    line = t.group(1) + b"  " + rng.choice(keys) + b": " + rng.choice(shells)
    return data[:end] + b"\n" + line + data[end:]


@dataclass(slots=True)
class MutCtx:
    seeds: Seeds
    kind: str
    path: str
    project: Project


Mutator = Callable[[random.Random, bytes, MutCtx], bytes]

GENERIC: list[tuple[Mutator, int]] = [
    (m_flip, 3),
    (m_insert, 4),
    (m_delete, 4),
    (m_duplicate, 2),
    (m_duplicate_lines, 2),
    (m_splice, 4),
    (m_swap_quotes, 2),
    (m_insert_quote, 2),
    (m_unbalance, 3),
    (m_brackets, 1),
    (m_number, 4),
    (m_negate, 1),
    (m_unicode, 3),
    (m_invalid_utf8, 1),
    (m_nul, 1),
    (m_newlines, 2),
    (m_bom, 1),
    (m_tabs, 2),
    (m_long_line, 1),
    (m_indent, 3),
]
BY_KIND: dict[str, list[tuple[Mutator, int]]] = {
    "compose": [
        (m_yaml_value, 10),
        (m_yaml_anchor, 4),
        (m_flow, 4),
        (m_deep_yaml, 1),
        (m_shell, 3),
    ],
    "k8s": [(m_yaml_value, 10), (m_yaml_anchor, 3), (m_flow, 3), (m_deep_yaml, 1)],
    "nginx": [(m_nginx_value, 10), (m_nginx_block, 6), (m_deep_nginx, 1), (m_nginx_include, 4)],
    "dockerfile": [(m_docker_line, 12), (m_shell, 3)],
    "env": [(m_env_line, 8)],
}
MUTATOR_NAMES = sorted(
    {m.__name__[2:] for m, _ in GENERIC}
    | {m.__name__[2:] for ms in BY_KIND.values() for m, _ in ms}
    | {"symlink", "fifo", "outside_link", "override", "move", "empty", "include_fanout"}
)


def _weighted(rng: random.Random, items: list[tuple[Any, int]]) -> Any:
    total = sum(w for _, w in items)
    r = rng.uniform(0, total)
    for item, w in items:
        r -= w
        if r <= 0:
            return item
    return items[-1][0]


def _kind_of(rel: str, data: bytes) -> str:
    from infradoctor.loaders.names import COMPOSE_RE, DOCKERFILE_RE

    name = os.path.basename(rel)
    if COMPOSE_RE.search(name.lower()):
        return "compose"
    if DOCKERFILE_RE.match(name):
        return "dockerfile"
    if name.endswith(".env") or name == ".env" or name.startswith(".env."):
        return "env"
    if name.endswith((".yaml", ".yml")):
        return "k8s"
    return "nginx"


# ------------------------------------------------------------------ input generation

CANONICAL = {
    "compose": ["compose.yaml", "docker-compose.yml", "stack/docker-compose.yaml"],
    "nginx": ["nginx.conf", "nginx/nginx.conf", "nginx/conf.d/default.conf", "site.conf"],
    "dockerfile": ["Dockerfile", "app/Dockerfile", "Dockerfile.prod"],
    "env": [".env", "app.env"],
    "k8s": ["k8s/app.yaml", "deploy.yaml"],
}


def _harmonize(compose: bytes, nginx: bytes, rng: random.Random) -> bytes:
    """Point the nginx proxy targets at services of the compose file (cross-file rules)."""
    services = re.findall(rb"^  ([A-Za-z0-9][\w.-]*):[ \t]*$", compose, re.M)
    if not services:
        return nginx

    def host(m: re.Match[bytes]) -> bytes:
        return m.group(1) + rng.choice(services)

    nginx = re.sub(rb"(proxy_pass\s+https?://)[\w.-]+", host, nginx)
    return re.sub(rb"(\bserver\s+)[A-Za-z][\w.-]*(?=:\d)", host, nginx)


def generate(
    seeds: Seeds, seed: int, index: int, disabled: frozenset[str] = frozenset()
) -> Project:
    """The input number `index` of the campaign `seed` (deterministic)."""
    rng = random.Random(f"{seed}/{index}")
    project: Project = {}
    strategy = _weighted(rng, [("single", 30), ("combo", 30), ("group", 25), ("tricky", 15)])
    kinds = [k for k in KINDS if seeds.by_kind.get(k)]
    if strategy == "single":
        kind = rng.choice(kinds)
        project[rng.choice(CANONICAL[kind])] = seeds.pick(rng, kind).data
    elif strategy in ("combo", "tricky"):
        pool = (
            seeds
            if strategy == "combo"
            else Seeds(
                {k: [s for s in v if s.group == "_tricky"] for k, v in seeds.by_kind.items()}
            )
        )
        compose = pool.pick(rng, "compose").data
        project[rng.choice(CANONICAL["compose"][:2])] = compose
        project["nginx/nginx.conf" if rng.random() < 0.5 else "nginx.conf"] = _harmonize(
            compose, pool.pick(rng, "nginx").data, rng
        )
        project["Dockerfile"] = pool.pick(rng, "dockerfile").data
        if rng.random() < 0.4 and pool.by_kind.get("env"):
            project[".env"] = pool.pick(rng, "env").data
        if rng.random() < 0.2 and pool.by_kind.get("k8s"):
            project["k8s/app.yaml"] = pool.pick(rng, "k8s").data
    else:
        composes = [s for s in seeds.by_kind.get("compose", []) if s.group != "_tricky"]
        anchor = rng.choice(composes) if composes else seeds.pick(rng, "compose")
        top = os.path.dirname(anchor.name)
        members = [
            s
            for s in seeds.groups[anchor.group]
            if (not top or s.name.startswith(top + "/")) and len(s.data) <= 4 * BIG_SEED_BYTES
        ]
        rng.shuffle(members)
        for s in [anchor] + [m for m in members if m is not anchor][:11]:
            rel = s.name[len(top) + 1 :] if top else s.name
            project[rel] = s.data
    n = 1
    while rng.random() < 0.55 and n < 8:
        n += 1
    for _ in range(n):
        _mutate_once(rng, seeds, project, disabled)
    return project


def _mutate_once(
    rng: random.Random, seeds: Seeds, project: Project, disabled: frozenset[str]
) -> None:
    files = [
        rel for rel, e in project.items() if isinstance(e, bytes) and not rel.startswith("../")
    ]
    structural = rng.random() < 0.12
    if structural or not files:
        _mutate_structure(rng, seeds, project, disabled)
        return
    rel = rng.choice(files)
    data = project[rel]
    assert isinstance(data, bytes)
    kind = _kind_of(rel, data)
    choices = [(m, w) for m, w in GENERIC + BY_KIND.get(kind, []) if m.__name__[2:] not in disabled]
    if not choices:
        return
    mutator: Mutator = _weighted(rng, choices)
    ctx = MutCtx(seeds, kind if seeds.by_kind.get(kind) else "compose", rel, project)
    project[rel] = mutator(rng, data, ctx)


def _mutate_structure(
    rng: random.Random, seeds: Seeds, project: Project, disabled: frozenset[str]
) -> None:
    ops = [
        ("symlink", 4),
        ("outside_link", 3),
        ("override", 3),
        ("move", 2),
        ("empty", 1),
        ("include_fanout", 1),
        ("fifo", 1),
    ]
    ops = [(o, w) for o, w in ops if o not in disabled]
    if not ops:
        return
    op = _weighted(rng, ops)
    inside = [rel for rel in project if not rel.startswith("../")]
    if op == "symlink":
        name = rng.choice(
            [
                "nginx/conf.d/link.conf",
                "compose.override.yaml",
                "Dockerfile.link",
                "loop.conf",
                "conf.d/dir",
                "k8s/link.yaml",
            ]
        )
        targets = inside + [name, "missing", ".", "..", "loop2.conf"]
        target = rng.choice(targets)
        rel_target = os.path.relpath(target, os.path.dirname(name) or ".")
        project[name] = Link(rel_target)
        if target == "loop2.conf":
            project["loop2.conf"] = Link(os.path.relpath(name, "."))
    elif op == "outside_link":
        files = [r for r in inside if isinstance(project[r], bytes)]
        if not files:
            return
        rel = rng.choice(files)
        outside = "../outside-" + os.path.basename(rel)
        project[outside] = project[rel]
        depth = rel.count("/") + 1
        absolute = rng.random() < 0.5
        target = (BASE_TOKEN + "/" + outside[3:]) if absolute else "../" * depth + outside[3:]
        project[rel] = Link(target)
    elif op == "override":
        composes = [
            r for r in inside if _kind_of(r, b"") == "compose" and isinstance(project[r], bytes)
        ]
        src = project[rng.choice(composes)] if composes else seeds.pick(rng, "compose").data
        assert isinstance(src, bytes)
        name = rng.choice(
            ["compose.override.yaml", "docker-compose.override.yml", "compose.prod.yaml"]
        )
        data = src
        for _ in range(rng.randint(0, 2)):
            data = m_yaml_value(rng, data, MutCtx(seeds, "compose", name, project))
        project[name] = data
    elif op == "move":
        if not inside:
            return
        rel = rng.choice(inside)
        entry = project.pop(rel)
        sub = rng.choice(
            ["nginx/", "conf.d/", "a/b/", "sites-enabled/", "templates/", "node_modules/"]
        )
        project[sub + os.path.basename(rel)] = entry
    elif op == "empty":
        if inside:
            project[rng.choice(inside)] = rng.choice([b"", b"\n", b"---\n", b"#", b" "])
    elif op == "include_fanout":
        k = rng.randint(2, 6)
        for i in range(k):
            project[f"conf.d/f{i}.conf"] = b"include conf.d/*.conf;\nserver_tokens on;\n"
        project.setdefault("nginx.conf", b"events {}\nhttp { include conf.d/*.conf; }\n")
    elif op == "fifo":
        project[
            rng.choice(["nginx/conf.d/pipe.conf", "compose.override.yaml", "Dockerfile.pipe"])
        ] = Fifo()


# ------------------------------------------------------------------ checks


class FuzzTimeout(BaseException):
    """Raised by the alarm; a BaseException so `except Exception` in the code under test
    does not swallow it. `clock` says which limit fired: "cpu" (the operation computed
    for longer than the limit) or "wall" (the hang guard: far longer than the limit)."""

    def __init__(self, clock: str = "cpu") -> None:
        super().__init__(clock)
        self.clock = clock


@dataclass(slots=True)
class Failure:
    sig: str
    detail: str


@dataclass(slots=True)
class CheckResult:
    failures: list[Failure] = field(default_factory=list)
    seconds: float = 0.0  # slowest guarded operation
    error_kinds: frozenset[str] = frozenset()  # load-error kinds of the (first) lint
    cpu_slow: bool = False  # an operation over the limit that was computing, not blocked

    def add(self, sig: str, detail: str) -> None:
        if all(f.sig != sig for f in self.failures):
            self.failures.append(Failure(sig, detail))

    def note_slow(self, exc: BaseException, op: str, limit: float, cpu: float) -> None:
        """An operation over a limit. The limit is CPU time, so a machine shared with
        other work does not make inputs slow; the wall-clock hang guard (many times the
        limit) catches an operation that is blocked (a pipe, a lock) and uses no CPU. One
        starved of CPU by other processes (the hang guard fired, but it used more than a
        little CPU and less than the limit) is no finding."""
        clock = getattr(exc, "clock", "cpu")
        if clock == "cpu":
            self.cpu_slow = True  # the caller runs it again to confirm
            detail = f"{op} took over {limit} s CPU"
        elif cpu < 0.05 * limit:
            detail = f"{op} blocked (no CPU used in {hang_limit(limit):.0f} s)"
        else:
            return
        self.add(slow_signature(exc, op), f"{detail}\n{_exc_detail(exc)}")

    @property
    def sigs(self) -> set[str]:
        return {f.sig for f in self.failures}


def _cpu_alarm(signum: int, frame: Any) -> None:
    raise FuzzTimeout("cpu")


def _wall_alarm(signum: int, frame: Any) -> None:
    raise FuzzTimeout("wall")


def hang_limit(limit: float) -> float:
    """Wall-clock seconds after which an operation under the CPU `limit` counts as hung."""
    return max(60.0, 12 * limit)


@contextlib.contextmanager
def guard(limit: float) -> Iterator[None]:
    """`limit` seconds of this process's CPU time (ITIMER_PROF), and a wall-clock hang
    guard for an operation that waits instead of computing."""
    old_prof = signal.signal(signal.SIGPROF, _cpu_alarm)
    old_alrm = signal.signal(signal.SIGALRM, _wall_alarm)
    signal.setitimer(signal.ITIMER_PROF, limit)
    signal.setitimer(signal.ITIMER_REAL, hang_limit(limit))
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGPROF, old_prof)
        signal.signal(signal.SIGALRM, old_alrm)


SKIP_FRAMES = ("/engine.py", "/cli/", "/loaders/__init__.py", "/fixes/apply.py", "/report/model.py")


def _short(filename: str) -> str:
    marker = "/infradoctor/"
    if marker in filename:
        return filename.rsplit(marker, 1)[1]
    return os.path.basename(filename)


def _ours(frames: list[traceback.FrameSummary]) -> list[traceback.FrameSummary]:
    return [f for f in frames if "/infradoctor/" in f.filename and "/bench/" not in f.filename]


def exception_signature(exc: BaseException) -> str:
    frames = traceback.extract_tb(exc.__traceback__)
    ours = _ours(frames) or frames
    name = type(exc).__name__
    if isinstance(exc, RecursionError) and ours:
        counts = Counter((_short(f.filename), f.name) for f in ours)
        top = max(counts.values())
        if top > 1:  # the recursing function of ours
            file, func = min(k for k, v in counts.items() if v == top)
        else:  # the recursion is in a library: our innermost caller
            file, func = _short(ours[-1].filename), ours[-1].name
        return f"exception:{name}@{file}:{func}"
    if not ours:
        return f"exception:{name}"
    f = ours[-1]
    return f"exception:{name}@{_short(f.filename)}:{f.name}:{f.lineno}"


def slow_signature(exc: BaseException, op: str) -> str:
    """Where the time went: the outermost frame below the orchestration layers."""
    frames = _ours(traceback.extract_tb(exc.__traceback__))
    for f in frames:
        if not any(s in f.filename for s in SKIP_FRAMES):
            return f"slow:{op}@{_short(f.filename)}:{f.name}"
    return f"slow:{op}"


def _exc_detail(exc: BaseException) -> str:
    text = "".join(traceback.format_exception(exc))
    lines = text.splitlines()
    if len(lines) > 60:
        lines = lines[:20] + ["  ..."] + lines[-38:]
    return "\n".join(lines)


INTERNAL_RULE_RE = re.compile(r"internal error in rule (\S+): (\w+): .*\(([^()]*)\)$", re.S)
INTERNAL_LINK_RE = re.compile(r"internal error in link step (\w+): (\w+):")
PY_EXC_NAMES = re.compile(
    r"Traceback \(most recent call last\)|\b(?:RecursionError|OverflowError|KeyError|"
    r"IndexError|TypeError|ValueError|AttributeError|UnicodeDecodeError|UnicodeEncodeError|"
    r"AssertionError|ZeroDivisionError|RuntimeError|MemoryError|NameError|StopIteration|"
    r"UnboundLocalError|NotImplementedError|FuzzTimeout)\b"
)
# CPython exception messages that a defensive `except` may have turned into a load error
SWALLOWED = re.compile(
    r"object has no attribute|object is not subscriptable|object is not iterable|"
    r"unhashable type|not supported between instances|can only concatenate|"
    r"invalid literal for int\(\)|could not convert string to float|list index out of range|"
    r"string index out of range|cannot convert float|int too large|"
    r"maximum recursion depth|argument must be|takes \d+ positional|unexpected keyword|"
    r"NoneType|codec can't|Exceeds the limit|object of type"
)


def _template(message: str) -> str:
    """A message with its specifics removed (numbers, quoted values), for signatures."""
    message = re.sub(r"'[^']*'|\"[^\"]*\"", "'…'", message)
    message = re.sub(r"\d+", "N", message)
    return message[:80]


def _input_texts(project: Project) -> str:
    return "\n".join(e.decode("utf-8", "replace") for e in project.values() if isinstance(e, bytes))


@dataclass(slots=True)
class Recorder:
    """Instrumentation of one check: fixer crashes (attach_fixes swallows them), and the
    fix loop's lint results and chosen fixes."""

    fixer_crashes: list[tuple[str, BaseException]] = field(default_factory=list)
    lints: list[Any] = field(default_factory=list)
    passes: list[tuple[list[tuple[Any, list[Any]]], list[Any]]] = field(default_factory=list)
    # the stack each pass chose its fixes from: the fix loop also lints to judge fixes
    # (with the edits applied in memory), so `lints[k]` is not pass k's lint
    pass_stacks: list[Any] = field(default_factory=list)


@contextlib.contextmanager
def instrumented() -> Iterator[Recorder]:
    """Wrap the fixers and the fix loop's `lint`/`choose_fixes` (transparent wrappers,
    restored afterwards)."""
    from infradoctor.fixes import apply
    from infradoctor.fixes.context import FixUnavailable
    from infradoctor.fixes.fixers import FIXERS
    from infradoctor.fixes.nginx_edit import NginxEditError
    from infradoctor.fixes.yaml_edit import YamlEditError

    rec = Recorder()
    saved_fixers = dict(FIXERS)
    saved_lint, saved_choose = apply.lint, apply.choose_fixes

    def wrap(code: str, fn: Any) -> Any:
        def wrapper(ctx: Any, finding: Any) -> Any:
            try:
                return fn(ctx, finding)
            except (FixUnavailable, NginxEditError, YamlEditError):
                raise  # "cannot edit this layout safely": a refusal, not a crash
            except Exception as exc:
                rec.fixer_crashes.append((code, exc))
                raise

        return wrapper

    def lint_wrapper(*args: Any, **kwargs: Any) -> Any:
        result = saved_lint(*args, **kwargs)
        rec.lints.append(result)
        return result

    def choose_wrapper(*args: Any, **kwargs: Any) -> Any:
        chosen, deferred = saved_choose(*args, **kwargs)
        rec.passes.append((chosen, deferred))
        rec.pass_stacks.append(args[2] if len(args) > 2 else kwargs.get("stack"))
        return chosen, deferred

    for code, fn in saved_fixers.items():
        FIXERS[code] = wrap(code, fn)
    apply.lint = lint_wrapper  # type: ignore[assignment]
    apply.choose_fixes = choose_wrapper  # type: ignore[assignment]
    try:
        yield rec
    finally:
        FIXERS.clear()
        FIXERS.update(saved_fixers)
        apply.lint = saved_lint  # type: ignore[assignment]
        apply.choose_fixes = saved_choose  # type: ignore[assignment]


def _check_result_errors(result: CheckResult, errors: list[Any], project: Project) -> None:
    """Internal errors, swallowed exceptions, files skipped for one bad byte."""
    for err in errors:
        if err.kind == "internal":
            m = INTERNAL_RULE_RE.search(err.message)
            if m:
                result.add(
                    f"rule-crash:{m.group(1)}:{m.group(2)}@{_short(m.group(3))}", err.message
                )
                continue
            m = INTERNAL_LINK_RE.search(err.message)
            if m:
                result.add(f"link-crash:{m.group(1)}:{m.group(2)}", err.message)
                continue
            result.add(f"internal:{_template(err.message)}", err.message)
        elif SWALLOWED.search(err.message):
            result.add(
                f"swallowed:{err.kind}:{_template(err.message)}", f"{err.file}: {err.message}"
            )
        elif err.kind == "binary" and "UTF-8" in err.message:
            result.add("skipped:not-utf8", f"{err.file}: {err.message}")


def _check_fixer_crashes(result: CheckResult, rec: Recorder) -> None:
    for code, exc in rec.fixer_crashes:
        sig = exception_signature(exc).replace("exception:", f"fixer-crash:{code}:", 1)
        result.add(sig, _exc_detail(exc))


def _check_locations(result: CheckResult, findings: list[Any], sources: dict[str, Any]) -> None:
    for f in findings:
        src = sources.get(f.location.file)
        if src is None:
            continue
        nlines = len(src.line_starts)
        loc = f.location
        if not 1 <= loc.line <= nlines + 1 or loc.column < 1:
            result.add(
                f"bad-location:{f.rule}", f"{loc} outside {f.location.file} ({nlines} lines)"
            )
        if loc.offset is not None and not 0 <= loc.offset <= len(src.text):
            result.add(f"bad-location:{f.rule}", f"offset {loc.offset} > {len(src.text)}")
        if f.fix is not None:
            for e in f.fix.edits:
                target = sources.get(e.file)
                size = len(target.text) if target is not None else None
                if e.start > e.end or e.start < 0 or (size is not None and e.end > size):
                    result.add(f"bad-edit:{f.rule}", f"{e} (text length {size})")
                if "Raw(" in e.replacement or " object at 0x" in e.replacement:
                    result.add(f"fix-garbage:{f.rule}", repr(e.replacement[:300]))


_PARSER: Any = None


def _cli_args(argv: list[str]) -> argparse.Namespace:
    global _PARSER
    if _PARSER is None:
        from infradoctor.cli.main import build_parser

        _PARSER = build_parser()
    ns: argparse.Namespace = _PARSER.parse_args(argv)
    return ns


def check_lint(root: Path, project: Project, limit: float, sarif: bool = True) -> CheckResult:
    """lint + the reporters, as `infradoctor lint ROOT --format F` does (SARIF, slow to
    render because it documents every rule, only when `sarif`)."""
    from infradoctor.cli.lint import build_config, lint_paths
    from infradoctor.report import FORMATS, RenderOptions, renderer

    result = CheckResult()
    outputs: dict[str, str] = {}
    started = time.perf_counter()
    cpu_started = time.process_time()
    with instrumented() as rec:
        try:
            with guard(limit):
                args = _cli_args(["lint", str(root), "--format", "json"])
                config = build_config(args)
                report = lint_paths([str(root)], config)
                for fmt in FORMATS:
                    if fmt == "sarif" and not sarif:
                        continue
                    buf = io.StringIO()
                    renderer(fmt)(report, buf, RenderOptions(fmt == "text", False, True))
                    outputs[fmt] = buf.getvalue()
                report.exit_code(config.fail_threshold)
        except FuzzTimeout as exc:
            result.seconds = time.perf_counter() - started
            result.note_slow(exc, "lint", limit, time.process_time() - cpu_started)
            return result
        except Exception as exc:  # noqa: BLE001 - what we are looking for
            result.seconds = time.perf_counter() - started
            result.add(exception_signature(exc), _exc_detail(exc))
            return result
    result.seconds = time.perf_counter() - started
    result.error_kinds = frozenset(e.kind for e in report.errors if e.kind != "internal")
    _check_fixer_crashes(result, rec)
    _check_result_errors(result, report.errors, project)
    _check_locations(result, report.findings, report.sources)
    for fmt in ("json", "sarif"):
        if fmt not in outputs:
            continue
        try:
            json.loads(outputs[fmt])
        except ValueError as exc:
            result.add(f"bad-{fmt}", str(exc))
    texts = _input_texts(project)
    for fmt, out in outputs.items():
        for m in PY_EXC_NAMES.finditer(out):
            line = out[out.rfind("\n", 0, m.start()) + 1 : out.find("\n", m.end())]
            if "internal error" in line:
                continue  # an internal error entry, reported above as a crash
            if m.group(0) not in texts:
                result.add(f"exception-text:{m.group(0)}", f"{fmt} output: {line[:300]}")
                break
    return result


def _comment_lines(data: bytes | str) -> Counter[str]:
    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
    out: Counter[str] = Counter()
    for line in re.split(r"\r\n|[\r\n\x85\u2028\u2029]", text):  # YAML's line breaks too
        s = line.strip()
        if s.startswith("#"):
            out[s] += 1
    return out


def _splice(text: str, edits: list[Any]) -> str:
    for e in sorted(edits, key=lambda e: (e.start, e.end), reverse=True):
        text = text[: e.start] + e.replacement + text[e.end :]
    return text


def _fix_key(f: Any) -> tuple[str, str, str]:
    return (f.rule, f.location.file, f.subject or f.message)


def _refused_files(run: Any) -> set[str]:
    """Files named by the run's `not written` messages (relative to its root)."""
    out: set[str] = set()
    root = str(run.root.resolve()) + os.sep
    for msg in run.refused:
        name = msg.split(": ", 1)[0]
        out.add(name[len(root) :] if name.startswith(root) else name)
    return out


def _broken_tag(lint_result: Any, files: list[str]) -> str:
    """ "+broken-input" when one of `files` already failed to parse before any fix: a
    separate family (fixes applied to a recovered parse) from fixes of valid files."""
    if lint_result is None:
        return ""
    bad = {e.file for e in lint_result.errors if e.kind in ("parse-error", "invalid")}
    return "+broken-input" if bad & set(files) else ""


def _lines_after_pass(files: Any, chosen: list[Any]) -> dict[tuple[str, str, str], set[int]]:
    """Where each fixed finding's line is once the pass's edits are written: a finding of
    the same rule and subject reported elsewhere afterwards (two `location = /x` blocks,
    the second one's NGX003 only appearing once XF007 gave it headers of its own) is a
    new finding, not the fixed one coming back."""
    edits_by_file: dict[str, list[Any]] = {}
    for fix, _ in chosen:
        for e in fix.edits:
            edits_by_file.setdefault(e.file, []).append(e)
    out: dict[tuple[str, str, str], set[int]] = {}
    line_starts: dict[str, list[int]] = {}
    for _, findings in chosen:
        for f in findings:
            src = files.get(f.location.file)
            line = f.location.line
            if src is not None:
                starts = line_starts.get(f.location.file)
                if starts is None:
                    starts = [0] + [m.end() for m in re.finditer("\n", src.text)]
                    line_starts[f.location.file] = starts
                at = starts[min(max(line, 1), len(starts)) - 1]
                for e in edits_by_file.get(f.location.file, ()):
                    if e.end <= at:
                        line += e.replacement.count("\n") - src.text.count("\n", e.start, e.end)
            out.setdefault(_fix_key(f), set()).add(line)
    return out


def _at_fixed_place(key: tuple[str, str, str], moved: dict[Any, set[int]], after: Any) -> bool:
    """A finding of `key` is reported again at a line where a fixed one now stands."""
    lines = moved.get(key, set())
    return any(_fix_key(f) == key and f.location.line in lines for f in after)


def _analyse_passes(result: CheckResult, rec: Recorder, run: Any) -> None:
    """Per fix: comments it drops, garbage it writes, files it breaks; per pass: findings
    that the next lint reports again although their fix was applied."""
    from infradoctor.fixes.write import still_parses

    refused_files = _refused_files(run)
    by_stack = {id(lint.stack): lint for lint in rec.lints}
    bases = [by_stack.get(id(stack)) for stack in rec.pass_stacks]
    for k, (chosen, deferred) in enumerate(rec.passes):
        before = bases[k] if k < len(bases) else None
        if before is None:
            break
        after = bases[k + 1] if k + 1 < len(bases) else run.final
        files = before.stack.files
        for fix, findings in chosen:
            rule = findings[0].rule
            by_file: dict[str, list[Any]] = {}
            for e in fix.edits:
                by_file.setdefault(e.file, []).append(e)
            for rel, edits in by_file.items():
                src = files.get(rel)
                if src is None:
                    continue
                new = _splice(src.text, edits)
                lost = _comment_lines(src.text) - _comment_lines(new)
                if lost:
                    result.add(f"comment-lost:{rule}", f"{rel}: {sorted(lost)[:5]}")
                if any("Raw(" in e.replacement or " object at 0x" in e.replacement for e in edits):
                    result.add(f"fix-garbage:{rule}", repr([e.replacement[:200] for e in edits]))
                if rel in refused_files and not still_parses(str(src.kind), src.text, new):
                    result.add(f"fix-unparsable:{rule}", f"{rel}: {fix.title}")
        if after is None:
            continue
        if any(msg for msg in run.refused):
            continue
        count_before = Counter(_fix_key(f) for f in before.findings)
        chosen_keys = Counter(_fix_key(f) for _, fs in chosen for f in fs)
        deferred_keys = {_fix_key(f) for f in deferred}
        # a deferred finding may come back under another subject (NGX003 on a server
        # becomes NGX003 on its location once NGX011 gave the location its own headers):
        # as many findings of its rule and file as were deferred are not re-reports
        deferred_rule_file = Counter((f.rule, f.location.file) for f in deferred)
        after_keys = Counter(_fix_key(f) for f in after.findings)
        moved = _lines_after_pass(files, chosen)
        for key, n in chosen_keys.items():
            if key in deferred_keys or count_before[key] != n:
                continue
            if after_keys[key] > deferred_rule_file[key[:2]] and _at_fixed_place(
                key, moved, after.findings
            ):
                tag = _broken_tag(before, [key[1]])
                result.add(f"re-reported:{key[0]}{tag}", f"{key[1]}: {key[2]} (pass {k + 1})")


def check_fix(base: Path, root: Path, project: Project, limit: float, preview: bool) -> CheckResult:
    """`infradoctor lint ROOT --fix --unsafe --extend-select hardening`, twice."""
    from infradoctor.cli.fix import _config, _report
    from infradoctor.fixes.apply import preview_fixes, run_fixes

    result = CheckResult()
    original = snapshot(base)
    args = _cli_args(
        ["lint", str(root), "--fix", "--unsafe", "--extend-select", "hardening", "--no-color"]
    )
    config = _config(args, str(root))
    prun = run1 = run2 = None
    outputs: list[str] = []

    def guarded(op: str, call: Callable[[], Any]) -> Any:
        started = time.perf_counter()
        cpu_started = time.process_time()
        try:
            with guard(limit):
                return call()
        except FuzzTimeout as exc:
            result.note_slow(exc, op, limit, time.process_time() - cpu_started)
            return None
        except Exception as exc:  # noqa: BLE001 - what we are looking for
            result.add(exception_signature(exc), f"during {op}:\n{_exc_detail(exc)}")
            return None
        finally:
            result.seconds = max(result.seconds, time.perf_counter() - started)

    def fix_and_report(dry: bool) -> Any:
        runner = preview_fixes if dry else run_fixes
        run = runner(root, config, unsafe=True)
        buf = io.StringIO()
        _report(run, buf, dry=dry, quiet=False, unsafe=True)
        outputs.append(buf.getvalue())
        return run

    with instrumented() as rec0:
        if preview:
            prun = guarded("fix --diff", lambda: fix_and_report(True))
    _check_fixer_crashes(result, rec0)
    if result.failures:
        return result
    with instrumented() as rec1:
        run1 = guarded("fix", lambda: fix_and_report(False))
    _check_fixer_crashes(result, rec1)
    if run1 is None:
        return result
    after1 = snapshot(base)
    if run1.initial is not None:
        result.error_kinds = frozenset(e.kind for e in run1.initial.errors if e.kind != "internal")
    for res in (run1.initial, run1.final):
        if res is not None:
            _check_result_errors(result, res.errors, project)
    for msg in run1.refused:
        if "please report" in msg:
            result.add("fix-unparsable", msg)
    _analyse_passes(result, rec1, run1)
    changed_on_disk = {r for r in after1 if after1.get(r) != original.get(r)}
    for a in run1.applied:
        if not any(f in changed_on_disk or f in run1.changed_files for f in a.files):
            result.add(
                f"claimed-not-written:{a.rule}",
                f"`fixed {', '.join(a.files)}: {a.rule}` reported, file unchanged "
                f"(refused: {run1.refused})",
            )
    if prun is not None:
        if prun.changed_files != run1.changed_files or any(
            prun.results[p] != run1.results.get(p) for p in prun.changed_files
        ):
            result.add(
                "preview-differs", f"--diff {prun.changed_files} vs fix {run1.changed_files}"
            )
        try:
            prun.diff()
        except Exception as exc:  # noqa: BLE001
            result.add(exception_signature(exc), _exc_detail(exc))
    # files: comments kept, nothing outside written, symlinks kept, no unreported change
    changed = set(run1.changed_files)
    for rel, before in original.items():
        now = after1.get(rel)
        if rel.startswith("../"):
            if now != before:
                result.add("wrote-outside", f"{rel} changed although outside the tree")
            continue
        if isinstance(before, Link):
            if now != before:
                result.add("symlink-replaced", f"{rel}: {before} -> {type(now).__name__}")
            continue
        if not isinstance(before, bytes) or not isinstance(now, bytes):
            if now != before:
                result.add("file-replaced", f"{rel}")
            continue
        if (
            now != before
            and rel not in changed
            and not any(isinstance(original.get(r), Link) for r in changed)
        ):
            result.add("unreported-change", rel)
        lost = _comment_lines(before) - _comment_lines(now)
        if lost and not any(f.sig.startswith("comment-lost") for f in result.failures):
            result.add("comment-lost:unattributed", f"{rel}: {sorted(lost)[:5]}")
    if run1.initial is not None and run1.final is not None:
        kinds_before = Counter((e.file, e.kind) for e in run1.initial.errors)
        kinds_after = Counter((e.file, e.kind) for e in run1.final.errors)
        for (file, kind), n in (kinds_after - kinds_before).items():
            rules = sorted({a.rule for a in run1.applied if file in a.files})
            result.add(f"fix-broke-load:{kind}", f"{file}: {n} new {kind} error(s) after {rules}")
    texts = _input_texts(project)
    for out in outputs:
        for line in out.splitlines():
            m = PY_EXC_NAMES.search(line)
            if m and "internal error" not in line and m.group(0) not in texts:
                result.add(f"exception-text:{m.group(0)}", line[:300])
    # second run: nothing left to do
    with instrumented() as rec2:
        run2 = guarded("fix (second run)", lambda: fix_and_report(False))
    _check_fixer_crashes(result, rec2)
    if run2 is None:
        return result
    after2 = snapshot(base)
    refused2 = _refused_files(run2)
    rules = sorted({a.rule for a in run2.applied if not set(a.files) <= refused2})
    for rule in rules:
        titles = [a.title for a in run2.applied if a.rule == rule]
        files = [f for a in run2.applied if a.rule == rule for f in a.files]
        result.add(
            f"non-idempotent:{rule}{_broken_tag(run1.initial, files)}",
            f"second run applied {titles} (first run: {run1.passes} passes)",
        )
    if not rules and after2 != after1:
        diff = sorted(r for r in after2 if after2.get(r) != after1.get(r))
        result.add("non-idempotent:unattributed", f"second run changed {diff}")
    return result


def check_project(
    project: Project, mode: str, limit: float = 5.0, preview: bool = False
) -> CheckResult:
    """Write `project` to a fresh temporary directory and run the `mode` checks on it."""
    tmp = Path(tempfile.mkdtemp(prefix="idfuzz-"))
    try:
        return check_in(tmp / "in", project, mode, limit, preview)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def check_in(
    base: Path, project: Project, mode: str, limit: float, preview: bool, sarif: bool = True
) -> CheckResult:
    if base.exists():
        shutil.rmtree(base, ignore_errors=True)
    base.mkdir(parents=True)
    root = materialize(project, base)
    if mode == "lint":
        return check_lint(root, project, limit, sarif)
    return check_fix(base, root, project, limit, preview)


# ------------------------------------------------------------------ minimisation


def _ddmin(items: list[bytes], test: Callable[[list[bytes]], bool], deadline: float) -> list[bytes]:
    n = 2
    while len(items) >= 2 and time.monotonic() < deadline:
        chunk = max(1, -(-len(items) // n))
        reduced = False
        for start in range(0, len(items), chunk):
            if time.monotonic() >= deadline:
                break
            candidate = items[:start] + items[start + chunk :]
            if test(candidate):
                items = candidate
                n = max(n - 1, 2)
                reduced = True
                break
        if not reduced:
            if chunk == 1:
                break
            n = min(len(items), n * 2)
    return items


def minimize(
    project: Project, mode: str, sig: str, limit: float, budget: float, work: Path
) -> tuple[Project, int]:
    """Smallest project (files, lines, characters) still failing with `sig`."""
    deadline = time.monotonic() + budget
    tests = 0
    sarif = "sarif" in sig
    # a candidate may not bring load errors the input did not have (a valid file that
    # shows the bug must not shrink into a broken one showing it for another reason)
    allowed = check_in(work, project, mode, limit, False, sarif).error_kinds

    def fails(candidate: Project) -> bool:
        nonlocal tests
        tests += 1
        res = check_in(work, candidate, mode, limit, False, sarif)
        return sig in res.sigs and res.error_kinds <= allowed

    current = dict(project)
    for rel in sorted(current, key=lambda r: -len(r)):
        if time.monotonic() >= deadline or len(current) == 1:
            break
        candidate = {k: v for k, v in current.items() if k != rel}
        if fails(candidate):
            current = candidate
    for _round in range(2):
        before = dict(current)
        for rel in sorted(current):
            entry = current[rel]
            if not isinstance(entry, bytes) or time.monotonic() >= deadline:
                continue

            def test(parts: list[bytes], rel: str = rel) -> bool:
                return fails({**current, rel: b"".join(parts)})

            shrunk = b"".join(_ddmin(entry.splitlines(keepends=True), test, deadline))
            if len(shrunk) <= 4096:
                shrunk = b"".join(_ddmin([bytes([b]) for b in shrunk], test, deadline))
            current[rel] = shrunk
        if current == before:
            break
    return current, tests


def sig_hash(sig: str) -> str:
    return hashlib.sha256(sig.encode()).hexdigest()[:12]


def save_reproducer(
    out: Path,
    sig: str,
    mode: str,
    detail: str,
    minimal: Project,
    original: Project | None,
    note: str,
) -> Path:
    target = out / sig_hash(sig)
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    materialize(minimal, target)
    if (
        original is not None
        and sum(len(e) for e in original.values() if isinstance(e, bytes)) < 4 << 20
    ):
        materialize(original, target / "original")
    proj = target / "project"
    if mode == "lint":
        how = f"  infradoctor lint {proj}\n  infradoctor lint {proj} --format json"
    else:
        how = (
            f"  cp -a {proj} /tmp/repro && infradoctor lint /tmp/repro --fix --unsafe "
            "--extend-select hardening\n  # then run the same command again: it must change nothing"
        )
    listing = "\n".join(
        f"  {rel}: {type(e).__name__ if not isinstance(e, bytes) else f'{len(e)} bytes'}"
        + (f" -> {e.target}" if isinstance(e, Link) else "")
        for rel, e in sorted(minimal.items())
    )
    (target / "README.txt").write_text(
        f"signature: {sig}\nmode: {mode}\n{note}\n\nfiles (minimised; '../x' lives next to "
        f"project/):\n{listing}\n\nreproduce:\n{how}\n  python bench/fuzz.py --replay {target} "
        f"--mode {mode}\n\ndetail:\n{detail}\n"
    )
    return target


# ------------------------------------------------------------------ workers


@dataclass(slots=True)
class Options:
    seed: int
    limit: float
    out: Path
    min_seconds: float
    disabled: frozenset[str]
    preview_every: int
    memory_mb: int


def mode_of(index: int, mode: str, fix_every: int) -> str:
    if mode != "both":
        return mode
    return "fix" if index % fix_every == fix_every - 1 else "lint"


def worker_main(conn: Any, seeds: Seeds, opts: Options, workdir: str) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if opts.memory_mb:
        try:
            import resource

            limit = opts.memory_mb * 1024 * 1024
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        except (ImportError, ValueError, OSError):
            pass
    base = Path(workdir)
    (base / "tmp").mkdir(exist_ok=True)
    tempfile.tempdir = str(base / "tmp")  # `fix --diff` copies go there too
    from infradoctor.rules.registry import all_rules

    all_rules()
    while True:
        try:
            task = conn.recv()
        except EOFError:
            return
        if task is None:
            return
        kind, index, mode = task[0], task[1], task[2]
        started = time.perf_counter()
        if kind == "run":
            preview = mode == "fix" and opts.preview_every > 0 and index % opts.preview_every == 0
            try:
                project = generate(seeds, opts.seed, index, opts.disabled)
                sarif = index % 8 == 0
                res = check_in(base / "in", project, mode, opts.limit, preview, sarif)
                failures = [(f.sig, f.detail) for f in res.failures]
                slowest = res.seconds
                unconfirmed = 0
                if res.cpu_slow:
                    # the CPU is shared: a slow input counts when it is slow twice
                    again = check_in(base / "in", project, mode, opts.limit, preview, sarif)
                    if not any(f.sig.startswith("slow") for f in again.failures):
                        failures = [f for f in failures if not f[0].startswith("slow")]
                        unconfirmed = 1
            except BaseException as exc:  # noqa: BLE001 - a harness bug must not kill the run
                failures = [("harness-error:" + exception_signature(exc), _exc_detail(exc))]
                slowest = 0.0
                unconfirmed = 0
            conn.send(
                (
                    "run",
                    index,
                    mode,
                    time.perf_counter() - started,
                    slowest,
                    failures,
                    unconfirmed,
                )
            )
            continue
        sig, detail = task[3], task[4]
        budget = (
            max(opts.min_seconds, 8 * opts.limit) if sig.startswith("slow") else opts.min_seconds
        )
        try:
            project = generate(seeds, opts.seed, index, opts.disabled)
        except BaseException as exc:  # noqa: BLE001 - a harness bug: reported, not fatal
            conn.send(("min", index, mode, 0.0, f"(cannot regenerate: {exc!r})", sig))
            continue
        try:
            minimal, tests = minimize(project, mode, sig, opts.limit, budget, base / "min")
            check = check_in(base / "min", minimal, mode, opts.limit, False, "sarif" in sig)
            detail = next((f.detail for f in check.failures if f.sig == sig), detail)
            note = f"input #{index} of --seed {opts.seed}; minimised with {tests} runs"
        except BaseException as exc:  # noqa: BLE001
            minimal, note = project, f"input #{index}; minimisation failed: {exc!r}"
        path = save_reproducer(opts.out, sig, mode, detail, minimal, project, note)
        conn.send(("min", index, mode, time.perf_counter() - started, str(path), sig))


@dataclass(slots=True)
class Worker:
    process: Any
    conn: Any
    workdir: str
    task: tuple[Any, ...] | None = None
    started: float = 0.0


@dataclass(slots=True)
class Stats:
    inputs: Counter[str] = field(default_factory=Counter)
    busy: dict[str, float] = field(default_factory=lambda: dict.fromkeys(MODES, 0.0))
    failed_inputs: Counter[str] = field(default_factory=Counter)
    sig_count: Counter[str] = field(default_factory=Counter)
    sig_first: dict[str, tuple[int, str, str]] = field(default_factory=dict)  # index, mode, detail
    repro: dict[str, str] = field(default_factory=dict)
    slowest: tuple[float, int, str] = (0.0, -1, "")
    slow_unconfirmed: int = 0  # over the limit once, under it when run again


def _fast_tmp() -> str | None:
    """/dev/shm when usable: the fix loop fsyncs every write, and tmpfs makes that free."""
    shm = "/dev/shm"
    if os.path.isdir(shm) and os.access(shm, os.W_OK | os.X_OK):
        return shm
    return None


def run_campaign(args: argparse.Namespace) -> int:
    corpus = Path(args.corpus) if args.corpus else DEFAULT_CORPUS
    t0 = time.perf_counter()
    seeds = load_seeds(corpus)
    print(
        f"fuzz: {seeds.count()} seeds ("
        + ", ".join(f"{k} {len(v)}" for k, v in sorted(seeds.by_kind.items()))
        + f") from {corpus}; mode {args.mode}, jobs {args.jobs}, seed {args.seed}, "
        f"limit {args.limit} s, out {args.out}",
        flush=True,
    )
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    opts = Options(
        args.seed,
        args.limit,
        out,
        args.min_seconds,
        frozenset(x.strip() for x in (args.disable or "").split(",") if x.strip()),
        args.preview_every,
        args.memory_mb,
    )
    ctx = multiprocessing.get_context("fork")
    tmp_root = Path(tempfile.mkdtemp(prefix="idfuzz-run-", dir=args.workdir or _fast_tmp()))
    workers: list[Worker] = []

    def spawn(i: int) -> Worker:
        parent, child = ctx.Pipe()
        workdir = tempfile.mkdtemp(prefix=f"w{i}-", dir=tmp_root)
        p = ctx.Process(target=worker_main, args=(child, seeds, opts, workdir), daemon=True)
        p.start()
        child.close()
        return Worker(p, parent, workdir)

    for i in range(args.jobs):
        workers.append(spawn(i))
    stats = Stats()
    deadline = t0 + args.minutes * 60 if args.minutes else None
    next_index = args.start
    end_index = args.start + args.count if args.count else None
    min_queue: list[tuple[Any, ...]] = []
    last_status = time.perf_counter()
    stopping = False

    def record(index: int, mode: str, sig: str, detail: str) -> None:
        stats.sig_count[sig] += 1
        if sig not in stats.sig_first:
            stats.sig_first[sig] = (index, mode, detail)
            if (out / sig_hash(sig) / "README.txt").exists() and not args.resave:
                stats.repro[sig] = str(out / sig_hash(sig)) + " (from an earlier run)"
            elif args.min_seconds > 0 and not sig.startswith(("hang", "worker-died")):
                min_queue.append(("min", index, mode, sig, detail))
            else:
                project = generate(seeds, args.seed, index, opts.disabled)
                stats.repro[sig] = str(
                    save_reproducer(
                        out, sig, mode, detail, project, None, f"input #{index} (not minimised)"
                    )
                )

    try:
        while True:
            now = time.perf_counter()
            if deadline is not None and now >= deadline:
                stopping = True
            if end_index is not None and next_index >= end_index:
                stopping = True
            for w in workers:
                if w.task is not None:
                    continue
                if min_queue:
                    w.task = min_queue.pop(0)
                elif not stopping:
                    w.task = ("run", next_index, mode_of(next_index, args.mode, args.fix_every))
                    next_index += 1
                else:
                    continue
                w.started = time.perf_counter()
                w.conn.send(w.task)
            busy = [w for w in workers if w.task is not None]
            if not busy and stopping and not min_queue:
                break
            ready = multiprocessing.connection.wait([w.conn for w in busy], timeout=1.0)
            for w in busy:
                if w.conn not in ready:
                    continue
                try:
                    msg = w.conn.recv()
                except (EOFError, OSError):
                    continue  # handled below as a dead worker
                task = w.task
                w.task = None
                assert task is not None
                if msg[0] == "run":
                    _, index, mode, seconds, slowest, failures, unconfirmed = msg
                    stats.slow_unconfirmed += unconfirmed
                    stats.inputs[mode] += 1
                    stats.busy[mode] += seconds
                    if slowest > stats.slowest[0]:
                        stats.slowest = (slowest, index, mode)
                    if failures:
                        stats.failed_inputs[mode] += 1
                    for sig, detail in failures:
                        record(index, mode, sig, detail)
                else:
                    _, index, mode, seconds, path, sig = msg
                    stats.repro[sig] = path
            for i, w in enumerate(workers):
                if w.task is None:
                    continue
                elapsed = time.perf_counter() - w.started
                dead = not w.process.is_alive()
                hard = (
                    4 * args.limit + 30
                    if w.task[0] == "run"
                    else max(args.min_seconds, 8 * args.limit) + 4 * args.limit + 60
                )
                if dead or elapsed > hard:
                    if not dead:
                        w.process.kill()
                    w.process.join(5)
                    task = w.task
                    kind = f"worker-died:{w.process.exitcode}" if dead else "hang"
                    if task[0] == "run":
                        stats.inputs[task[2]] += 1
                        stats.busy[task[2]] += elapsed
                        stats.failed_inputs[task[2]] += 1
                        record(task[1], task[2], f"{kind}:{task[2]}", f"after {elapsed:.1f} s")
                    else:
                        stats.repro[task[3]] = f"(minimisation {kind})"
                    shutil.rmtree(w.workdir, ignore_errors=True)
                    workers[i] = spawn(i)
            if time.perf_counter() - last_status > args.status_every:
                last_status = time.perf_counter()
                done = sum(stats.inputs.values())
                print(
                    f"fuzz: {done} inputs ({dict(stats.inputs)}) in {last_status - t0:.0f} s, "
                    f"{len(stats.sig_count)} signatures",
                    flush=True,
                )
    except KeyboardInterrupt:
        print("fuzz: interrupted", flush=True)
    finally:
        for w in workers:
            with contextlib.suppress(OSError, BrokenPipeError):
                w.conn.send(None)
        for w in workers:
            w.process.join(2)
            if w.process.is_alive():
                w.process.kill()
                w.process.join(2)
        shutil.rmtree(tmp_root, ignore_errors=True)
    return summarize(stats, args, time.perf_counter() - t0, out)


def summarize(stats: Stats, args: argparse.Namespace, wall: float, out: Path) -> int:
    total = sum(stats.inputs.values())
    print(f"\n== fuzz summary (seed {args.seed}, jobs {args.jobs}, {wall:.1f} s wall) ==")
    per_input: dict[str, float] = {}
    for mode in MODES:
        n = stats.inputs[mode]
        if not n:
            continue
        per_input[mode] = stats.busy[mode] / n
        print(
            f"{mode:5} inputs {n:7}  failed {stats.failed_inputs[mode]:6}  "
            f"{1 / per_input[mode]:7.1f} inputs/s per worker  ({per_input[mode] * 1000:.1f} ms each)"
        )
    print(
        f"total inputs {total}, {total / wall:.1f} inputs/s wall (incl. startup and minimisation)"
    )
    if stats.slowest[1] >= 0:
        print(f"slowest input: {stats.slowest[0]:.2f} s (#{stats.slowest[1]}, {stats.slowest[2]})")
    if stats.slow_unconfirmed:
        print(
            f"{stats.slow_unconfirmed} input(s) over the limit once but not when run again "
            "(CPU contention; not counted as failures)"
        )
    if per_input:
        parts = [
            f"{LONG_ROUND[m]} {m}: {LONG_ROUND[m] * per_input[m] / 60:.0f} CPU min"
            for m in per_input
        ]
        line = f"long-round estimate ({'; '.join(parts)})"
        if len(per_input) == len(MODES):
            need = sum(LONG_ROUND[m] * per_input[m] for m in MODES)
            line += f": about {need / args.jobs / 60:.0f} min with --jobs {args.jobs}"
        print(line + " (plus minimisation time for new failures)")
    if stats.sig_count:
        print(f"failures: {len(stats.sig_count)} signatures")
        for sig, n in stats.sig_count.most_common():
            index, mode, _ = stats.sig_first[sig]
            print(f"  {n:6}  {sig}  [{mode} #{index}]  {stats.repro.get(sig, '')}")
    else:
        print("failures: none")
    summary = {
        "seed": args.seed,
        "jobs": args.jobs,
        "wall_seconds": round(wall, 1),
        "inputs": dict(stats.inputs),
        "failed_inputs": dict(stats.failed_inputs),
        "seconds_per_input": {k: round(v, 4) for k, v in per_input.items()},
        "slow_unconfirmed": stats.slow_unconfirmed,
        "slowest": {
            "seconds": round(stats.slowest[0], 3),
            "index": stats.slowest[1],
            "mode": stats.slowest[2],
        },
        "signatures": {
            sig: {
                "count": n,
                "first": stats.sig_first[sig][0],
                "mode": stats.sig_first[sig][1],
                "reproducer": stats.repro.get(sig),
            }
            for sig, n in stats.sig_count.items()
        },
    }
    with contextlib.suppress(OSError):
        (out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    return 1 if stats.sig_count else 0


def replay(args: argparse.Namespace) -> int:
    project = project_from_dir(Path(args.replay))
    check_project({"compose.yaml": b"services: {}\n"}, "lint")  # warm up: imports
    modes = MODES if args.mode == "both" else (args.mode,)
    bad = 0
    for mode in modes:
        res = check_project(project, mode, args.limit, preview=mode == "fix")
        print(f"{mode}: {len(res.failures)} failure(s), slowest {res.seconds:.2f} s")
        for f in res.failures:
            bad += 1
            print(f"  {f.sig}\n    " + f.detail.replace("\n", "\n    "))
            if args.shrink:
                work = Path(tempfile.mkdtemp(prefix="idfuzz-shrink-"))
                try:
                    minimal, tests = minimize(
                        project, mode, f.sig, args.limit, args.min_seconds, work
                    )
                finally:
                    shutil.rmtree(work, ignore_errors=True)
                path = save_reproducer(
                    Path(args.out),
                    f.sig,
                    mode,
                    f.detail,
                    minimal,
                    project,
                    f"replayed from {args.replay}; minimised with {tests} runs",
                )
                print(f"    minimised: {path}")
    return 1 if bad else 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    p.add_argument("--minutes", type=float, default=0.0, help="run for M minutes")
    p.add_argument("--count", type=int, default=0, help="run N inputs")
    p.add_argument("--seed", type=int, default=0, help="campaign seed (deterministic inputs)")
    p.add_argument("--start", type=int, default=0, help="first input index")
    p.add_argument("--jobs", type=int, default=2, help="worker processes (default 2)")
    p.add_argument("--mode", choices=("lint", "fix", "both"), default="lint")
    p.add_argument(
        "--fix-every", type=int, default=6, help="with --mode both: every Nth input is a fix input"
    )
    p.add_argument("--out", default=str(DEFAULT_OUT), help="reproducer directory")
    p.add_argument("--corpus", default=None, help=f"seed corpus (default {DEFAULT_CORPUS})")
    p.add_argument(
        "--limit", type=float, default=5.0, help="CPU seconds per operation before it is slow"
    )
    p.add_argument(
        "--min-seconds",
        type=float,
        default=30.0,
        help="minimisation budget per signature (0: none)",
    )
    p.add_argument("--disable", default="", help=f"mutators to skip: {','.join(MUTATOR_NAMES)}")
    p.add_argument(
        "--preview-every", type=int, default=4, help="fix inputs: every Nth also runs --diff first"
    )
    p.add_argument(
        "--memory-mb", type=int, default=2048, help="address-space limit per worker (0: none)"
    )
    p.add_argument("--workdir", default=None, help="where inputs are written (default /dev/shm)")
    p.add_argument("--status-every", type=float, default=30.0, help="progress line every S seconds")
    p.add_argument(
        "--resave", action="store_true", help="re-minimise signatures already saved in --out"
    )
    p.add_argument(
        "--replay", metavar="DIR", help="check one saved project (or reproducer dir) and exit"
    )
    p.add_argument(
        "--shrink", action="store_true", help="with --replay: minimise each failure into --out"
    )
    args = p.parse_args(argv)
    if args.replay:
        return replay(args)
    if not args.minutes and not args.count:
        args.count = 1000
    if args.jobs < 1:
        p.error("--jobs must be at least 1")
    return run_campaign(args)


if __name__ == "__main__":
    sys.path.insert(0, str(REPO / "src"))
    raise SystemExit(main())
