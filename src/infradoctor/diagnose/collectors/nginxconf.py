"""Just enough nginx config reading for the collectors: where the logs and temp files
are, what each server listens on and proxies to. The analyzers parse the full config
themselves from nginx/config.txt; this only tells the collectors where to look.

Works on `nginx -T` output (sections headed `# configuration file PATH:`) or on one
file's text. Each section is parsed on its own, so blocks are tracked per file."""

from __future__ import annotations

import glob
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from infradoctor.loaders.files import Refusal, read_regular

SECTION_RE = re.compile(r"^# configuration file (.+?):\s*$", re.MULTILINE)
MAX_CONFIG_FILES = 500
MAX_CONFIG_BYTES = 8 * 1024 * 1024


@dataclass(slots=True)
class Stmt:
    """One directive with its enclosing block names (e.g. ["http", "server"])."""

    name: str
    args: list[str]
    blocks: list[str]
    file: str
    line: int
    server_index: int | None = None  # which server{} of `file` it sits in
    location: str | None = None  # innermost location argument
    upstream: str | None = None  # enclosing upstream{} name


@dataclass(slots=True)
class ServerFacts:
    file: str
    line: int
    names: list[str] = field(default_factory=list)
    listens: list[list[str]] = field(default_factory=list)
    routes: list[tuple[str, str]] = field(default_factory=list)  # (location, proxy_pass)


@dataclass(slots=True)
class NginxFacts:
    error_logs: list[str] = field(default_factory=list)
    access_logs: list[str] = field(default_factory=list)
    temp_paths: dict[str, list[str]] = field(default_factory=dict)
    servers: list[ServerFacts] = field(default_factory=list)
    upstreams: dict[str, list[str]] = field(default_factory=dict)
    proxy_passes: list[str] = field(default_factory=list)
    worker_rlimit_nofile: int | None = None
    worker_connections: int | None = None
    files: list[str] = field(default_factory=list)


def tokenize(text: str) -> list[tuple[str, int, bool]]:
    """(token, line, quoted) triples; comments dropped; `{`, `}`, `;` are tokens."""
    out: list[tuple[str, int, bool]] = []
    i, n, line = 0, len(text), 1
    while i < n:
        c = text[i]
        if c == "\n":
            line += 1
            i += 1
        elif c.isspace():
            i += 1
        elif c == "#":
            while i < n and text[i] != "\n":
                i += 1
        elif c in "{};":
            out.append((c, line, False))
            i += 1
        elif c in "\"'":
            j, buf, start = i + 1, [], line
            while j < n and text[j] != c:
                if text[j] == "\\" and j + 1 < n:
                    j += 1
                if text[j] == "\n":
                    line += 1
                buf.append(text[j])
                j += 1
            out.append(("".join(buf), start, True))
            i = j + 1
        else:
            j = i
            while j < n and not text[j].isspace() and text[j] not in "{};":
                if text[j] == "\\" and j + 1 < n:
                    j += 1
                j += 1
            out.append((text[i:j], line, False))
            i = j
    return out


def statements(text: str, file: str) -> list[Stmt]:
    """Flatten one file's directives, remembering enclosing blocks."""
    out: list[Stmt] = []
    blocks: list[str] = []
    locations: list[str | None] = []
    upstreams: list[str | None] = []
    server_count = -1
    servers: list[int | None] = []
    cur: list[str] = []
    cur_line = 0

    def here(name: str, args: list[str]) -> Stmt:
        """The statement starting at cur_line, inside the blocks open now."""
        return Stmt(
            name,
            args,
            list(blocks),
            file,
            cur_line,
            servers[-1] if servers else None,
            locations[-1] if locations else None,
            upstreams[-1] if upstreams else None,
        )

    for tok, line, quoted in tokenize(text):
        if not quoted and tok == ";":
            if cur:
                out.append(here(cur[0], cur[1:]))
            cur = []
        elif not quoted and tok == "{":
            name = cur[0] if cur else ""
            out.append(here(name, cur[1:]))
            blocks.append(name)
            if name == "upstream":
                upstreams.append(cur[1] if len(cur) > 1 else "")
            else:
                upstreams.append(upstreams[-1] if upstreams else None)
            if name == "server" and "upstream" not in blocks[:-1] and "stream" not in blocks:
                server_count += 1
                servers.append(server_count)
            else:
                servers.append(servers[-1] if servers else None)
            if name == "location":
                locations.append(cur[-1] if len(cur) > 1 else "")
            else:
                locations.append(locations[-1] if locations else None)
            cur = []
        elif not quoted and tok == "}":
            if blocks:
                blocks.pop()
                servers.pop()
                locations.pop()
                upstreams.pop()
            cur = []
        else:
            if not cur:
                cur_line = line
            cur.append(tok)
    return out


def split_sections(dump: str) -> list[tuple[str, str]]:
    """`nginx -T` output -> [(file, text)]; plain text -> [("nginx.conf", text)]."""
    marks = list(SECTION_RE.finditer(dump))
    if not marks:
        return [("nginx.conf", dump)]
    out = []
    for k, m in enumerate(marks):
        end = marks[k + 1].start() if k + 1 < len(marks) else len(dump)
        out.append((m.group(1).strip(), dump[m.end() : end]))
    return out


def read_config_files(conf: Path, prefix: Path | None = None, root: str | None = None) -> str:
    """Concatenate a config and its includes in `nginx -T` format (used when nginx -T
    cannot run). Bounded in file count and bytes; unreadable files become comments.

    `root` (e.g. /proc/<pid>/root of a containerized nginx) is prepended to every path
    read; the section headers keep the paths as nginx sees them."""
    base = prefix if prefix is not None else conf.parent
    seen: set[str] = set()
    parts: list[str] = []
    total = 0
    top = (root or "").rstrip("/")

    def visit(path: Path) -> None:
        nonlocal total
        key = str(path)
        if key in seen or len(seen) >= MAX_CONFIG_FILES or total > MAX_CONFIG_BYTES:
            return
        seen.add(key)
        # Never blocks on a FIFO; inside a container root, symlinks resolve inside it
        # (an absolute link must not make us read the host's file of that name).
        left = max(MAX_CONFIG_BYTES - total, 0)
        data = read_regular(path, left, in_root=top) if top else read_regular(path, left)
        if isinstance(data, Refusal):
            parts.append(f"# configuration file {path}:\n# unreadable: {data.message}\n")
            return
        text = data.decode("utf-8", "replace")
        total += len(text)
        parts.append(f"# configuration file {path}:\n{text}\n")
        for st in statements(text, str(path)):
            if st.name == "include" and st.args:
                pattern = st.args[0]
                if not os.path.isabs(pattern):
                    pattern = str(base / pattern)
                for hit in sorted(glob.glob(top + pattern)):
                    visit(Path(hit[len(top) :] if top else hit))

    visit(conf)
    return "".join(parts)


def _absolute(path: str, prefix: str | None) -> str:
    if os.path.isabs(path) or prefix is None:
        return path
    return os.path.join(prefix, path)


def facts_from_dump(dump: str, prefix: str | None = None) -> NginxFacts:
    """Extract log paths, temp paths, servers and proxy targets from config text."""
    facts = NginxFacts()
    for file, text in split_sections(dump):
        facts.files.append(file)
        by_server: dict[int, ServerFacts] = {}
        for st in statements(text, file):
            if "stream" in st.blocks:
                continue
            args = st.args
            if st.name == "server" and st.blocks[-1:] != ["upstream"] and not args:
                idx = len(by_server)
                by_server[idx] = ServerFacts(file, st.line)
                facts.servers.append(by_server[idx])
                continue
            if st.name == "error_log" and args:
                if args[0] not in ("stderr", "off") and not args[0].startswith(
                    ("syslog:", "memory:")
                ):
                    facts.error_logs.append(_absolute(args[0], prefix))
            elif st.name == "access_log" and args:
                if args[0] != "off" and not args[0].startswith("syslog:") and "$" not in args[0]:
                    facts.access_logs.append(_absolute(args[0], prefix))
            elif st.name.endswith("_temp_path") and args:
                facts.temp_paths.setdefault(st.name, []).append(_absolute(args[0], prefix))
            elif st.name == "server" and "upstream" in st.blocks and args:
                if st.upstream:
                    facts.upstreams.setdefault(st.upstream, []).append(args[0])
            elif st.name == "worker_rlimit_nofile" and args and args[0].isdigit():
                facts.worker_rlimit_nofile = int(args[0])
            elif st.name == "worker_connections" and args and args[0].isdigit():
                facts.worker_connections = int(args[0])
            elif st.name in ("proxy_pass", "fastcgi_pass", "uwsgi_pass", "grpc_pass") and args:
                facts.proxy_passes.append(args[0])
            srv = by_server.get(st.server_index) if st.server_index is not None else None
            if srv is None:
                continue
            if st.name == "listen" and args:
                srv.listens.append(args)
            elif st.name == "server_name":
                srv.names.extend(args)
            elif st.name == "proxy_pass" and args:
                srv.routes.append((st.location or "/", args[0]))
    return facts


def compiled_defaults(version_output: str) -> dict[str, str]:
    """`nginx -V` configure arguments (--prefix, --error-log-path, temp paths...)."""
    out: dict[str, str] = {}
    for m in re.finditer(r"--([a-z-]+)=(\S+)", version_output):
        out[m.group(1)] = m.group(2)
    return out
