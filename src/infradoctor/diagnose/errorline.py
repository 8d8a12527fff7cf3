"""The record of one nginx error.log line and of the upstream peer it names: the types
parsing (errorparse.py) fills and classifying (errorclass.py) reads."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from infradoctor.syntax.numbers import HUGE

# (kind, reference id, status) is decided by classify(); these are the kinds that mean
# "the client's request failed because of the upstream or nginx's own resources".
FAILURE_KINDS = frozenset(
    {
        "refused",
        "unreachable",
        "timeout",
        "socket-missing",
        "permission",
        "backlog",
        "ephemeral-ports",
        "no-live-upstreams",
        "fd-exhausted",
        "worker-connections",
        "dns",
        "no-resolver",
        "host-not-found",
        "no-port",
        "reset",
        "closed",
        "too-big-header",
        "invalid-header",
        "ssl",
        "disk-full",
        "readonly",
    }
)


_CONTEXT_KEY = re.compile(
    r"(client|server|request|subrequest|upstream|host|referrer|resolver): "
    r"(\"(?:[^\"\\]|\\.)*\"|[^,]*)(?:, |$)"
)


def peer_authority(upstream: str | None) -> str | None:
    """'http://172.18.0.5:8000/x' -> 'http://172.18.0.5:8000'; unix sockets and values
    without a scheme are returned whole. The cache key and the join key of a peer."""
    if not upstream:
        return None
    start = upstream.find("://")
    if start == -1 or upstream.startswith("unix:", start + 3):
        return upstream
    slash = upstream.find("/", start + 3)
    return upstream if slash == -1 else upstream[:slash]


_PEER = re.compile(
    r"^(?P<scheme>[a-z]+)://(?:unix:(?P<unix>[^:]+)(?::|$)|"
    r"(?P<host>\[[^\]]+\]|[^:/]+)(?::(?P<port>\d+))?)"
)


@dataclass(slots=True)
class ErrorLine:
    """One parsed error.log line. `ts` is seconds since the epoch (the log's local time
    read as UTC, minus `utc_offset` when the bundle says what the host's offset was)."""

    source: str
    lineno: int
    raw: str
    ts: float | None
    level: str
    pid: int
    conn: int | None
    message: str
    errno: int | None = None
    errtext: str | None = None
    action: str | None = None
    client: str | None = None
    server: str | None = None
    request: str | None = None
    upstream: str | None = None
    host: str | None = None
    resolver: str | None = None
    referrer: str | None = None
    subrequest: str | None = None
    kind: str = "other"
    ref: str | None = None
    status: int | None = None
    name: str | None = None  # host name that failed to resolve / upstream group
    path: str | None = None  # file path for disk errors / temp files
    context: str | None = field(default=None, repr=False)  # unparsed context (fast path)

    def fill_context(self, context: str | None = None) -> None:
        """Parse the `, client: ..., server: ..., upstream: "..."` pairs."""
        text = context if context is not None else self.context
        if not text:
            return
        for key, value in _CONTEXT_KEY.findall(text):
            if value.startswith('"') and value.endswith('"'):
                value = value[1:-1]
            setattr(self, key, value)
        self.context = None

    @property
    def is_failure(self) -> bool:
        return self.kind in FAILURE_KINDS

    @property
    def peer(self) -> Peer | None:
        return parse_peer(self.upstream) if self.upstream else None

    @property
    def peer_authority(self) -> str | None:
        """'http://172.18.0.5:8000/x' -> 'http://172.18.0.5:8000' (cache key)."""
        return peer_authority(self.upstream)


@dataclass(frozen=True, slots=True)
class Peer:
    """The peer named by an `upstream:` field: an IP/host and port, a unix socket, or
    (for `no live upstreams`) an upstream group name."""

    scheme: str | None
    host: str | None
    port: int | None
    unix: str | None

    @property
    def address(self) -> str:
        if self.unix:
            return f"unix:{self.unix}"
        if self.port is None:
            return self.host or "?"
        return f"{self.host}:{self.port}"


def parse_peer(upstream: str) -> Peer | None:
    m = _PEER.match(upstream)
    if m is None:
        name = upstream.strip().strip('"')
        return Peer(None, name, None, None) if name else None
    port = _int(m.group("port")) if m.group("port") else None
    host = m.group("host")
    if host and host.startswith("["):
        host = host[1:-1]
    if port is None and host and m.group("scheme") in ("http", "https") and not _looks_ip(host):
        port = None  # an upstream group name, e.g. http://backend/path
    return Peer(m.group("scheme"), host, port, m.group("unix"))


def _looks_ip(host: str) -> bool:
    return bool(re.fullmatch(r"[\d.]+|[0-9a-fA-F:]+", host))


def _int(digits: str) -> int:
    """A `\\d+` match (pid, errno, request id) as an int: int() refuses more than 4300
    digits (and is quadratic below), so an absurdly long one clamps to HUGE."""
    return int(digits) if len(digits) <= 30 else HUGE
