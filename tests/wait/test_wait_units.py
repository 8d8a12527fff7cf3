"""`wait` pieces that need no server: target parsing, backoff, `--from` discovery from a
compose stack, `--kube` with a fake kubectl, the TTY display and lazy imports."""

from __future__ import annotations

import io
import json
import os
import random
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from infradoctor.cli.main import main
from infradoctor.wait.display import Progress, table
from infradoctor.wait.kube import endpoints_status, workload_status
from infradoctor.wait.runner import WaitOptions, backoff_delay, wait_all
from infradoctor.wait.targets import (
    ProbeResult,
    Target,
    kafka_api_versions_request,
    parse_target,
)
from tests.conftest import write_tree
from tests.wait import servers


def test_parse_targets_and_display_hides_password() -> None:
    t = parse_target("postgresql://app:s3cr%40t@db.local/app?sslmode=disable")
    assert (t.scheme, t.host, t.port, t.user, t.password) == (
        "postgres",
        "db.local",
        5432,
        "app",
        "s3cr@t",
    )
    assert "s3cr" not in t.display and t.display == "postgres://app:***@db.local:5432/app"
    assert parse_target("redis://localhost").port == 6379
    assert parse_target("kafka://[::1]:19092").display == "kafka://[::1]:19092"
    assert parse_target("schema-registry+http://sr:8081").port == 8081


def test_backoff_grows_caps_and_jitters() -> None:
    opts = WaitOptions(interval=0.5, max_interval=4)
    rng = random.Random(1)
    delays = [backoff_delay(n, opts, rng) for n in range(1, 8)]
    assert 0.25 <= delays[0] <= 0.5 and 0.5 <= delays[1] <= 1.0
    assert all(2.0 <= d <= 4.0 for d in delays[4:])
    assert len({round(d, 6) for d in delays}) == len(delays)


def test_per_target_timeout_and_once() -> None:
    calls = {"n": 0}

    def never(t: Target, timeout: float) -> ProbeResult:
        calls["n"] += 1
        return ProbeResult(False, "nope")

    def ok(t: Target, timeout: float) -> ProbeResult:
        return ProbeResult(True, "yes")

    a = Target("a", "tcp", "a", 1, probe_fn=never)
    b = Target("b", "tcp", "b", 1, probe_fn=ok)
    states = wait_all([a, b], WaitOptions(timeout=5, target_timeout=0.5, interval=0.05))
    assert [s.state for s in states] == ["timed out", "ready"]
    assert states[0].elapsed() < 1.5 and states[0].attempts >= 2
    calls["n"] = 0
    states = wait_all([a], WaitOptions(timeout=5), once=True)
    assert calls["n"] == 1 and states[0].state == "timed out"


def test_kafka_request_bytes() -> None:
    req = kafka_api_versions_request(7, "x")
    assert req == bytes.fromhex("0000000b00120000000000070001") + b"x"


def test_from_stack_targets(tmp_path: Path, capsys) -> None:
    """Postgres credentials from the service environment; HTTP health URL mapped to the
    published port; services without published ports are skipped with a note."""
    http = servers.start_http()
    hport = http.server_address[1]
    kport, kafka = servers.start_fake_kafka()
    closed = servers.free_port()
    try:
        root = write_tree(
            tmp_path / "stack",
            {
                "compose.yaml": f"""
services:
  db:
    image: postgres:16
    environment:
      POSTGRES_USER: app
      POSTGRES_PASSWORD: pw
      POSTGRES_DB: app
    ports: ["127.0.0.1:{closed}:5432"]
  broker:
    image: bitnami/kafka:3.7
    ports: ["{kport}:9092", "9999:9999"]
  api:
    image: example/api:1.0
    ports: ["{hport}:8000"]
    healthcheck:
      test: ["CMD", "curl", "-fsS", "http://localhost:8000/healthz"]
  worker:
    image: example/worker:1.0
    healthcheck:
      test: ["CMD", "true"]
""",
            },
        )
        code = main(["wait", "--from", str(root), "--timeout", "1.5", "--format", "json"])
        out = capsys.readouterr()
        report = json.loads(out.out)
        by = {t["target"].split(" ")[0]: t for t in report["targets"]}
        assert set(by) == {"db", "broker", "api"}
        assert by["db"]["target"] == f"db (postgres://app:***@127.0.0.1:{closed}/app)"
        assert not by["db"]["ready"] and by["db"]["message"] == "connection refused"
        assert by["broker"]["ready"] and by["broker"]["scheme"] == "kafka"
        assert by["api"]["ready"] and by["api"]["target"].endswith(f":{hport}/healthz)")
        assert "skipping service worker: no published TCP port" in out.err
        assert code == 1
    finally:
        http.shutdown()
        kafka.shutdown()


def _fake_kubectl(tmp_path: Path, objects: dict[str, dict]) -> Path:
    """A kubectl that answers `get` from a JSON file (no cluster)."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    (tmp_path / "objects.json").write_text(json.dumps(objects))
    script = bindir / "kubectl"
    script.write_text(
        f"""#!{sys.executable}
import json, sys
objs = json.load(open({str(tmp_path / "objects.json")!r}))
args = [a for a in sys.argv[1:] if not a.startswith("-")]
argv = sys.argv[1:]
if argv[:1] == ["--context"]:
    argv = argv[2:]
key = " ".join(argv[1:3]) if len(argv) > 2 and not argv[2].startswith("-") else argv[1]
if key not in objs:
    print('Error from server (NotFound): ' + key + ' not found', file=sys.stderr)
    sys.exit(1)
print(json.dumps(objs[key]))
"""
    )
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return bindir


def test_kube_rollout_and_endpoints(tmp_path: Path, monkeypatch, capsys) -> None:
    deploy_ready = {
        "kind": "Deployment",
        "metadata": {"name": "api", "namespace": "dev-infra", "generation": 2},
        "spec": {"replicas": 2, "selector": {}},
        "status": {
            "observedGeneration": 2,
            "replicas": 2,
            "updatedReplicas": 2,
            "availableReplicas": 2,
            "readyReplicas": 2,
        },
    }
    sts = {
        "kind": "StatefulSet",
        "metadata": {"name": "pg", "namespace": "dev-infra", "generation": 1},
        "spec": {"replicas": 1},
        "status": {"observedGeneration": 1, "replicas": 1, "readyReplicas": 0},
    }
    svc = {
        "kind": "Service",
        "metadata": {"name": "api", "namespace": "dev-infra"},
        "spec": {"selector": {"app": "api"}},
    }
    headless_ext = {"kind": "Service", "metadata": {"name": "ext"}, "spec": {}}
    endpoints = {"subsets": [{"addresses": [{"ip": "10.0.0.1"}]}]}
    objects = {
        "deployments,statefulsets,services": {"items": [deploy_ready, sts, svc, headless_ext]},
        "deployment api": deploy_ready,
        "statefulset pg": sts,
        "endpoints api": endpoints,
    }
    bindir = _fake_kubectl(tmp_path, objects)
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{os.environ['PATH']}")
    code = main(["wait", "--kube", "-n", "dev-infra", "--timeout", "1", "--format", "json"])
    report = json.loads(capsys.readouterr().out)
    states = {t["target"]: (t["ready"], t["message"]) for t in report["targets"]}
    assert states == {
        "kube://deployment/api?namespace=dev-infra": (True, "rolled out (2/2 available)"),
        "kube://statefulset/pg?namespace=dev-infra": (False, "0/1 replicas ready"),
        "kube://service/api?namespace=dev-infra": (True, "1 ready endpoint"),
    }
    assert code == 1


def test_kube_status_rules() -> None:
    base = {"metadata": {"generation": 3}, "spec": {"replicas": 3}}
    assert not workload_status("deployment", {**base, "status": {"observedGeneration": 2}}).ok
    rolling = {"observedGeneration": 3, "replicas": 4, "updatedReplicas": 3, "availableReplicas": 3}
    res = workload_status("deployment", {**base, "status": rolling})
    assert not res.ok and "old replicas" in res.message
    assert endpoints_status({"subsets": [{"notReadyAddresses": [{}]}]}).message.startswith(
        "0 ready endpoints"
    )
    assert not endpoints_status({}).ok


def test_tty_progress_redraws_in_place() -> None:
    stream = io.StringIO()
    t = parse_target("tcp://127.0.0.1:1")
    states = wait_all([t], WaitOptions(timeout=0.3, interval=0.05))
    p = Progress(stream, True, 1, len(t.display))
    p(states)
    p.redraw()
    p.redraw()
    text = stream.getvalue()
    assert text.count("\x1b[2K") == 2 and "\x1b[F" in text and "timed out" in text
    assert "ATTEMPTS" in table(states)


def test_version_and_registration_import_no_probe_modules() -> None:
    code = (
        "import sys, argparse\n"
        "from infradoctor.cli.main import main, build_parser\n"
        "assert main(['--version']) == 0\n"
        "build_parser()\n"
        "bad = sorted(m for m in sys.modules if m.startswith(('infradoctor.wait', "
        "'infradoctor.smoke', 'infradoctor.scaffold', 'http.client', 'ssl', 'hashlib')))\n"
        "print(bad)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "[]"


@pytest.mark.parametrize("flag", ["--help"])
def test_help(flag: str, capsys) -> None:
    assert main(["wait", flag]) == 0
    assert "kafka://" in capsys.readouterr().out


def test_garbled_answer_is_not_ready() -> None:
    def boom(t: Target, timeout: float) -> ProbeResult:
        raise KeyError("r")

    res = Target("x", "tcp", "x", 1, probe_fn=boom).probe(1)
    assert not res.ok and res.message.startswith("unexpected answer (KeyError")
