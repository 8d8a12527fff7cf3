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


# ------------------------------------------------------------------ `diagnose --from`

D5000 = "9" * 5000  # past Python's 4300-digit int() limit


def _from_dir(tmp_path: Any, b: Any, capsys: pytest.CaptureFixture[str]) -> list[int]:
    """Save `b`, run `diagnose --from` on it in every format; the exit codes."""
    import json

    from infradoctor.cli.main import main

    target = tmp_path / "bundle"
    b.save(target)
    codes = []
    for fmt in ("json", "text", "markdown"):
        codes.append(main(["diagnose", "--from", str(target), "--format", fmt]))
        captured = capsys.readouterr()
        assert "internal error" not in captured.err, captured.err
        if fmt == "json" and codes[-1] != 2:
            assert not json.loads(captured.out)["analyzer_errors"]
    return codes


def _rewrite_manifest(tmp_path: Any, manifest: Any) -> Any:
    import json

    (tmp_path / "bundle" / "manifest.json").write_text(json.dumps(manifest))
    return tmp_path / "bundle"


@pytest.mark.parametrize("manifest", [[], "x", 5, None], ids=["list", "str", "int", "null"])
def test_manifest_that_is_not_an_object(tmp_path, capsys, manifest: Any) -> None:
    from infradoctor.cli.main import main

    base().save(tmp_path / "bundle")
    target = _rewrite_manifest(tmp_path, manifest)
    assert main(["diagnose", "--from", str(target)]) == 2
    err = capsys.readouterr().err
    assert "manifest.json is not a JSON object" in err and "internal error" not in err


@pytest.mark.parametrize(
    "collectors",
    [
        "x",
        [5, "x", None, [1]],
        [{"name": "nginx", "status": "ok", "bogus": 1}],
        [{}],
        [{"name": "nginx", "status": [1], "error": {"a": 1}, "seconds": "x"}],
        [{"name": "docker", "status": "error", "error": 5, "seconds": float("inf")}],
    ],
    ids=["str", "odd-items", "extra-keys", "missing-keys", "wrong-types", "inf"],
)
def test_odd_collector_entries(tmp_path, capsys, collectors: Any) -> None:
    import json

    from infradoctor.cli.main import main

    base().save(tmp_path / "bundle")
    manifest = json.loads((tmp_path / "bundle" / "manifest.json").read_text())
    target = _rewrite_manifest(tmp_path, {**manifest, "collectors": collectors})
    for fmt in ("json", "text", "markdown"):
        assert main(["diagnose", "--from", str(target), "--format", fmt]) in (0, 1, 2)
        assert "internal error" not in capsys.readouterr().err


@pytest.mark.parametrize(
    "meta",
    [
        {"host": [1], "created": {"a": 1}, "since": "x", "utc_offset": "x"},
        {"host": 5, "created": 1e300, "since": [1], "utc_offset": [1], "uid": "root"},
        {"created": D5000, "since": 10**400, "utc_offset": 1e308},
        {"since": -5, "utc_offset": float("-inf"), "tool_version": None},
    ],
    ids=["strings", "lists", "huge", "negative"],
)
def test_odd_metadata(tmp_path, capsys, meta: dict[str, Any]) -> None:
    b = base()
    b.meta.update(meta)
    assert set(_from_dir(tmp_path, b, capsys)) <= {0, 1}


def test_absurd_numbers_in_logs_and_members(tmp_path, capsys) -> None:
    up = "http://172.18.0.5:8000/"
    b = bundle(
        error_log=[
            err(
                1, 1, "connect() failed (111: Connection refused) while connecting to upstream", up
            ),
            f"2026/08/21 10:00:02 [error] {D5000}#1: *{D5000} connect() failed "
            f"({D5000}: Connection refused) while connecting to upstream, client: 1.2.3.4, "
            f'server: x, request: "GET / HTTP/1.1", upstream: "http://1.2.3.4:{D5000}/"',
        ],
        access_log=[
            '{"status": 502, "time": 1e400, "request": "GET /"}',
            '{"status": 502, "time": -1e300, "request": "GET /"}',
            f'{{"status": "{D5000}", "time": 1787306700}}',
            '{"status": ' * 2000,
        ],
        containers=[container("shop-app-1", "172.18.0.5", service="app")],
        limits={"open_files": [{"soft": "1", "open": D5000[:4000]}, {"soft": D5000, "open": 1}]},
    )
    b.put_json(
        "docker/containers.json",
        [
            {
                **container("shop-app-1", "172.18.0.5", service="app"),
                "Config": {"ExposedPorts": {f"{D5000}/tcp": {}}},
            }
        ],
    )
    assert set(_from_dir(tmp_path, b, capsys)) <= {0, 1}


@pytest.mark.parametrize("member", MEMBERS)
def test_deeply_nested_json_members(tmp_path, capsys, member: str) -> None:
    b = base()
    b.put_bytes(member, b"[" * 100_000)
    assert set(_from_dir(tmp_path, b, capsys)) <= {0, 1}
