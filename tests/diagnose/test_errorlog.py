"""error.log parsing and classification on real-shaped lines (reference catalogue ids)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from infradoctor.diagnose.errorlog import (
    ErrorLogSummary,
    line_time,
    parse_line,
    parse_peer,
    read_tail_since,
    summarize,
)

CTX = (
    'client: 172.18.0.1, server: shop.example.com, request: "GET /api/x HTTP/1.1"{up}, '
    'host: "shop.example.com"'
)
UP = "http://172.18.0.5:8000/api/x"


def line(level: str, message: str, up: str | None = UP, conn: int | None = 7) -> str:
    conn_part = f"*{conn} " if conn is not None else ""
    text = f"2026/08/21 10:00:01 [{level}] 29#29: {conn_part}{message}"
    return text + ", " + CTX.format(up=f', upstream: "{up}"' if up is not None else "")


CASES = [
    # (id, level, message, upstream, kind, ref, status, errno, action)
    (
        "C1",
        "error",
        "connect() failed (111: Connection refused) while connecting to upstream",
        UP,
        "refused",
        "C1",
        502,
        111,
        "connecting to upstream",
    ),
    (
        "C1-sync",
        "error",
        "connect() to 172.18.0.5:8000 failed (111: Connection refused) while "
        "connecting to upstream",
        UP,
        "refused",
        "C1",
        502,
        111,
        "connecting to upstream",
    ),
    (
        "C2",
        "error",
        "connect() failed (113: No route to host) while connecting to upstream",
        UP,
        "unreachable",
        "C2",
        502,
        113,
        "connecting to upstream",
    ),
    (
        "C2-musl",
        "error",
        "connect() failed (113: Host is unreachable) while connecting to upstream",
        UP,
        "unreachable",
        "C2",
        502,
        113,
        "connecting to upstream",
    ),
    (
        "C2-101",
        "error",
        "connect() failed (101: Network is unreachable) while connecting to upstream",
        UP,
        "unreachable",
        "C2",
        502,
        101,
        "connecting to upstream",
    ),
    (
        "C3",
        "error",
        "upstream timed out (110: Connection timed out) while connecting to upstream",
        UP,
        "timeout",
        "C3",
        504,
        110,
        "connecting to upstream",
    ),
    (
        "C3-musl",
        "error",
        "upstream timed out (110: Operation timed out) while connecting to upstream",
        UP,
        "timeout",
        "C3",
        504,
        110,
        "connecting to upstream",
    ),
    (
        "C4",
        "crit",
        "connect() to unix:/run/php/php-fpm.sock failed (2: No such file or "
        "directory) while connecting to upstream",
        "fastcgi://unix:/run/php/php-fpm.sock:",
        "socket-missing",
        "C4",
        502,
        2,
        "connecting to upstream",
    ),
    (
        "C5",
        "crit",
        "connect() to unix:/run/app.sock failed (13: Permission denied) while "
        "connecting to upstream",
        "http://unix:/run/app.sock:/",
        "permission",
        "C5",
        502,
        13,
        "connecting to upstream",
    ),
    (
        "C6",
        "error",
        "connect() to unix:/run/app.sock failed (11: Resource temporarily "
        "unavailable) while connecting to upstream",
        "http://unix:/run/app.sock:/",
        "backlog",
        "C6",
        502,
        11,
        "connecting to upstream",
    ),
    (
        "C7",
        "crit",
        "connect() to 172.18.0.5:8000 failed (99: Cannot assign requested address) "
        "while connecting to upstream",
        UP,
        "ephemeral-ports",
        "C7",
        502,
        99,
        "connecting to upstream",
    ),
    (
        "C8",
        "error",
        "no live upstreams while connecting to upstream",
        "http://app_backend/api/x",
        "no-live-upstreams",
        "C8",
        502,
        None,
        "connecting to upstream",
    ),
    (
        "C9",
        "warn",
        "upstream server temporarily disabled while connecting to upstream",
        UP,
        "disabled",
        "C9",
        None,
        None,
        "connecting to upstream",
    ),
    (
        "C10",
        "alert",
        "socket() failed (24: Too many open files) while connecting to upstream",
        UP,
        "fd-exhausted",
        "C10",
        500,
        24,
        "connecting to upstream",
    ),
    (
        "C11",
        "alert",
        "1024 worker_connections are not enough while connecting to upstream",
        UP,
        "worker-connections",
        "C11",
        500,
        None,
        "connecting to upstream",
    ),
    (
        "D1",
        "error",
        "app could not be resolved (3: Host not found)",
        None,
        "dns",
        "D1",
        502,
        3,
        None,
    ),
    (
        "D2",
        "error",
        "app could not be resolved (110: Operation timed out)",
        None,
        "dns",
        "D2",
        502,
        110,
        None,
    ),
    (
        "D3",
        "error",
        "app could not be resolved (2: Server failure)",
        None,
        "dns",
        "D3",
        502,
        2,
        None,
    ),
    (
        "D4",
        "error",
        "no resolver defined to resolve app",
        None,
        "no-resolver",
        "D4",
        502,
        None,
        None,
    ),
    ("D7", "error", 'no port in upstream "app"', None, "no-port", "D7", 500, None, None),
    (
        "S1",
        "error",
        "upstream timed out (110: Connection timed out) while sending request to upstream",
        UP,
        "timeout",
        "S1",
        504,
        110,
        "sending request to upstream",
    ),
    (
        "S2",
        "error",
        "writev() failed (32: Broken pipe) while sending request to upstream",
        UP,
        "reset",
        "S2",
        502,
        32,
        "sending request to upstream",
    ),
    (
        "S2-104",
        "error",
        "send() failed (104: Connection reset by peer) while sending request to upstream",
        UP,
        "reset",
        "S2",
        502,
        104,
        "sending request to upstream",
    ),
    (
        "H1",
        "error",
        "upstream timed out (110: Connection timed out) while reading response "
        "header from upstream",
        UP,
        "timeout",
        "H1",
        504,
        110,
        "reading response header from upstream",
    ),
    (
        "H2",
        "error",
        "upstream prematurely closed connection while reading response header from upstream",
        UP,
        "closed",
        "H2",
        502,
        None,
        "reading response header from upstream",
    ),
    (
        "H3",
        "error",
        "recv() failed (104: Connection reset by peer) while reading response header from upstream",
        UP,
        "reset",
        "H3",
        502,
        104,
        "reading response header from upstream",
    ),
    (
        "H4",
        "error",
        "upstream sent too big header while reading response header from upstream",
        UP,
        "too-big-header",
        "H4",
        502,
        None,
        "reading response header from upstream",
    ),
    (
        "H5",
        "error",
        'upstream sent invalid header: "X-Bad\\x01: 1" while reading response header from upstream',
        UP,
        "invalid-header",
        "H5",
        502,
        None,
        "reading response header from upstream",
    ),
    (
        "H6",
        "error",
        'upstream sent "Content-Length" and "Transfer-Encoding" headers at the same '
        "time while reading response header from upstream",
        UP,
        "invalid-header",
        "H6",
        502,
        None,
        "reading response header from upstream",
    ),
    (
        "H7",
        "error",
        "upstream sent no valid HTTP/1.0 header while reading response header from upstream",
        UP,
        "invalid-header",
        "H7",
        200,
        None,
        "reading response header from upstream",
    ),
    (
        "T1",
        "crit",
        "SSL_do_handshake() failed (SSL: error:0A00010B:SSL routines::wrong version "
        "number) while SSL handshaking to upstream",
        "https://172.18.0.5:8000/api/x",
        "ssl",
        "T1",
        502,
        None,
        "SSL handshaking to upstream",
    ),
    (
        "T2",
        "error",
        "peer closed connection in SSL handshake (104: Connection reset by peer) "
        "while SSL handshaking to upstream",
        "https://172.18.0.5:8443/",
        "ssl",
        "T2",
        502,
        104,
        "SSL handshaking to upstream",
    ),
    (
        "T3",
        "error",
        "upstream SSL certificate verify error: (20:unable to get local issuer "
        "certificate) while SSL handshaking to upstream",
        "https://172.18.0.5:8443/",
        "ssl",
        "T3",
        502,
        None,
        "SSL handshaking to upstream",
    ),
    (
        "T4",
        "error",
        'upstream SSL certificate does not match "api.internal" while SSL handshaking to upstream',
        "https://172.18.0.5:8443/",
        "ssl",
        "T4",
        502,
        None,
        "SSL handshaking to upstream",
    ),
    (
        "T5",
        "error",
        "upstream timed out (110: Connection timed out) while SSL handshaking to upstream",
        "https://172.18.0.5:8443/",
        "timeout",
        "T5",
        504,
        110,
        "SSL handshaking to upstream",
    ),
    (
        "B1",
        "error",
        "upstream prematurely closed connection while reading upstream",
        UP,
        "closed",
        "B1",
        None,
        None,
        "reading upstream",
    ),
    (
        "B2",
        "error",
        "upstream timed out (110: Connection timed out) while reading upstream",
        UP,
        "timeout",
        "B2",
        None,
        110,
        "reading upstream",
    ),
    (
        "B3",
        "error",
        "recv() failed (104: Connection reset by peer) while reading upstream",
        UP,
        "reset",
        "B3",
        None,
        104,
        "reading upstream",
    ),
    (
        "B4",
        "error",
        "upstream sent invalid chunked response while reading upstream",
        UP,
        "invalid-header",
        "B4",
        None,
        None,
        "reading upstream",
    ),
    (
        "F1",
        "warn",
        "an upstream response is buffered to a temporary file "
        "/var/cache/nginx/proxy_temp/1/00/0000000001 while reading upstream",
        UP,
        "buffered",
        "F1",
        None,
        None,
        "reading upstream",
    ),
    (
        "F2",
        "crit",
        'pwritev() "/var/cache/nginx/proxy_temp/1/00/0000000001" failed (28: No '
        "space left on device) while reading upstream",
        UP,
        "disk-full",
        "F2",
        None,
        28,
        "reading upstream",
    ),
    (
        "F3",
        "crit",
        'open() "/var/cache/nginx/proxy_temp/2/00/0000000002" failed (30: Read-only '
        "file system) while reading upstream",
        UP,
        "readonly",
        "F3",
        None,
        30,
        "reading upstream",
    ),
    (
        "F4",
        "warn",
        "a client request body is buffered to a temporary file "
        "/var/cache/nginx/client_temp/0000000001",
        None,
        "buffered",
        "F4",
        None,
        None,
        None,
    ),
    (
        "F5",
        "crit",
        'pwrite() "/var/cache/nginx/client_temp/0000000003" failed (28: No space left on device)',
        None,
        "disk-full",
        "F5",
        500,
        28,
        None,
    ),
    (
        "look-499",
        "info",
        "client prematurely closed connection while reading upstream",
        UP,
        "client-closed",
        None,
        499,
        None,
        "reading upstream",
    ),
    (
        "look-limit",
        "error",
        'limiting requests, excess: 10.500 by zone "api"',
        None,
        "limit-req",
        None,
        503,
        None,
        None,
    ),
    (
        "look-413",
        "error",
        "client intended to send too large body: 10485761 bytes",
        None,
        "body-too-large",
        None,
        413,
        None,
        None,
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_classify_reference_messages(case: tuple) -> None:
    _id, level, message, up, kind, ref, status, errno, action = case
    parsed = parse_line(line(level, message, up))
    assert parsed is not None
    assert (parsed.kind, parsed.ref, parsed.status) == (kind, ref, status)
    assert parsed.errno == errno
    assert parsed.action == action
    assert parsed.level == level
    assert parsed.conn == 7
    assert parsed.upstream == up
    assert parsed.client == "172.18.0.1"
    assert parsed.request == "GET /api/x HTTP/1.1"
    assert parsed.host == "shop.example.com"


def test_emerg_host_not_found_at_startup() -> None:
    parsed = parse_line(
        "2026/08/21 10:00:06 [emerg] 1#1: host not found in upstream "
        '"app:8000" in /etc/nginx/conf.d/default.conf:12'
    )
    assert parsed is not None
    assert (parsed.kind, parsed.ref, parsed.name, parsed.conn) == (
        "host-not-found",
        "D6",
        "app:8000",
        None,
    )


def test_resolver_suffix_and_disk_path() -> None:
    parsed = parse_line(
        "2026/08/21 10:00:13 [error] 29#29: send() failed (111: Connection "
        "refused) while resolving, resolver: 127.0.0.11:53"
    )
    assert parsed is not None
    assert (parsed.kind, parsed.ref, parsed.resolver) == ("dns", "D5", "127.0.0.11:53")
    disk = parse_line(
        line(
            "crit",
            'pwritev() "/var/lib/nginx/proxy/3/00/0000000003" failed '
            "(28: No space left on device) while reading upstream",
        )
    )
    assert disk is not None and disk.path == "/var/lib/nginx/proxy/3/00/0000000003"


def test_peer_forms() -> None:
    assert parse_peer("http://172.18.0.5:8000/api").address == "172.18.0.5:8000"  # type: ignore
    unix = parse_peer("http://unix:/run/app.sock:/path")
    assert unix is not None and unix.unix == "/run/app.sock"
    assert parse_peer("http://[fd00::5]:8000/").address == "fd00::5:8000"  # type: ignore
    group = parse_peer("http://app_backend/api")
    assert group is not None and group.host == "app_backend" and group.port is None


def test_not_a_log_line() -> None:
    assert parse_line("nginx: [warn] conflicting server name") is None
    assert parse_line("") is None


def test_grouping_by_connection_and_peer() -> None:
    text = "\n".join(
        [
            line(
                "error",
                "connect() failed (111: Connection refused) while connecting to upstream",
                "http://172.18.0.5:8000/a",
                conn=1,
            ),
            line(
                "error",
                "connect() failed (111: Connection refused) while connecting to upstream",
                "http://172.18.0.6:8000/a",
                conn=1,
            ),  # retry of the same request, next peer
            line(
                "error",
                "upstream timed out (110: Connection timed out) while reading response "
                "header from upstream",
                "http://172.18.0.6:8000/b",
                conn=2,
            ),
            "2026/08/21 10:00:02 [notice] 1#1: signal process started",
            "garbage line",
        ]
    )
    s = summarize([("/var/log/nginx/error.log", text)])
    assert isinstance(s, ErrorLogSummary)
    assert s.lines_total == 5 and s.lines_parsed == 4
    assert s.failures == 3
    assert len(s.requests) == 2 and len(s.requests[1]) == 2
    assert set(s.peers) == {"172.18.0.5:8000", "172.18.0.6:8000"}
    six = s.peers["172.18.0.6:8000"]
    assert six.kinds == {"refused": 1, "timeout": 1} and six.requests == {1, 2}
    assert s.peers["172.18.0.5:8000"].lines[0].source == "/var/log/nginx/error.log"


def test_line_time_formats() -> None:
    assert line_time("2026/08/21 10:00:01 [error] 1#1: x") == 1787306401
    assert (
        line_time('1.2.3.4 - - [21/Aug/2026:13:00:01 +0300] "GET / HTTP/1.1" 200 1') == 1787306401
    )
    assert line_time('{"time_iso8601":"2026-08-21T10:00:01+00:00","status":"200"}') == 1787306401
    assert line_time("no time here") is None


def _write_log(path: Path, start: int, count: int, step: int = 1) -> None:
    with path.open("w") as fh:
        for i in range(count):
            ts = time.strftime("%Y/%m/%d %H:%M:%S", time.gmtime(start + i * step))
            fh.write(
                f"{ts} [error] 29#29: *{i} connect() failed (111: Connection refused) "
                f"while connecting to upstream, client: 10.0.0.1, server: x, request: "
                f'"GET /{i} HTTP/1.1", upstream: "http://172.18.0.5:8000/{i}", host: "x"\n'
            )


def test_read_tail_since_reads_only_the_window(tmp_path: Path) -> None:
    log = tmp_path / "error.log"
    start = 1787306400
    _write_log(log, start, 20000)  # ~5.5 MB, one line per second
    cutoff = start + 20000 - 100
    window, total, read = read_tail_since(log, cutoff, block=64 * 1024)
    lines = window.decode().splitlines()
    assert len(lines) == 100
    assert line_time(lines[0]) == cutoff
    assert total == log.stat().st_size
    assert read < total / 10  # read backwards: only about the window, not the file


def test_read_tail_since_caps_bytes_and_handles_short_files(tmp_path: Path) -> None:
    log = tmp_path / "error.log"
    _write_log(log, 1787306400, 2000)
    window, total, read = read_tail_since(log, None, max_bytes=10_000)
    assert read == 10_000 and total > read
    first = window.decode().splitlines()[0]
    assert first.startswith("2026/")  # partial first line dropped
    everything, _, _ = read_tail_since(log, 0)
    assert everything == log.read_bytes()
    empty = tmp_path / "empty.log"
    empty.write_text("")
    assert read_tail_since(empty, 0) == (b"", 0, 0)
