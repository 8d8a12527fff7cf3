"""`infradoctor diagnose` on Kubernetes: every scenario recording (tests/diagnose/data/kube/,
written by make_recordings.py after the API reference) names the right cause and subject
in text, JSON and Markdown; live mode through a stand-in kubectl gives the same diagnoses
as the recording, via `bundle --kube` and `diagnose --from`; the two real Replicated
troubleshoot bundles in ../shared/k8s-recordings are diagnosed as what they really show."""

from __future__ import annotations

import io
import json
import os
import tarfile
from collections.abc import Iterator
from importlib.resources import files
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from infradoctor.cli.main import main

from .kube_fake import env_for, install

DATA = Path(__file__).parent / "data" / "kube"
SCENARIOS = sorted(p.name for p in DATA.iterdir() if (p / "expected.json").is_file())
REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared" / "k8s-recordings" / "troubleshoot"
READ_ONLY = {"get", "logs", "version", "config"}
# keys of the JSON report that depend on when and where it ran, not on the evidence
VOLATILE = ("created", "host", "collectors", "not_collected", "version")


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(argv)
    return code, capsys.readouterr().out


def report(source: Path, fmt: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    return run(["diagnose", "--from", str(source), "--format", fmt], capsys)


def schema() -> dict[str, Any]:
    return json.loads(files("infradoctor.diagnose").joinpath("schema.json").read_text())


def stable(doc: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in doc.items() if k not in VOLATILE}


@pytest.fixture
def fake_kubectl(tmp_path: Path) -> Iterator[Any]:
    bin_dir = tmp_path / "bin"
    install(bin_dir)
    argv_log = tmp_path / "kubectl-argv.jsonl"
    saved = dict(os.environ)

    def use(recording: Path, **extra: str) -> Path:
        os.environ.update(env_for(bin_dir, recording, argv_log))
        os.environ.update(extra)
        return argv_log

    yield use
    os.environ.clear()
    os.environ.update(saved)


def calls(argv_log: Path) -> list[list[str]]:
    return [json.loads(line) for line in argv_log.read_text().splitlines()]


def test_every_cause_has_a_scenario() -> None:
    wanted = {
        "crashloop",
        "oom-killed",
        "image-pull-failed",
        "config-error",
        "readiness-failing",
        "no-ready-endpoints",
        "unschedulable",
        "node-pressure",
        "rollout-stuck",
        "upstream-timeout",
        "upstream-refused",
        "healthy",
    }
    assert wanted <= set(SCENARIOS)


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_scenario_names_cause_and_subject(
    scenario: str, capsys: pytest.CaptureFixture[str]
) -> None:
    expected = json.loads((DATA / scenario / "expected.json").read_text())
    code, out = report(DATA / scenario, "json", capsys)
    doc = json.loads(out)
    jsonschema.validate(doc, schema())
    assert doc["error"] is None and doc["analyzer_errors"] == []
    if expected["cause"] is None:
        assert code == 0, doc["diagnoses"]
        assert doc["status"] == "healthy"
        assert not [d for d in doc["diagnoses"] if d["severity"] == "error"]
        return
    assert code == 1
    top = doc["diagnoses"][0]
    assert top["cause"] == expected["cause"], [d["cause"] for d in doc["diagnoses"]]
    assert top["severity"] == expected["severity"]
    for key in ("workload", "node", "service", "kind"):
        if key in expected:
            assert top["subject"].get(key) == expected[key], top["subject"]
    text = json.dumps(top)
    for needle in expected.get("evidence", []):
        assert needle in "\n".join(e["text"] for e in top["evidence"]), (needle, top["evidence"])
    for needle in expected.get("plan", []):
        assert any(needle in step for step in top["plan"]), top["plan"]
    for needle in expected.get("summary", []):
        assert needle in top["summary"], top["summary"]
    for cause in expected.get("absorbed", []):
        assert cause in top["absorbed"], top["absorbed"]
    if "second" in expected:
        second = doc["diagnoses"][1]
        assert second["cause"] == expected["second"]["cause"]
        assert second["subject"]["workload"] == expected["second"]["workload"]
        assert "Consequence of" in second["summary"]
    # commands a user can paste, one per plan step, read-only ones first
    assert top["plan"] and top["verify"]
    assert top["plan"][0].startswith("kubectl ")
    assert len(top["plan"]) == len(set(top["plan"]))
    assert "<service_name>" not in text and "<host>" not in text

    # text and Markdown say the same
    who = expected.get("workload") or expected.get("node") or expected.get("service")
    _, txt = report(DATA / scenario, "text", capsys)
    first = txt.split("\n\n")[1]
    assert f"1. {expected['cause']} ({expected['severity']}" in first
    assert who in first
    _, md = report(DATA / scenario, "markdown", capsys)
    title = md.splitlines()[0]
    assert top["title"] in title and who in title
    assert f"`{expected['cause']}`" in md
    for line in md.splitlines():
        if line[:3].rstrip(".").isdigit() and "`" in line:  # a plan step: one command per span
            assert line.count("`") == 2, line


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_live_bundle_roundtrip_matches_recording(
    scenario: str, tmp_path: Path, fake_kubectl: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    recording = DATA / scenario
    argv_log = fake_kubectl(recording)
    archive = tmp_path / "evidence.tar.gz"
    code, _ = run(["bundle", "--kube", "--context", "recorded", "-o", str(archive)], capsys)
    assert code == 0
    _, from_recording = report(recording, "json", capsys)
    code_bundle, from_bundle = report(archive, "json", capsys)
    assert stable(json.loads(from_bundle)) == stable(json.loads(from_recording))
    assert code_bundle == json.loads(from_recording)["exit_code"]
    if scenario in ("crashloop", "healthy", "upstream-timeout"):  # live diagnose, no bundle
        code_live, live = run(
            ["diagnose", "--kube", "--context", "recorded", "--format", "json"], capsys
        )
        assert stable(json.loads(live)) == stable(json.loads(from_recording))
        assert code_live == code_bundle
    seen = calls(argv_log)
    assert seen
    for argv in seen:
        verb = next(a for a in argv if not a.startswith("-"))
        assert verb in READ_ONLY, argv
        assert "--context=recorded" in argv, argv
        if verb != "config":
            assert any(a.startswith("--request-timeout=") for a in argv), argv
    assert any("--previous" in argv for argv in seen) or scenario in (
        "healthy",
        "no-ready-endpoints",
        "upstream-timeout",
        "upstream-refused",
        "rollout-stuck",
        "unschedulable",
        "node-pressure",
        "image-pull-failed",
        "config-error",
        "readiness-failing",
    )


def test_recording_script_output_is_read_like_the_recording(
    tmp_path: Path, fake_kubectl: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    """scripts/record-k8s.sh (the docs' recording script) against the stand-in kubectl."""
    import subprocess

    argv_log = fake_kubectl(DATA / "crashloop")
    out_dir = tmp_path / "rec"
    script = REPO / "scripts" / "record-k8s.sh"
    subprocess.run(["sh", str(script), str(out_dir), "--context", "recorded"], check=True)
    assert (out_dir / "pods.json").is_file()
    assert (out_dir / "logs/shop/api-7c9f6b8d4-8m2xv/app.previous.log").is_file()
    _, a = report(out_dir, "json", capsys)
    _, b = report(DATA / "crashloop", "json", capsys)
    assert stable(json.loads(a))["diagnoses"] == stable(json.loads(b))["diagnoses"]
    for argv in calls(argv_log):
        assert next(x for x in argv if not x.startswith("-") and x != "recorded") in READ_ONLY


def test_live_namespace_scope_keeps_the_ingress_controller(
    fake_kubectl: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    argv_log = fake_kubectl(DATA / "crashloop")
    code, out = run(["diagnose", "--kube", "--namespace", "shop", "--format", "json"], capsys)
    doc = json.loads(out)
    assert code == 1
    top = doc["diagnoses"][0]
    assert (top["cause"], top["subject"]["workload"]) == ("container-crashloop", "shop/api")
    assert "upstream-refused" in top["absorbed"]  # joined through the controller's log
    gets = [a for a in calls(argv_log) if "get" in a]
    assert all("-n" in a or "-A" in a for a in gets)
    assert any("-l" in a for a in gets)


def test_live_cluster_unreachable_is_exit_2_with_advice(
    fake_kubectl: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    fake_kubectl(DATA / "healthy", FAKE_KUBECTL_DOWN="1")
    code, out = run(["diagnose", "--kube", "--format", "json"], capsys)
    doc = json.loads(out)
    assert code == 2
    assert doc["status"] == "cannot-run"
    assert "cannot reach the API server" in json.dumps(doc["collectors"])


def test_kubectl_missing_is_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    code, out = run(["diagnose", "--kube"], capsys)
    assert code == 2
    assert "kubectl not found on PATH" in out


def test_secrets_never_reach_bundle_or_report(
    tmp_path: Path, fake_kubectl: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    recording = DATA / "crashloop"
    raw = "".join(p.read_text() for p in recording.rglob("*") if p.is_file())
    secrets = ("hunter2-db-pass", "s3cr3t-session-key-do-not-leak", "tok-9f8e7d6c5b4a3921")
    assert all(s in raw for s in secrets)  # the recording does carry them
    fake_kubectl(recording)
    archive = tmp_path / "evidence.tar.gz"
    assert run(["bundle", "--kube", "-o", str(archive)], capsys)[0] == 0
    with tarfile.open(archive) as tar:
        blob = b"".join(
            (tar.extractfile(m) or io.BytesIO()).read() for m in tar.getmembers() if m.isfile()
        )
    assert not any(s.encode() in blob for s in secrets)
    assert b"last-applied-configuration" not in blob and b"managedFields" not in blob
    for fmt in ("text", "json", "markdown"):
        _, out = report(recording, fmt, capsys)
        assert not any(s in out for s in secrets)


# ------------------------------------------------------------------ real bundles


def real_bundle(name: str) -> Path:
    path = SHARED / name
    # CI has ../shared beside the repository: a missing recording is a failure, not a skip
    assert path.is_file(), f"missing real recording {path}"
    return path


def test_real_support_bundle(capsys: pytest.CaptureFixture[str]) -> None:
    """k3d cluster, collected 2022-12-21 16:44: every pod Running and Ready now, but with
    many restarts. local-path-provisioner (189) and metrics-server (182) crashed for real
    (exit 1 / 2) because they could not reach the API server 10.43.0.1:443 after node
    restarts; nginx-deployment (25 restarts), coredns, traefik and svclb all last exited
    with reason Unknown / exit 255 at one moment, 09:42:35: the node restarted, not the apps."""
    code, out = report(real_bundle("support-bundle.tar.gz"), "json", capsys)
    doc = json.loads(out)
    jsonschema.validate(doc, schema())
    assert code == 1
    top = doc["diagnoses"][0]
    assert top["cause"] == "container-crashloop"
    assert top["severity"] == "warning"  # recovered 7 h before the recording
    assert top["subject"]["workload"] == "kube-system/local-path-provisioner"
    assert top["subject"]["kind"] == "Deployment"
    assert "restarted 189 times" in top["summary"]
    assert "10.43.0.1:443 is Service default/kubernetes" in top["summary"]
    assert any("level=fatal" in e["text"] for e in top["evidence"])
    assert not [d for d in doc["diagnoses"] if d["severity"] == "error"]
    nginx = [
        d for d in doc["diagnoses"] if d["subject"].get("workload") == "default/nginx-deployment"
    ]
    assert len(nginx) == 1 and nginx[0]["severity"] == "info"
    assert "restarted 25 times" in nginx[0]["summary"] and "node" in nginx[0]["summary"]
    metrics = [
        d for d in doc["diagnoses"] if d["subject"].get("workload") == "kube-system/metrics-server"
    ]
    assert metrics and "panic: unable to load configmap" in metrics[0]["summary"]


def test_real_baseline_bundle(capsys: pytest.CaptureFixture[str]) -> None:
    """k3s, collected at start-up: metrics-server's readiness probe failed 11 times with
    statuscode 500 in its first 15 s, and it is Ready now."""
    code, out = report(real_bundle("baseline.tar.gz"), "json", capsys)
    doc = json.loads(out)
    jsonschema.validate(doc, schema())
    top = doc["diagnoses"][0]
    assert top["cause"] == "readiness-failing"
    assert top["subject"]["workload"] == "kube-system/metrics-server"
    assert top["subject"]["kind"] == "Deployment"
    assert "statuscode: 500" in top["summary"] and "(x11)" in top["summary"]
    assert top["severity"] in ("warning", "info")  # recovered: Ready when collected
    assert not [d for d in doc["diagnoses"] if d["severity"] == "error"]
    assert code in (0, 1)


def test_slow_kubectl_call_becomes_an_error_entry(
    fake_kubectl: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    fake_kubectl(DATA / "crashloop", FAKE_KUBECTL_SLOW="events:30")
    # the 30 s sleep was cut short: the error entry below says so (no clock read here)
    code, out = run(["diagnose", "--kube", "--timeout", "1", "--format", "json"], capsys)
    doc = json.loads(out)
    events = next(c for c in doc["collectors"] if c["name"] == "kube:events")
    assert events["status"] == "error" and "did not answer within 3s" in events["error"]
    assert code == 1 and doc["diagnoses"][0]["subject"]["workload"] == "shop/api"
    assert any("kube:events" in n for n in doc["not_collected"])


def test_progress_line_on_a_tty(fake_kubectl: Any) -> None:
    from infradoctor.diagnose.kube.collect import KubeOptions, collect_kube

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    fake_kubectl(DATA / "healthy")
    stream = Tty()
    bundle = collect_kube(KubeOptions(), stream)
    assert bundle.has("kube/pods.json")
    shown = stream.getvalue()
    assert "collecting pods (1/12)" in shown and "logs ingress-nginx/" in shown
    assert shown.endswith("\r\033[K")  # the line is cleared at the end
    quiet = io.StringIO()
    collect_kube(KubeOptions(), quiet)
    assert quiet.getvalue() == ""


def test_unreadable_recording_is_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "pods.json").write_text("<html>not kubectl output</html>")
    code, out = report(tmp_path, "json", capsys)
    doc = json.loads(out)
    assert code == 2 and "pods.json is not JSON" in doc["error"]


def test_ingress_log_parsing_variants() -> None:
    from infradoctor.diagnose.evidence import Bundle
    from infradoctor.diagnose.kube.analyzers import build_facts

    bundle = Bundle()
    recording = DATA / "healthy"
    for p in recording.rglob("*"):
        if p.is_file() and p.name != "expected.json":
            bundle.put_bytes("kube/" + p.relative_to(recording).as_posix(), p.read_bytes())
    log = "kube/logs/ingress-nginx/ingress-nginx-controller-6f8c5d9b7-kz5hw/controller.log"
    lines = [
        # kubectl logs --timestamps prefix, a retry over two pods, both 502
        "2026-12-06T21:39:00.000000001Z 10.42.0.1 - - [06/Dec/2026:21:39:00 +0000] "
        '"GET /api/items HTTP/1.1" 502 150 "-" "curl/8.5.0" 85 0.002 [shop-api-80] [] '
        "10.42.0.17:8080, 10.42.0.18:8080 0, 0 0.001, 0.001 502, 502 abc123",
        # our own probe: not impact
        '10.42.0.1 - - [06/Dec/2026:21:39:01 +0000] "GET / HTTP/1.1" 502 150 "-" '
        '"infradoctor-probe/0.1" 85 0.002 [shop-web-80] [] 10.42.0.12:3000 0 0.001 502 abc124',
        "2026-12-06T21:39:02.000000001Z 2026/12/06 21:39:02 [error] 31#31: *9 connect() failed "
        "(111: Connection refused) while connecting to upstream, client: 10.42.0.1, server: "
        'shop.example.com, request: "GET /api/items HTTP/1.1", upstream: '
        '"http://10.42.0.17:8080/api/items", host: "shop.example.com"',
        'W1206 21:39:03.000001       7 controller.go:1216] Service "shop/api" does not have any '
        "active Endpoint.",
    ]
    bundle.put_text(log, "\n".join(lines) + "\n")
    f = build_facts(bundle)
    assert f.ingress.requests == 1 and f.ingress.probe_requests == 1
    assert f.ingress.status[502] == 1
    assert {h.address for h in f.ingress.hits["10.42.0.17"]} == {"10.42.0.17:8080"}
    assert [h.kind for h in f.ingress.hits["10.42.0.17"]] == ["502", "refused"]
    assert f.ingress.hits["10.42.0.18"][0].upstream == "shop-api-80"
    assert f.upstream_services["shop-api-80"] == "shop/api"
    (hit,) = f.ingress.no_endpoint["shop/api"]
    assert hit.ts == 1796592000.0 + 19 * 60 + 3


def test_odd_objects_do_not_break_the_analysis(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pods = json.loads((DATA / "crashloop" / "pods.json").read_text())
    pods["items"] += [
        "not an object",
        {"metadata": {"name": "bare"}},
        {
            "metadata": {"name": "nulls", "namespace": "shop"},
            "spec": None,
            "status": {"containerStatuses": None, "conditions": [None, {"type": "Ready"}]},
        },
        {
            "metadata": {"name": "odd", "namespace": "shop", "ownerReferences": [{}]},
            "status": {
                "containerStatuses": [
                    {
                        "name": "x",
                        "state": {"waiting": None},
                        "restartCount": "many",
                        "lastState": {"terminated": {"exitCode": "?"}},
                    }
                ]
            },
        },
    ]
    (tmp_path / "pods.json").write_text(json.dumps(pods))
    (tmp_path / "events.json").write_text(json.dumps({"items": [{"involvedObject": None}, {}, 3]}))
    (tmp_path / "services.json").write_text(
        json.dumps([{"spec": {"ports": [{"port": "x"}], "selector": {"a": 1}}}])
    )
    (tmp_path / "endpointslices.json").write_text(
        json.dumps({"items": [{"endpoints": [{"conditions": None}]}]})
    )
    code, out = report(tmp_path, "json", capsys)
    doc = json.loads(out)
    assert doc["analyzer_errors"] == [] and code == 1
    assert doc["diagnoses"][0]["subject"]["workload"] == "shop/api"


def test_failed_reads_lower_confidence(
    fake_kubectl: Any, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    fake_kubectl(DATA / "crashloop", FAKE_KUBECTL_FORBID="events")
    _, live = run(["diagnose", "--kube", "--format", "json"], capsys)
    _, full = report(DATA / "crashloop", "json", capsys)
    a, b = json.loads(live), json.loads(full)
    assert a["diagnoses"][0]["confidence"] < b["diagnoses"][0]["confidence"]
    assert any("confidence lowered" in n and "events" in n for n in a["not_collected"])


def test_large_cluster_is_analyzed() -> None:
    """3000 pods / 300 Services / 100 namespaces are analysed whole (the analyzers use
    indexes, not pod x pod scans; the time is bench material, never asserted here)."""
    import copy

    from infradoctor.diagnose.evidence import Bundle
    from infradoctor.diagnose.kube.engine import analyze_kube

    src = DATA / "crashloop"
    docs = {p.stem: json.loads(p.read_text()) for p in src.glob("*.json") if p.stem != "expected"}
    grown: dict[str, list[Any]] = {
        k: [] for k in ("pods", "services", "deployments", "replicasets")
    }
    for i in range(100):
        for kind, items in grown.items():
            for obj in docs[kind]["items"][: 5 if kind == "pods" else None]:
                o = copy.deepcopy(obj)
                o["metadata"]["namespace"] = f"ns{i}"
                if kind == "pods":
                    o["status"]["podIP"] = f"10.44.{i}.{len(items) % 250}"
                items.append(o)
    for kind, items in grown.items():
        docs[kind]["items"] = items * (6 if kind == "pods" else 1)
    bundle = Bundle(meta={"platform": "kubernetes"})
    for kind, doc in docs.items():
        bundle.put_json(f"kube/{kind}.json", doc)
    result = analyze_kube(bundle)
    assert result.diagnoses and not result.analyzer_errors
