"""`nginx -T` dumps as the diagnose side reads them: sections per file, flat statements
with their enclosing blocks, and the facts collectors and analyzers share (log and temp
paths, servers, upstream members, proxy targets).

Tokens come from the one nginx tokenizer (`syntax.nginx.TOKEN_RE`, shared with the lint
loader), so both sides split words, strings, comments and `${VAR}` the same way; this module
only adds line numbers and the flat statement view the diagnosis quotes (file:line)."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field

from infradoctor.syntax.nginx import TOKEN_RE

SECTION_RE = re.compile(r"^# configuration file (.+?):\s*$", re.MULTILINE)
_STRING_ESCAPE_RE = re.compile(r"\\(.)", re.DOTALL)


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
    """(token, line, quoted) triples; comments dropped; `{`, `}`, `;` are tokens.

    A quoted string loses its quotes and backslashes (`\\x` -> `x`); an unterminated
    quote runs to the end of the text, as nginx reads it."""
    out: list[tuple[str, int, bool]] = []
    line, last, n = 1, 0, len(text)
    pos = 0
    while pos < n:
        m = TOKEN_RE.search(text, pos)
        if m is None:
            break
        start, kind = m.start(), m.lastgroup
        line += text.count("\n", last, start)
        last, pos = start, m.end()
        if kind == "comment":
            continue
        if kind in ("dq", "sq"):
            out.append((_STRING_ESCAPE_RE.sub(r"\1", m.group()[1:-1]), line, True))
        elif kind == "bad" and m.group() in "\"'":
            body = text[start + 1 :]
            out.append((_STRING_ESCAPE_RE.sub(r"\1", body), line, True))
            break
        else:
            out.append((m.group(), line, False))
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


def split_target(target: str, default_port: int) -> tuple[str, int | None]:
    """'host:port' / '[v6]:port' / 'host' -> (host, port)."""
    if target.startswith("["):
        host, _, rest = target[1:].partition("]")
        return host, int(rest[1:]) if rest.startswith(":") and rest[1:].isdigit() else default_port
    host, sep, port = target.rpartition(":")
    if sep and port.isdigit():
        return host, int(port)
    return target, default_port


def listen_target(args: list[str]) -> tuple[str, int, bool] | None:
    """The loopback address to reach a `listen` directive from this host."""
    if not args:
        return None
    first = args[0]
    if first.startswith("unix:"):
        return None
    ssl_on = "ssl" in args[1:]
    if first.isdigit():
        return "127.0.0.1", int(first), ssl_on
    host, port = split_target(first, 80)
    if port is None:
        return None
    if host in ("*", "0.0.0.0", "", "[::]", "::"):
        host = "127.0.0.1" if host not in ("[::]", "::") else "::1"
    return host, port, ssl_on
