"""The chunked log scans (errorlog/accesslog summarize, summarize_file) against the plain
per-line reference (parse_line + add, line by line) on generated mixed logs full of odd
lines, on every CASES message of test_errorlog, and on the committed real bundles: the
summaries must be equal field by field, including the order of every dict and list."""

from __future__ import annotations

import dataclasses
import random
from pathlib import Path
from typing import Any

import pytest

from infradoctor.diagnose import accesslog, errorlog
from infradoctor.diagnose.evidence import Bundle
from tests.diagnose.test_errorlog import CASES
from tests.diagnose.test_errorlog import line as case_line

DATA = Path(__file__).parent / "data" / "live"


def snapshot(value: Any) -> Any:
    """Plain nested data with dict/Counter order kept (== on dicts ignores order)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return [(f.name, snapshot(getattr(value, f.name))) for f in dataclasses.fields(value)]
    if isinstance(value, dict):
        return ("dict", [(snapshot(k), snapshot(v)) for k, v in value.items()])
    if isinstance(value, (list, tuple)):
        return [snapshot(v) for v in value]
    if isinstance(value, set):
        return ("set", sorted(value, key=repr))
    return value


ERROR_MESSAGES = [
    ("error", "connect() failed (111: Connection refused) while connecting to upstream"),
    ("error", "connect() failed (111: Connection refused) while connecting to upstream"),
    (
        "error",
        "upstream timed out (110: Connection timed out) while reading response header "
        "from upstream",
    ),
    ("error", "upstream prematurely closed connection while reading response header from upstream"),
    ("error", "recv() failed (104: Connection reset by peer) while reading upstream"),
    ("error", "no live upstreams while connecting to upstream"),
    (
        "error",
        "connect() to unix:/run/app.sock failed (2: No such file or directory) while "
        "connecting to upstream",
    ),
    (
        "error",
        "connect() to unix:/run/app.sock failed (11: Resource temporarily unavailable)"
        " while connecting to upstream",
    ),
    (
        "crit",
        'pwritev() "/var/cache/nginx/proxy_temp/4/27/0000012274" failed (28: No space '
        "left on device) while reading upstream",
    ),
    ("crit", 'open() "/var/lib/nginx/body/0000000001" failed (28: No space left on device)'),
    (
        "warn",
        "an upstream response is buffered to a temporary file "
        "/var/cache/nginx/proxy_temp/7/01/0000000717 while reading upstream",
    ),
    ("info", "client prematurely closed connection while reading upstream"),
    ("error", 'limiting requests, excess: 20.340 by zone "api"'),
    ("warn", "upstream server temporarily disabled while connecting to upstream"),
    ("error", "app could not be resolved (3: Host not found), resolver: 127.0.0.11:53"),
    ("error", "api.internal could not be resolved (110: Operation timed out)"),
    ("emerg", 'host not found in upstream "backend:8000" in /etc/nginx/conf.d/a.conf:3'),
    ("alert", "socket() failed (24: Too many open files) while connecting to upstream"),
    ("error", "upstream sent too big header while reading response header from upstream"),
    (
        "error",
        "SSL_do_handshake() failed (SSL: error:0A00010B:SSL routines::wrong version "
        "number) while SSL handshaking to upstream",
    ),
    ("error", 'client sent invalid header line, client: fake, upstream: "x"'),  # 2 clients
    ("error", "a message with, commas, and no context"),
]
UPSTREAMS = [
    "http://172.18.0.5:8000/api/items?x=1",
    "http://172.18.0.6:8000/",
    "http://172.18.0.6:8000",
    "https://[fd00::5]:8443/v1",
    "http://unix:/run/app.sock:/path/unix:x",
    "fastcgi://unix:/run/php/php-fpm.sock:",
    "http://app_backend/api",
    "http://backend/",
    "grpc://10.0.0.7:50051",
    "",
    "HTTP://Mixed.Case:80/x",
    "no-scheme-at-all",
]
ODD_LINES = [
    "",
    "garbage line",
    "nginx: [warn] conflicting server name",
    "PHP message: PHP Fatal error:  Uncaught Error, client: 1.2.3.4",
    "2026/13/21 10:00:01 [error] 1#1: *5 connect() failed (111: Connection refused)",
    "2026/08/21 10:00:01 [err-or] 1#1: *5 bad level",
    "2026/08/21 10:00:01 [error] 1#1: *5 ",
    "2026/08/21 10:00:01 [error] 1#1: no conn, client: 1.1.1.1, server: s",
    '2026/08/21 10:00:01 [error] 1#1: *6 x, client: a, server: b, request: "GET /?upstream: '
    '\\"http://9.9.9.9:1/\\" HTTP/1.1", upstream: "http://1.2.3.4:80/"',
    "2026/08/21 10:00:01 [error] 1#1: *7 connect() failed (111: Connection refused) while "
    'connecting to upstream, client: a, server: b, upstream: "http://1.2.3.4:80/no-close',
    "2026/08/21 10:00:0١ [error] 1#1: *8 arabic digit in the stamp",
    "2026/08/21 10:00:01 [error] ١#1: *٩ connect() failed (111: Connection refused) while "
    'connecting to upstream, client: a, server: b, upstream: "http://1.2.3.4:80/"',
    "2026/08/21 10:00:01 [error] 1#1: *9 запрос к upstream, client: а, server: б, upstream:"
    ' "http://10.0.0.1:80/путь"',
]


def error_log(
    lines: int, seed: int = 7, odd: float = 0.05, breaks: bool = False, retries: bool = True
) -> str:
    rnd = random.Random(seed)
    t = 1787306400
    conn = 100
    out: list[str] = []
    for _ in range(lines):
        t += rnd.random() < 0.2
        if rnd.random() < 0.02:
            t -= rnd.randint(0, 3)  # workers write slightly out of order
        conn += rnd.choice((0, 0, 1, 1, 2, 50) if retries else (1, 3))  # retries: same id
        stamp = f"2026/08/21 {(t // 3600) % 24:02d}:{(t // 60) % 60:02d}:{t % 60:02d}"
        roll = rnd.random()
        if roll < odd:
            text = rnd.choice(ODD_LINES)
        elif roll < odd + 0.03:
            text = f"{stamp} [notice] 1#1: signal process started"
        else:
            level, message = rnd.choice(ERROR_MESSAGES)
            up = rnd.choice(UPSTREAMS)
            ctx = f", client: 203.0.113.{rnd.randint(1, 254)}, server: shop.example.com"
            ctx += f', request: "GET /p{rnd.randint(1, 9)} HTTP/1.1"'
            if up or rnd.random() < 0.5:
                ctx += f', upstream: "{up}"'
            ctx += ', host: "shop.example.com"'
            if rnd.random() < 0.1:
                ctx += ', referrer: "https://x/?a=upstream: \\"http://6.6.6.6:1/\\""'
            conn_part = f"*{conn} " if rnd.random() < 0.95 else ""
            text = f"{stamp} [{level}] {rnd.randint(20, 22)}#{rnd.randint(20, 22)}: "
            text += f"{conn_part}{message}" + (ctx if rnd.random() < 0.9 else "")
        out.append(text)
        if breaks:
            out.append(rnd.choice(["\n", "\n", "\n", "\r\n", "\r", "\x0b", "\x85", "\u2028"]))
        else:
            out.append("\n")
    if rnd.random() < 0.5 and out:
        out.pop()  # no final newline
    return "".join(out)


def case_log() -> str:
    return "\n".join(
        case_line(level, message, up, conn=conn)
        for conn, (_id, level, message, up, *_rest) in enumerate(CASES * 3)
    )


def error_file_reference(path: Path, utc_offset: float, since: float | None) -> Any:
    """What summarize_file did before it was chunked: text mode, line by line."""
    summary = errorlog.ErrorLogSummary()
    with open(path, encoding="utf-8", errors="replace") as fh:
        for lineno, raw in enumerate(fh, 1):
            summary.lines_total += 1
            line = errorlog.parse_line(raw, str(path), lineno, utc_offset, full=False)
            if line is None or (since is not None and line.ts is not None and line.ts < since):
                continue
            summary.add(line)
    return summary


@pytest.fixture
def small_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tiny pieces and request-group caps so boundaries and overflow paths all run."""
    monkeypatch.setattr(errorlog, "PIECE_CHARS", 4096)
    monkeypatch.setattr(errorlog, "MAX_REQUEST_GROUPS", 150)
    monkeypatch.setattr(errorlog, "MAX_PEER_LINES", 6)
    monkeypatch.setattr(errorlog, "MAX_OTHER_FAILURES", 9)
    monkeypatch.setattr(errorlog, "RECENT_REQUESTS", 5)


@pytest.mark.parametrize("breaks", [False, True])
@pytest.mark.parametrize("small", [False, True])
def test_error_summarize_matches_per_line(
    breaks: bool, small: bool, request: pytest.FixtureRequest
) -> None:
    if small:
        request.getfixturevalue("small_limits")
    texts = [("a.error.log", error_log(3000, seed=1, breaks=breaks)), ("b", case_log())]
    texts.append(("c", error_log(2000, seed=2, odd=0.0)))
    for offset, since in [(0.0, None), (10800.0, None), (0.0, 1787306400 + 150.0)]:
        fast = errorlog.summarize(texts, offset, since)
        slow = errorlog.summarize_per_line(texts, offset, since)
        assert snapshot(fast) == snapshot(slow)
    assert fast.failures > 1000 and len(fast.peers) > 5


@pytest.mark.parametrize("small", [False, True])
def test_error_summarize_file_matches_text_mode_reading(
    tmp_path: Path, small: bool, request: pytest.FixtureRequest
) -> None:
    if small:
        request.getfixturevalue("small_limits")
    path = tmp_path / "error.log"
    raw = error_log(4000, seed=3, breaks=True).encode() + b"\xff\xfe broken utf-8\r\n"
    path.write_bytes(raw)
    for offset, since in [(0.0, None), (-3600.0, 1787306400 + 3600 + 100.0)]:
        fast = errorlog.summarize_file(path, None, offset, since)
        assert snapshot(fast) == snapshot(error_file_reference(path, offset, since))


@pytest.mark.parametrize("retries", [False, True])
def test_request_overflow_counts_like_the_reference(small_limits: None, retries: bool) -> None:
    texts = [("e", error_log(6000, seed=5, odd=0.0, retries=retries))]
    texts.append(("f", error_log(3000, seed=6, odd=0.0, retries=retries)))
    fast = errorlog.summarize(texts)
    assert fast.requests_overflow > 0 and len(fast.requests) == errorlog.MAX_REQUEST_GROUPS
    assert snapshot(fast) == snapshot(errorlog.summarize_per_line(texts))


ACCESS_LINES = [
    '203.0.113.{n} - - [{t}] "GET /api/x HTTP/1.1" {s} 512 "-" "curl/8"',
    '203.0.113.{n} - - [{t}] "GET /a HTTP/1.1" {s} 0 "https://x/" "Mozilla/5.0" "10.0.0.1"',
    '203.0.113.{n} - u [{t}] "POST /api HTTP/1.1" {s} 12 "-" "ua" upstream_addr=172.18.0.5:8000'
    " upstream_status={s} rt=0.{n}",
    '203.0.113.{n} - - [{t}] "GET / HTTP/1.1" {s} - "-" "ua" ua="172.18.0.6:8000" us="{s}"',
    '203.0.113.{n} - - [{t}] "GET / HTTP/1.1" {s} 5 "-" "ua" 172.18.0.7:8000, 172.18.0.8:8000'
    " 502, {s} 0.5",
    '203.0.113.{n} - - [{t}] "GET /\\"q\\" HTTP/1.1" {s} 5 "ref=ua=1" "ua" '
    "unix:/run/app.sock : 10.0.0.9:80 502 : {s}",
    '{{"time_iso8601":"2026-08-21T10:0{m}:00+00:00","status":"{s}","upstream_addr":'
    '"172.18.0.9:8000","request":"GET / HTTP/1.1"}}',
    '{{"time_local":"{t}","status":{s}}}',
    "garbage",
    "",
    '203.0.113.1 - - [{t}] "GET / HTTP/1.1" ٥٠٢ 5 "-" "ua" upstream_addr=1.1.1.1:1',
    '203.0.113.1 - - [31/Foo/2026:10:00:00 +0000] "GET / HTTP/1.1" 503 5 "-" "-"',
    '203.0.113.1 - - [{t}] "GET /unterminated HTTP/1.1 200 5',
]


def access_log(lines: int, seed: int = 3, json: bool = True, breaks: bool = False) -> str:
    rnd = random.Random(seed)
    out: list[str] = []
    t = 1787306400
    choices = ACCESS_LINES if json else [x for x in ACCESS_LINES if not x.startswith("{")]
    for n in range(lines):
        t += rnd.random() < 0.3
        stamp = f"21/Aug/2026:{(t // 3600) % 24:02d}:{(t // 60) % 60:02d}:{t % 60:02d} +0000"
        status = rnd.choice([200, 200, 200, 304, 404, 499, 500, 502, 502, 503, 504, 600])
        pattern = rnd.choice(choices[:6]) if rnd.random() < 0.9 else rnd.choice(choices)
        out.append(pattern.format(n=n % 250, t=stamp, s=status, m=(t // 60) % 10))
        out.append(rnd.choice(["\n", "\r\n", "\x0c"]) if breaks else "\n")
    return "".join(out)


@pytest.mark.parametrize("json", [False, True])
@pytest.mark.parametrize("small", [False, True])
def test_access_summarize_matches_per_line(
    json: bool, small: bool, request: pytest.FixtureRequest
) -> None:
    if small:
        request.getfixturevalue("small_limits")
    texts = [("a.access.log", access_log(4000, json=json, breaks=small)), ("b", "")]
    texts.append(("c", access_log(500, seed=9, json=False)))
    for since in (None, 1787306400 + 300.0):
        fast = accesslog.summarize(texts, since)
        assert snapshot(fast) == snapshot(accesslog.summarize_per_line(texts, since))
    assert fast.count(502) > 100 and fast.has_upstream_fields


def test_access_summarize_file_matches_text_mode_reading(tmp_path: Path) -> None:
    path = tmp_path / "access.log"
    path.write_bytes(access_log(3000, json=False, breaks=True).encode() + b"\xc3(\n")
    reference = accesslog.AccessSummary()
    with open(path, encoding="utf-8", errors="replace") as fh:
        for lineno, raw in enumerate(fh, 1):
            reference.lines_total += 1
            line = accesslog.parse_line(raw, lineno, full=False)
            if line is not None:
                reference.add(str(path), line)
    assert snapshot(accesslog.summarize_file(path)) == snapshot(reference)


@pytest.mark.parametrize("bundle", sorted(p.name for p in DATA.glob("*.tar.gz")))
def test_real_bundle_logs_scan_like_the_reference(bundle: str) -> None:
    loaded = Bundle.load(DATA / bundle)
    members = [p for p in loaded.glob("nginx/logs/*")]
    texts = [(p, loaded.read_text(p) or "") for p in members]
    errors = [t for t in texts if "error" in t[0]]
    access = [t for t in texts if "error" not in t[0]]
    assert snapshot(errorlog.summarize(errors)) == snapshot(errorlog.summarize_per_line(errors))
    assert snapshot(accesslog.summarize(access)) == snapshot(accesslog.summarize_per_line(access))


def test_worker_processes_give_the_same_summaries(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, small_limits: None
) -> None:
    """Large windows are scanned by two forked workers; forced here on small input."""
    monkeypatch.setattr(errorlog, "PARALLEL_MIN_CHARS", 1)
    monkeypatch.setattr(errorlog, "PIECE_CHARS", 64 * 1024)
    texts = [("a", error_log(6000, seed=11, breaks=True)), ("b", case_log())]
    texts.append(("c", error_log(3000, seed=12, retries=False)))
    assert errorlog.use_workers(texts) == (len(__import__("os").sched_getaffinity(0)) > 1)
    for since in (None, 1787306400 + 200.0):
        fast = errorlog.summarize(texts, 0.0, since)
        assert snapshot(fast) == snapshot(errorlog.summarize_per_line(texts, 0.0, since))
    path = tmp_path / "error.log"
    path.write_text(texts[0][1] + "\n" + texts[2][1], newline="")
    assert snapshot(errorlog.summarize_file(path)) == snapshot(
        error_file_reference(path, 0.0, None)
    )
    access = [("x", access_log(6000, json=False)), ("y", access_log(2000, seed=4))]
    assert snapshot(accesslog.summarize(access)) == snapshot(accesslog.summarize_per_line(access))
    apath = tmp_path / "access.log"
    apath.write_text(access[0][1], newline="")
    assert snapshot(accesslog.summarize_file(apath)) == snapshot(
        accesslog.summarize_per_line([(str(apath), access[0][1])])
    )
