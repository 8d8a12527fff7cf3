"""Malformed evidence never crashes the analysis: odd JSON shapes, binary logs, junk."""

from __future__ import annotations

from typing import Any

import pytest

from infradoctor.diagnose.engine import analyze
from infradoctor.diagnose.report import render
from tests.diagnose.builders import bundle, container, err

JUNK: list[Any] = [
    {},
    [],
    "text",
    42,
    None,
    [1, "a", None],
    {"State": "bad"},
    [{"Name": 5, "State": [], "NetworkSettings": "x", "Config": {"Env": "x"}}],
    [{"mount": None, "total": "big", "avail": -1, "purposes": "nginx-temp"}],
]
MEMBERS = [
    "docker/containers.json",
    "docker/engine.json",
    "host/disk.json",
    "host/largest.json",
    "host/limits.json",
    "probes/http.json",
    "probes/dns.json",
    "nginx/test.json",
    "nginx/process.json",
    "nginx/logs.json",
    "docker/listening/shop-app-1.json",
]


def base() -> Any:
    up = "http://172.18.0.5:8000/"
    return bundle(
        error_log=[
            err(1, 1, "connect() failed (111: Connection refused) while connecting to upstream", up)
        ],
        containers=[container("shop-app-1", "172.18.0.5", service="app")],
    )


@pytest.mark.parametrize("member", MEMBERS)
def test_odd_json_shapes(member: str) -> None:
    for junk in JUNK:
        b = base()
        b.put_json(member, junk)
        result = analyze(b)
        assert not result.analyzer_errors, (member, junk, result.analyzer_errors)
        for fmt in ("text", "json", "markdown"):
            render(result, fmt)


def test_binary_and_broken_text_members() -> None:
    b = base()
    b.put_bytes("nginx/logs/0-error.error.log", b"\xff\xfe\x00garbage\n" * 100)
    b.put_bytes("nginx/config.txt", b"server { listen 80; location / { proxy_pass ")
    b.put_bytes("docker/logs/shop-app-1.log", bytes(range(256)) * 10)
    b.put_bytes("host/oom.txt", b"\x00\x01")
    b.put_bytes("docker/containers.json", b"[{not json")
    result = analyze(b)
    assert not result.analyzer_errors
    render(result, "markdown")


def test_empty_bundle_cannot_run() -> None:
    from infradoctor.diagnose.evidence import Bundle

    result = analyze(Bundle())
    assert result.exit_code == 2 and result.could_not_run


def test_nothing_collected_is_exit_2() -> None:
    b = bundle()
    for c in b.collectors:
        c.status, c.error = "error", "permission denied"
    result = analyze(b)
    assert result.exit_code == 2 and "no collector succeeded" in (result.could_not_run or "")
