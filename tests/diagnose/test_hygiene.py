"""Docker diagnosis hygiene: own probes are not impact, no step twice, verification on the
port nginx listens on, collector errors as advice, confidence follows what could be read,
a compose nginx we cannot see is not "nginx-down", one command per Markdown code span, a
progress line while collecting."""

from __future__ import annotations

import json
from pathlib import Path

from infradoctor.diagnose.analyzers.base import make
from infradoctor.diagnose.engine import analyze
from infradoctor.diagnose.report import render

from .builders import NGINX_CONF, bundle, container, err

REFUSED = "connect() failed (111: Connection refused) while connecting to upstream"


def _probe_line(sec: int, status: int) -> str:
    return (
        f'127.0.0.1 - - [21/Aug/2026:10:00:{sec:02d} +0000] "GET /api/ HTTP/1.1" {status} 0 "-" '
        f'"infradoctor-probe" upstream_addr=172.18.0.5:8000 upstream_status={status} rt=0.001'
    )


def _user_line(sec: int, status: int) -> str:
    return (
        f'203.0.113.7 - - [21/Aug/2026:10:00:{sec:02d} +0000] "GET /api/items HTTP/1.1" {status} '
        f'157 "-" "Mozilla/5.0" upstream_addr=172.18.0.5:8000 upstream_status={status} rt=0.01'
    )


def test_own_probe_requests_are_not_impact() -> None:
    b = bundle(access_log=[_user_line(1, 200), _probe_line(2, 502), _probe_line(3, 502)])
    result = analyze(b)
    assert result.impact["requests"] == 1
    assert result.impact["errors_5xx"] == 0
    assert result.impact["probe_requests_excluded"] == 2


def test_no_plan_step_twice() -> None:
    step = "docker logs --tail 100 app-1  (the error before each exit)"
    d = make("container-crashloop", "error", 0.9, "x", {"container": "app-1"}, plan=[step, step])
    assert len(d.plan) == len(set(d.plan))
    assert len(d.verify) == len(set(d.verify))


def test_verification_uses_the_port_nginx_listens_on() -> None:
    conf = NGINX_CONF.replace("listen 80;", "listen 8080;")
    b = bundle(config=conf, error_log=[err(1, 1, REFUSED, "http://10.9.9.9:8000/api/items")])
    result = analyze(b)
    steps = [s for d in result.diagnoses for s in d.verify + d.plan]
    assert any("http://127.0.0.1:8080/" in s for s in steps), steps
    assert not any("http://127.0.0.1/" in s for s in steps)


def test_published_port_of_a_containerized_nginx() -> None:
    proxy = container("shop-proxy-1", "172.18.0.9", exposed=(80,), service="proxy")
    proxy["Config"]["Image"] = "nginx:1.27"
    proxy["HostConfig"]["PortBindings"] = {"80/tcp": [{"HostIp": "", "HostPort": "8081"}]}
    b = bundle(containers=[proxy], error_log=[err(1, 1, REFUSED, "http://10.9.9.9:8000/")])
    steps = [s for d in analyze(b).diagnoses for s in d.verify]
    assert any("http://127.0.0.1:8081/" in s for s in steps), steps


def test_docker_socket_missing_is_advice_and_lowers_confidence() -> None:
    lines = [err(1, 1, REFUSED, "http://172.18.0.5:8000/api/items")]
    seen = analyze(bundle(error_log=lines))
    b = bundle(error_log=lines)
    b.put_json(
        "docker/engine.json",
        {
            "reachable": False,
            "host": "unix:///var/run/docker.sock",
            "error": "GET /version: FileNotFoundError: [Errno 2] No such file or directory",
        },
    )
    blind = analyze(b)
    notes = " ".join(blind.not_collected)
    assert (
        "Docker socket not found at /var/run/docker.sock: is Docker running? set DOCKER_HOST"
        in notes
    )
    assert "confidence lowered" in notes and "Docker engine" in notes
    assert blind.diagnoses and seen.diagnoses
    assert blind.diagnoses[0].confidence < max(d.confidence for d in seen.diagnoses)
    md = render(blind, "markdown")
    assert "could not read Docker engine" in md


def test_compose_nginx_we_cannot_see_is_not_nginx_down(tmp_path: Path) -> None:
    from infradoctor.loaders import load_stack

    (tmp_path / "compose.yaml").write_text(
        "services:\n"
        "  proxy:\n    image: nginx:1.27\n    ports: ['80:80']\n    restart: unless-stopped\n"
        "  app:\n    image: shop/app:1.0\n    restart: unless-stopped\n"
    )
    stack = load_stack(tmp_path)
    b = bundle(running=False)
    b.put_json("docker/engine.json", {"reachable": False, "error": "permission denied"})
    assert "nginx-down" not in [d.cause for d in analyze(b, stack).diagnoses]
    # without the compose project, no master process on the host is nginx-down
    assert "nginx-down" in [d.cause for d in analyze(bundle(running=False)).diagnoses]


def test_markdown_code_spans_hold_one_command() -> None:
    md = render(analyze(bundle(running=False)), "markdown")
    steps = [ln for ln in md.splitlines() if ln[:2].rstrip(".").isdigit() or ln.startswith("- [ ]")]
    assert any("`journalctl" in ln and " or `docker logs" in ln for ln in steps), steps
    for ln in steps:
        for span in ln.split("`")[1::2]:
            assert "  or  " not in span and "; " not in span, ln


def test_progress_line_while_collecting() -> None:
    from infradoctor.diagnose.collect import CollectOptions, collect_bundle

    shown: list[str] = []
    opts = CollectOptions(probe=False, timeout=2.0, progress=shown.append)
    opts.docker_host = "unix:///nonexistent/docker.sock"
    collect_bundle(opts)
    assert shown[0] == "infradoctor: collecting nginx (1/3)"
    assert "infradoctor: collecting docker (2/3)" in shown
    assert shown[-1] == ""
    json.dumps(shown)
