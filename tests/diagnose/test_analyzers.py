"""Each cause from a synthetic bundle shaped like the collectors' output, plus healthy."""

from __future__ import annotations

from typing import Any

import pytest

from infradoctor.diagnose.analyzers.base import Diagnosis
from infradoctor.diagnose.causes import CAUSES
from infradoctor.diagnose.engine import EXIT_HEALTHY, EXIT_PROBLEMS, analyze
from tests.diagnose.builders import access, bundle, container, err

UP = "http://172.18.0.5:8000/api/items"
REFUSED = "connect() failed (111: Connection refused) while connecting to upstream"
TIMEOUT = (
    "upstream timed out (110: Connection timed out) while reading response header from upstream"
)
CLOSED = "upstream prematurely closed connection while reading response header from upstream"
DOCKER_DNS = {"proto": "tcp", "address": "127.0.0.11", "port": 41233}  # embedded DNS
LISTEN_OK = {"shop-app-1": [{"proto": "tcp", "address": "0.0.0.0", "port": 8000}]}


def app(**kw: Any) -> dict[str, Any]:
    kw.setdefault("service", "app")
    ip = kw.pop("ip", "172.18.0.5")
    return container("shop-app-1", ip, **kw)


def nginx_c() -> dict[str, Any]:
    return container(
        "shop-nginx-1", "172.18.0.2", image="nginx:1.27", exposed=(80,), service="nginx"
    )


def errors(message: str, n: int = 3, upstream: str | None = UP, level: str = "error") -> list[str]:
    return [err(i, 100 + i, message, upstream, level=level) for i in range(1, n + 1)]


def top(b: Any) -> Diagnosis:
    result = analyze(b)
    assert not result.analyzer_errors
    assert result.diagnoses, "expected a diagnosis"
    return result.diagnoses[0]


def error_causes(b: Any) -> list[str]:
    return [d.cause for d in analyze(b).diagnoses if d.severity == "error"]


def test_healthy_stack_has_no_error_diagnoses() -> None:
    b = bundle(
        access_log=[access(i, 200, upstream="172.18.0.5:8000", ustatus="200") for i in range(20)],
        containers=[app(), nginx_c()],
        listening=LISTEN_OK,
        probes=[
            {
                "name": "app_backend",
                "url": "http://172.18.0.5:8000/",
                "via": "direct",
                "status": 200,
                "error": None,
                "seconds": 0.01,
                "body_excerpt": "ok",
            }
        ],
        dns={"app": {"addresses": ["172.18.0.5"], "error": None}},
    )
    result = analyze(b)
    assert result.diagnoses == []
    assert result.exit_code == EXIT_HEALTHY
    assert result.impact["requests"] == 20 and result.impact["errors_5xx"] == 0


def test_container_stopped_joins_through_config_name() -> None:
    # a stopped container has no IP any more: join via the name nginx proxies to
    b = bundle(
        error_log=errors(REFUSED, 4),
        containers=[
            app(ip="", status="exited", exit_code=0, finished="2026-08-21T09:59:00Z"),
            nginx_c(),
        ],
        access_log=[access(i, 502, upstream="172.18.0.5:8000", ustatus="502") for i in range(4)],
    )
    d = top(b)
    assert d.cause == "container-stopped"
    assert d.subject["container"] == "shop-app-1"
    assert d.subject["service"] == "app"
    assert d.subject["address"] == "172.18.0.5:8000"
    assert d.severity == "error" and d.confidence >= 0.8
    assert any("Connection refused" in e["text"] for e in d.evidence)
    assert any(e["source"] == "/var/log/nginx/error.log" and e["line"] == 1 for e in d.evidence)
    assert any("Status=exited" in e["text"] for e in d.evidence)
    assert d.plan[0].startswith("docker ps -a")  # inspect before restart
    assert any("docker start shop-app-1" in p for p in d.plan)
    assert "CMP001" in d.rules
    assert error_causes(b) == ["container-stopped"]  # symptoms merged, not listed


def test_container_stopped_explains_dns_failures() -> None:
    b = bundle(
        error_log=errors("app could not be resolved (3: Host not found)", 2, None),
        containers=[app(ip="", status="exited", exit_code=137), nginx_c()],
    )
    d = top(b)
    assert d.cause == "container-stopped" and d.subject["container"] == "shop-app-1"
    assert "dns-unresolvable" in d.absorbed or "could not be resolved" in d.summary


def test_crashloop() -> None:
    b = bundle(
        error_log=errors(REFUSED),
        containers=[app(status="restarting", restarts=7, exit_code=1), nginx_c()],
        container_logs={"shop-app-1": "2026-08-21T10:00:00Z KeyError: 'DATABASE_URL'\n"},
    )
    d = top(b)
    assert d.cause == "container-crashloop"
    assert d.subject["container"] == "shop-app-1"
    assert "7 restarts" in d.summary


def test_oom_killed_merges_refused_and_closed_lines() -> None:
    lines = [err(1, 1, CLOSED, UP), err(2, 2, REFUSED, UP), err(3, 3, REFUSED, UP)]
    b = bundle(
        error_log=lines,
        containers=[
            app(
                ip="",
                status="exited",
                exit_code=137,
                oom=True,
                memory=64 * 2**20,
                finished="2026-08-21T10:00:01Z",
            ),
            nginx_c(),
        ],
    )
    result = analyze(b)
    errs = [d for d in result.diagnoses if d.severity == "error"]
    assert [d.cause for d in errs] == ["oom-killed"]
    d = errs[0]
    assert d.subject["container"] == "shop-app-1"
    assert d.confidence >= 0.9
    assert "64 MiB" in d.summary
    texts = " ".join(e["text"] for e in d.evidence)
    assert "prematurely closed" in texts and "Connection refused" in texts
    assert "OOMKilled=True" in texts
    assert d.rules[:2] == ["CMP006", "CMP005"]
    assert result.exit_code == EXIT_PROBLEMS


def test_oom_from_kernel_log_while_restarted() -> None:
    cid = "ab12cd34ef56" + "0" * 52
    oom = (
        f"2026-08-21T10:00:01,000000+00:00 oom-kill:constraint=CONSTRAINT_MEMCG,oom_memcg="
        f"/system.slice/docker-{cid}.scope,task=python,pid=4242,uid=0\n"
    )
    b = bundle(
        error_log=errors(CLOSED, 2),
        oom=oom,
        containers=[
            app(restarts=1, exit_code=137, cid=cid, started="2026-08-21T10:00:02Z"),
            nginx_c(),
        ],
        listening=LISTEN_OK,
    )
    d = top(b)
    assert d.cause == "oom-killed"
    assert any(e["source"] == "host/oom.txt" for e in d.evidence)


def test_port_mismatch_names_the_real_port() -> None:
    b = bundle(
        error_log=errors(REFUSED),
        containers=[app(), nginx_c()],
        listening={
            "shop-app-1": [{"proto": "tcp", "address": "0.0.0.0", "port": 8080}, DOCKER_DNS]
        },
    )
    d = top(b)
    assert d.cause == "port-mismatch"
    assert d.subject["container"] == "shop-app-1" and d.subject["address"] == "172.18.0.5:8000"
    assert "8080" in d.summary and "41233" not in d.summary
    assert "XF002" in d.rules
    assert any("shop.conf:3" in p and "8080" in p for p in d.plan)


def test_listening_on_loopback() -> None:
    b = bundle(
        error_log=errors(REFUSED),
        containers=[app(), nginx_c()],
        listening={
            "shop-app-1": [{"proto": "tcp", "address": "127.0.0.1", "port": 8000}, DOCKER_DNS]
        },
    )
    d = top(b)
    assert d.cause == "listening-on-loopback"
    assert d.subject["container"] == "shop-app-1"
    assert "XF003" in d.rules
    assert any("127.0.0.1:8000" in e["text"] for e in d.evidence)


def test_dns_unresolvable_unknown_name() -> None:
    b = bundle(
        error_log=errors("api-v2 could not be resolved (3: Host not found)", 2, None),
        containers=[app(), nginx_c()],
        listening=LISTEN_OK,
    )
    d = top(b)
    assert d.cause == "dns-unresolvable" and d.subject["upstream"] == "api-v2"


def test_stale_upstream_ip_after_recreate() -> None:
    b = bundle(
        error_log=errors("connect() failed (113: No route to host) while connecting to upstream"),
        containers=[app(ip="172.18.0.9"), nginx_c()],
        listening={"shop-app-1": [{"proto": "tcp", "address": "0.0.0.0", "port": 8000}]},
    )
    d = top(b)
    assert d.cause == "stale-upstream-ip"
    assert d.subject["container"] == "shop-app-1"
    assert "172.18.0.9" in d.summary
    assert "XF014" in d.rules


def test_stale_ip_no_candidate() -> None:
    b = bundle(
        error_log=errors(REFUSED, upstream="http://172.18.0.77:9000/"),
        containers=[app(), nginx_c()],
        listening=LISTEN_OK,
    )
    d = top(b)
    assert d.cause == "stale-upstream-ip" and d.subject["address"] == "172.18.0.77:9000"


def test_upstream_timeout() -> None:
    b = bundle(
        error_log=errors(TIMEOUT),
        containers=[app(), nginx_c()],
        listening=LISTEN_OK,
        access_log=[access(i, 504, upstream="172.18.0.5:8000", ustatus="504") for i in range(3)],
    )
    d = top(b)
    assert d.cause == "upstream-timeout" and d.subject["container"] == "shop-app-1"
    assert "NGX002" in d.rules and "XF008" in d.rules
    assert "3 requests to 172.18.0.5:8000 failed" in d.summary
    assert any("shop.conf:10 sets `proxy_read_timeout 30s`" in p for p in d.plan)
    assert {
        "source": "/etc/nginx/conf.d/shop.conf",
        "line": 10,
        "text": "proxy_read_timeout 30s;",
    } in d.evidence


def test_upstream_closed_connection() -> None:
    b = bundle(error_log=errors(CLOSED), containers=[app(), nginx_c()], listening=LISTEN_OK)
    d = top(b)
    assert d.cause == "upstream-closed-connection" and d.subject["container"] == "shop-app-1"


def test_header_too_big() -> None:
    b = bundle(
        error_log=errors(
            "upstream sent too big header while reading response header from upstream"
        ),
        containers=[app(), nginx_c()],
        listening=LISTEN_OK,
    )
    d = top(b)
    assert d.cause == "header-too-big"
    assert any("proxy_buffer_size" in p for p in d.plan)


def test_socket_missing() -> None:
    b = bundle(
        error_log=errors(
            "connect() to unix:/run/gunicorn/app.sock failed (2: No such "
            "file or directory) while connecting to upstream",
            upstream="http://unix:/run/gunicorn/app.sock:/",
            level="crit",
        ),
        containers=[nginx_c()],
    )
    d = top(b)
    assert d.cause == "socket-missing"
    assert d.subject["address"] == "unix:/run/gunicorn/app.sock"
    assert any("/run/gunicorn/app.sock" in p for p in d.plan)


def test_tls_mismatch() -> None:
    b = bundle(
        error_log=errors(
            "SSL_do_handshake() failed (SSL: error:0A00010B:SSL routines::"
            "wrong version number) while SSL handshaking to upstream",
            upstream="https://172.18.0.5:8000/",
            level="crit",
        ),
        containers=[app(), nginx_c()],
        listening=LISTEN_OK,
    )
    assert top(b).cause == "upstream-tls-mismatch"


TMPFS = {
    "path": "/var/cache/nginx",
    "mount": "/var/cache/nginx",
    "device": "tmpfs",
    "fstype": "tmpfs",
    "total": 1048576,
    "used": 1048576,
    "avail": 0,
    "inodes_total": 1000,
    "inodes_free": 990,
    "purposes": ["nginx-temp"],
    "paths": {"nginx-temp": ["/var/cache/nginx/proxy_temp"]},
}


def test_disk_full_from_enospc_lines() -> None:
    msg = (
        'pwritev() "/var/cache/nginx/proxy_temp/1/00/0000000001" failed (28: No space left '
        "on device) while reading upstream"
    )
    b = bundle(
        error_log=errors(msg, 2, level="crit"),
        containers=[app(), nginx_c()],
        listening=LISTEN_OK,
        disk=[TMPFS],
    )
    d = top(b)
    assert d.cause == "disk-full"
    assert d.subject["path"] == "/var/cache/nginx"
    assert "proxied responses" in d.summary
    assert "0 B free" in d.summary
    assert any(e["source"] == "host/disk.json" for e in d.evidence)
    assert "CMP002" in d.rules


def test_disk_full_from_statvfs_only() -> None:
    b = bundle(
        containers=[app(), nginx_c()],
        listening=LISTEN_OK,
        disk=[TMPFS],
        largest=[{"path": "/var/cache/nginx/big", "bytes": 1000000, "what": "file"}],
    )
    d = top(b)
    assert d.cause == "disk-full" and d.severity == "error"
    assert "/var/cache/nginx/big" in d.summary


def test_log_growth_unbounded_json_log() -> None:
    chatty = container(
        "shop-worker-1",
        "172.18.0.8",
        service="worker",
        log_size=300 * 2**20,
        started="2026-08-21T10:00:00Z",
    )
    b = bundle(containers=[app(), nginx_c(), chatty], listening=LISTEN_OK)
    result = analyze(b)
    d = result.diagnoses[0]
    assert d.cause == "log-growth" and d.subject["container"] == "shop-worker-1"
    assert d.severity == "warning" and "CMP002" in d.rules
    assert "/day" in d.summary
    assert result.exit_code == EXIT_PROBLEMS


def test_log_growth_not_reported_with_max_size() -> None:
    rotated = container(
        "shop-worker-1", "172.18.0.8", log_size=300 * 2**20, log_opts={"max-size": "10m"}
    )
    assert analyze(bundle(containers=[rotated])).diagnoses == []


CONFLICT = (
    "2026-08-21T10:00:03.1Z ERROR telegram.ext.Updater: Error while getting Updates: "
    "Conflict: terminated by other getUpdates request; make sure that only one bot "
    "instance is running (409)\n"
)


def test_bot_conflict_from_logs_and_token_hash() -> None:
    token = "[REDACTED:bot-token:0123456789ab]"
    bots = [
        container(
            f"shop-bot-{i}", f"172.18.0.{20 + i}", service="bot", exposed=(), token_hash=token
        )
        for i in (1, 2)
    ]
    b = bundle(containers=[*bots, nginx_c()], container_logs={"shop-bot-2": CONFLICT})
    d = top(b)
    assert d.cause == "bot-conflict"
    assert d.subject["container"] == "shop-bot-2"
    assert "shop-bot-1" in d.subject["containers"]
    assert d.confidence >= 0.9 and "XF009" in d.rules
    assert any("terminated by other getUpdates" in e["text"] for e in d.evidence)


def test_bot_conflict_from_logs_only() -> None:
    bot = container("shop-bot-1", "172.18.0.21", service="bot", exposed=())
    d = top(bundle(containers=[bot], container_logs={"shop-bot-1": CONFLICT * 3}))
    assert d.cause == "bot-conflict" and d.subject["container"] == "shop-bot-1"


def test_healthcheck_failing() -> None:
    health = {
        "Status": "unhealthy",
        "FailingStreak": 5,
        "Log": [
            {
                "Start": "2026-08-21T10:00:00Z",
                "End": "2026-08-21T10:00:01Z",
                "ExitCode": 7,
                "Output": "curl: (7) Failed to connect to localhost port 8000",
            }
        ],
    }
    b = bundle(containers=[app(health=health), nginx_c()], listening=LISTEN_OK)
    d = top(b)
    assert d.cause == "healthcheck-failing" and d.subject["container"] == "shop-app-1"
    assert "Failed to connect" in d.summary and "XF011" in d.rules


def test_nginx_config_invalid_absorbs_nginx_down() -> None:
    out = (
        'nginx: [emerg] host not found in upstream "app:8000" in '
        "/etc/nginx/conf.d/shop.conf:3\nnginx: configuration file /etc/nginx/nginx.conf "
        "test failed"
    )
    b = bundle(test_ok=False, test_output=out, running=False, containers=[])
    result = analyze(b)
    assert [d.cause for d in result.diagnoses] == ["nginx-config-invalid"]
    d = result.diagnoses[0]
    assert "host not found" in d.summary
    assert any("/etc/nginx/conf.d/shop.conf at line 3" in p for p in d.plan)
    assert "nginx-down" in d.absorbed


def test_nginx_down() -> None:
    d = top(bundle(running=False, containers=[app()], listening=LISTEN_OK))
    assert d.cause == "nginx-down" and d.severity == "error"


def test_fd_exhausted() -> None:
    b = bundle(
        error_log=errors(
            "socket() failed (24: Too many open files) while connecting to upstream", level="alert"
        ),
        containers=[app(), nginx_c()],
        listening=LISTEN_OK,
    )
    assert top(b).cause == "fd-exhausted"


def test_no_live_upstreams_folded_into_peer_cause() -> None:
    lines = [
        *errors(REFUSED, 2),
        err(
            9, 109, "no live upstreams while connecting to upstream", "http://app_backend/api/items"
        ),
    ]
    b = bundle(error_log=lines, containers=[app(ip="", status="exited", exit_code=1), nginx_c()])
    result = analyze(b)
    assert [d.cause for d in result.diagnoses if d.severity == "error"] == ["container-stopped"]


def test_docker_unreachable_still_diagnoses_from_logs() -> None:
    b = bundle(error_log=errors(REFUSED))
    b.put_json("docker/engine.json", {"reachable": False, "error": "permission denied"})
    result = analyze(b)
    d = result.diagnoses[0]
    assert d.cause == "upstream-refused" and d.subject["address"] == "172.18.0.5:8000"
    assert any("Docker engine not reachable" in n for n in result.not_collected)


def test_analyzer_crash_is_reported_not_fatal(monkeypatch: pytest.MonkeyPatch) -> None:
    from infradoctor.diagnose import analyzers

    def boom(bundle: Any, stack: Any) -> list[Diagnosis]:
        raise RuntimeError("broken analyzer")

    monkeypatch.setattr(analyzers, "ANALYZERS", (("boom", boom), *analyzers.ANALYZERS))
    result = analyze(bundle(running=False))
    assert result.analyzer_errors and "broken analyzer" in result.analyzer_errors[0]
    assert result.diagnoses[0].cause == "nginx-down"


def test_vocabulary_is_complete_and_documented() -> None:
    required = {
        "container-stopped",
        "container-crashloop",
        "oom-killed",
        "port-mismatch",
        "listening-on-loopback",
        "dns-unresolvable",
        "stale-upstream-ip",
        "upstream-timeout",
        "upstream-closed-connection",
        "header-too-big",
        "socket-missing",
        "upstream-tls-mismatch",
        "disk-full",
        "log-growth",
        "bot-conflict",
        "healthcheck-failing",
        "nginx-config-invalid",
        "nginx-down",
        "fd-exhausted",
    }
    assert required <= set(CAUSES)
    from tests.conftest import REPO

    doc = (REPO / "docs" / "diagnose.md").read_text()
    for cause in CAUSES:
        assert f"`{cause}`" in doc, cause
    assert CAUSES["container-stopped"].rules == ("CMP001",)
    assert CAUSES["port-mismatch"].rules[0] == "XF002"
    assert CAUSES["listening-on-loopback"].rules == ("XF003",)
    assert CAUSES["log-growth"].rules == ("CMP002",)
    assert CAUSES["bot-conflict"].rules == ("XF009",)
    assert CAUSES["upstream-timeout"].rules == ("NGX002", "XF008")
    assert CAUSES["oom-killed"].rules == ("CMP006", "CMP005")
    assert CAUSES["healthcheck-failing"].rules[0] == "XF011"


def test_static_stack_links_the_lint_rule_that_prevents_it() -> None:
    from infradoctor.cli.diagnose import load_static_stack

    compose = (
        "services:\n  app:\n    image: shop/app:1.4\n    environment:\n"
        "      JAVA_OPTS: -Xmx512m\n    mem_limit: 64m\n"
    )
    b = bundle(
        error_log=errors(REFUSED, 2),
        containers=[app(ip="", status="exited", exit_code=137, oom=True, memory=64 * 2**20)],
        extra={"files/docker-compose.yml": compose},
    )
    stack = load_static_stack(b)
    assert stack is not None
    result = analyze(b, stack)
    d = result.diagnoses[0]
    assert d.cause == "oom-killed"
    lint = [e for e in d.evidence if e["text"].startswith("lint CMP006")]
    assert lint and lint[0]["source"] == "docker-compose.yml" and lint[0]["line"] == 5
    # CMP001 (the restart policy the plan asks for) is linked too: the plan cites it
    assert any(p.startswith("infradoctor lint --select CMP001,CMP006") for p in d.plan)
    assert any(e["text"].startswith("lint CMP001") for e in d.evidence)


def test_old_failures_of_a_healthy_container_are_only_a_warning() -> None:
    b = bundle(error_log=errors(TIMEOUT), containers=[app(), nginx_c()], listening=LISTEN_OK)
    b.put_json("docker/engine.json", {"reachable": True, "collected_at": 1787306401 + 1800})
    d = top(b)
    assert d.cause == "upstream-timeout" and d.severity == "warning"
    assert "recovered?" in d.summary


def test_stopped_container_nothing_routes_to_is_only_a_note() -> None:
    job = container("shop-migrate-1", "", status="exited", exit_code=1, service="migrate")
    result = analyze(bundle(containers=[app(), nginx_c(), job], listening=LISTEN_OK))
    assert [(d.cause, d.severity) for d in result.diagnoses] == [("container-stopped", "info")]
    assert result.exit_code == EXIT_HEALTHY
