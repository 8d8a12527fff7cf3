"""`infradoctor diagnose` / `bundle` CLI: --from round trip, exit codes, outputs."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import pytest

from infradoctor.cli.diagnose import load_static_stack, parse_duration
from infradoctor.cli.main import main
from infradoctor.diagnose import collect
from infradoctor.diagnose.engine import analyze
from infradoctor.diagnose.report import render
from tests.diagnose.builders import bundle, container, err

UP = "http://172.18.0.5:8000/api/items"


def problem_bundle() -> Any:
    lines = [
        err(i, i, "connect() failed (111: Connection refused) while connecting to upstream", UP)
        for i in range(1, 4)
    ]
    app = container("shop-app-1", "172.18.0.5", service="app")
    b = bundle(
        error_log=lines,
        containers=[app],
        listening={"shop-app-1": [{"proto": "tcp", "address": "127.0.0.1", "port": 8000}]},
        extra={
            "files/docker-compose.yml": "services:\n  app:\n    image: shop/app:1.4\n"
            "    command: uvicorn main:app --port 8000\n",
            "files/nginx/shop.conf": "server { listen 80; location / { proxy_pass "
            "http://app:8000; } }\n",
        },
    )
    return b


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(argv)
    return code, capsys.readouterr().out


def test_from_round_trip_tar_and_directory(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    b = problem_bundle()
    expected = json.loads(render(analyze(b, load_static_stack(b)), "json"))["diagnoses"]
    assert any(e["text"].startswith("lint XF003") for e in expected[0]["evidence"])
    archive = tmp_path / "evidence.tar.gz"
    b.save(archive)
    directory = tmp_path / "evidence-dir"
    b.save(directory)
    code, out = run(["diagnose", "--from", str(archive), "--format", "json"], capsys)
    assert code == 1
    from_tar = json.loads(out)["diagnoses"]
    code2, out2 = run(["diagnose", "--from", str(directory), "--format", "json"], capsys)
    assert code2 == 1
    assert from_tar == json.loads(out2)["diagnoses"] == expected
    assert from_tar[0]["cause"] == "listening-on-loopback"
    assert from_tar[0]["subject"]["container"] == "shop-app-1"


def test_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    healthy = tmp_path / "healthy.tar.gz"
    bundle(containers=[]).save(healthy)
    assert run(["diagnose", "--from", str(healthy)], capsys)[0] == 0
    assert run(["diagnose", "--from", str(tmp_path / "missing.tar.gz")], capsys)[0] == 2
    junk = tmp_path / "junk.tar.gz"
    junk.write_bytes(b"not a tarball")
    assert run(["diagnose", "--from", str(junk)], capsys)[0] == 2
    empty_dir = tmp_path / "empty"
    empty_dir.mkdir()
    assert run(["diagnose", "--from", str(empty_dir)], capsys)[0] == 2


def test_output_file_and_formats(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    archive = tmp_path / "b.tar.gz"
    problem_bundle().save(archive)
    report = tmp_path / "incident.md"
    code, out = run(
        ["diagnose", "--from", str(archive), "--format", "markdown", "-o", str(report)], capsys
    )
    assert code == 1 and out == ""
    assert report.read_text().startswith("# Incident on web-1:")
    code, out = run(["diagnose", "--from", str(archive)], capsys)
    assert "listening-on-loopback" in out and "\x1b[" not in out


def test_live_diagnose_and_bundle_use_the_collector(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    seen: list[Any] = []

    def fake_collect(opts: collect.CollectOptions) -> Any:
        seen.append(opts)
        return problem_bundle()

    monkeypatch.setattr(collect, "collect_bundle", fake_collect)
    code, out = run(
        [
            "diagnose",
            str(tmp_path),
            "--since",
            "2h",
            "--no-probe",
            "--timeout",
            "3",
            "--error-log",
            "/var/log/nginx/a.log",
            "--error-log",
            "/tmp/b.log",
            "--docker-host",
            "tcp://127.0.0.1:2375",
            "--format",
            "json",
        ],
        capsys,
    )
    assert code == 1 and json.loads(out)["diagnoses"][0]["cause"] == "listening-on-loopback"
    opts = seen[0]
    assert opts.since_seconds == 7200 and opts.probe is False and opts.timeout == 3
    assert opts.error_logs == [Path("/var/log/nginx/a.log"), Path("/tmp/b.log")]
    assert opts.docker_host == "tcp://127.0.0.1:2375" and opts.path == tmp_path
    archive = tmp_path / "out.tar.gz"
    assert main(["bundle", "-o", str(archive), "--no-probe"]) == 0
    assert archive.exists()
    code, out = run(["diagnose", "--from", str(archive), "--format", "json"], capsys)
    assert json.loads(out)["diagnoses"][0]["cause"] == "listening-on-loopback"


def test_parse_duration() -> None:
    assert parse_duration("30m") == 1800
    assert parse_duration("2h") == 7200
    assert parse_duration("90s") == 90 == parse_duration("90")
    assert parse_duration("1d") == 86400
    with pytest.raises(argparse.ArgumentTypeError):
        parse_duration("soon")
