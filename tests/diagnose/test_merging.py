"""Which cause may absorb which symptom lines (acceptance audit, issue 3).

A container's OOM kill / crash loop / stop explains the refused, unreachable, reset and
prematurely-closed lines to its address (and timeouts while it is down); it does not explain
an answer that arrived (too big or invalid header), TLS errors, a still-running container's
timeouts, nginx's own limits or a full disk. Those stay separate diagnoses even when they
name the same peer."""

from __future__ import annotations

from typing import Any

from infradoctor.diagnose.analyzers.base import Diagnosis
from infradoctor.diagnose.engine import analyze
from infradoctor.diagnose.report import render
from tests.diagnose.builders import bundle, container, err

UP = "http://172.18.0.5:8000/api/items"
REFUSED = "connect() failed (111: Connection refused) while connecting to upstream"
NO_ROUTE = "connect() failed (113: No route to host) while connecting to upstream"
RESET = "recv() failed (104: Connection reset by peer) while reading response header from upstream"
CLOSED = "upstream prematurely closed connection while reading response header from upstream"
TOO_BIG = "upstream sent too big header while reading response header from upstream"
INVALID = "upstream sent invalid header while reading response header from upstream"
TIMEOUT = (
    "upstream timed out (110: Connection timed out) while reading response header from upstream"
)
CONNECT_TIMEOUT = "upstream timed out (110: Connection timed out) while connecting to upstream"
TLS = (
    "SSL_do_handshake() failed (SSL: error:0A00010B:SSL routines::wrong version number) "
    "while SSL handshaking to upstream"
)
LISTEN_OK = {"shop-app-1": [{"proto": "tcp", "address": "0.0.0.0", "port": 8000}]}


def app(**kw: Any) -> dict[str, Any]:
    kw.setdefault("service", "app")
    ip = kw.pop("ip", "172.18.0.5")
    return container("shop-app-1", ip, **kw)


def oom_app(**kw: Any) -> dict[str, Any]:
    return app(
        ip="",
        status="exited",
        exit_code=137,
        oom=True,
        memory=64 * 2**20,
        finished="2026-08-21T10:00:01Z",
        **kw,
    )


def lines(*messages: str, upstream: str = UP) -> list[str]:
    """One line per message, one client connection each (*101, *102, ...)."""
    return [err(i, 100 + i, m, upstream) for i, m in enumerate(messages, 1)]


def diagnoses(b: Any) -> list[Diagnosis]:
    result = analyze(b)
    assert not result.analyzer_errors
    return result.diagnoses


def by_cause(ds: list[Diagnosis]) -> dict[str, Diagnosis]:
    out: dict[str, Diagnosis] = {}
    for d in ds:
        assert d.cause not in out, f"two {d.cause} diagnoses: {[x.subject for x in ds]}"
        out[d.cause] = d
    return out


def quoted(d: Diagnosis) -> str:
    return "\n".join(str(e["text"]) for e in d.evidence)


def test_auditor_bundle_too_big_header_is_not_refused() -> None:
    # the auditor's case: no Docker, one refused and one too-big-header line for one peer
    b = bundle(error_log=lines(REFUSED, TOO_BIG))
    b.put_json("docker/engine.json", {"reachable": False, "error": "no such file"})
    found = by_cause(diagnoses(b))
    assert set(found) == {"upstream-refused", "header-too-big"}
    big, refused = found["header-too-big"], found["upstream-refused"]
    assert big.subject["address"] == refused.subject["address"] == "172.18.0.5:8000"
    assert big.severity == "error"
    assert any("proxy_buffer_size" in p for p in big.plan)
    assert "too big header" in quoted(big) and "Connection refused" not in quoted(big)
    assert "Connection refused" in quoted(refused) and "too big header" not in quoted(refused)
    assert "refuses connections" not in big.summary
    assert "too big header" not in refused.summary
    assert big.requests == 1 and refused.requests == 1
    # and so in every output format
    for fmt in ("text", "json", "markdown"):
        out = render(analyze(b), fmt)
        assert "header-too-big" in out and "proxy_buffer_size" in out, fmt


def test_running_container_refusing_and_sending_big_headers_gets_two_diagnoses() -> None:
    b = bundle(
        error_log=lines(REFUSED, REFUSED, REFUSED, TOO_BIG),
        containers=[app()],
        listening=LISTEN_OK,
    )
    found = by_cause(diagnoses(b))
    assert set(found) == {"upstream-refused", "header-too-big"}
    assert found["header-too-big"].subject["container"] == "shop-app-1"
    assert found["upstream-refused"].requests == 3
    assert found["header-too-big"].requests == 1


def test_oom_kill_absorbs_refused_and_closed_but_not_too_big_header() -> None:
    b = bundle(error_log=lines(CLOSED, REFUSED, REFUSED, TOO_BIG), containers=[oom_app()])
    ds = diagnoses(b)
    found = by_cause(ds)
    assert set(found) == {"oom-killed", "header-too-big"}
    assert ds[0].cause == "oom-killed"  # the root cause still ranks first
    oom, big = found["oom-killed"], found["header-too-big"]
    assert "prematurely closed" in quoted(oom) and "Connection refused" in quoted(oom)
    assert "too big header" not in quoted(oom) and "too big header" not in oom.summary
    assert "header-too-big" not in oom.absorbed
    assert big.subject["container"] == "shop-app-1"
    assert "too big header" in quoted(big)
    assert any("proxy_buffer_size" in p for p in big.plan)


def test_oom_kill_does_not_explain_tls_errors() -> None:
    b = bundle(
        error_log=[
            *lines(REFUSED, REFUSED),
            err(5, 205, TLS, "https://172.18.0.5:8000/api/items", level="crit"),
        ],
        containers=[oom_app()],
    )
    found = by_cause(diagnoses(b))
    assert set(found) == {"oom-killed", "upstream-tls-mismatch"}
    assert "SSL_do_handshake" not in quoted(found["oom-killed"])


def test_crash_loop_does_not_explain_invalid_responses() -> None:
    b = bundle(
        error_log=lines(RESET, RESET, INVALID),
        containers=[app(status="restarting", restarts=5, exit_code=1)],
    )
    found = by_cause(diagnoses(b))
    assert set(found) == {"container-crashloop", "upstream-invalid-response"}
    assert "Connection reset by peer" in quoted(found["container-crashloop"])
    assert "invalid header" not in quoted(found["container-crashloop"])


def test_stopped_container_explains_no_route_and_connect_timeouts() -> None:
    b = bundle(
        error_log=lines(NO_ROUTE, NO_ROUTE, CONNECT_TIMEOUT),
        containers=[app(status="exited", exit_code=1, finished="2026-08-21T09:59:00Z")],
    )
    ds = [d for d in diagnoses(b) if d.severity != "info"]
    assert [d.cause for d in ds] == ["container-stopped"]
    text = quoted(ds[0])
    assert "No route to host" in text and "timed out" in text


def test_oom_killed_container_running_again_does_not_absorb_its_timeouts() -> None:
    # OOM-killed, restarted by its policy, running now: slow answers are a separate problem
    b = bundle(
        error_log=lines(TIMEOUT, TIMEOUT),
        containers=[app(oom=True, restarts=1, exit_code=137, started="2026-08-21T09:30:00Z")],
        listening=LISTEN_OK,
    )
    found = by_cause(diagnoses(b))
    assert set(found) == {"oom-killed", "upstream-timeout"}
    timeout = found["upstream-timeout"]
    assert timeout.subject["container"] == "shop-app-1"
    assert "proxy_read_timeout 30s" in timeout.summary
    assert "timed out" not in quoted(found["oom-killed"])


def test_engine_does_not_fold_a_running_containers_timeout_into_its_state() -> None:
    from infradoctor.diagnose.analyzers.base import make
    from infradoctor.diagnose.engine import merge

    subject = {"container": "shop-app-1", "address": "172.18.0.5:8000"}
    root = make("oom-killed", "error", 0.95, "killed.", subject)
    kept = merge(
        [
            root,
            make("upstream-timeout", "error", 0.8, "slow.", subject),
            make("header-too-big", "error", 0.8, "big.", subject),
            make("upstream-tls-mismatch", "error", 0.8, "tls.", subject),
            make("fd-exhausted", "error", 0.8, "fds.", subject),
            make("disk-full", "error", 0.8, "disk.", {**subject, "path": "/var"}),
            make("upstream-closed-connection", "error", 0.8, "closed.", subject),
            make("upstream-refused", "error", 0.8, "refused.", subject),
            make("container-stopped", "error", 0.8, "stopped.", subject),
        ]
    )
    assert sorted(d.cause for d in kept) == [
        "disk-full",
        "fd-exhausted",
        "header-too-big",
        "oom-killed",
        "upstream-timeout",
        "upstream-tls-mismatch",
    ]
    assert sorted(root.absorbed) == [
        "container-stopped",
        "upstream-closed-connection",
        "upstream-refused",
    ]


def test_oom_kill_does_not_absorb_disk_full_or_fd_exhaustion() -> None:
    enospc = (
        'pwritev() "/var/cache/nginx/proxy_temp/1/00/0000000001" failed (28: No space left '
        "on device) while reading upstream"
    )
    fds = "socket() failed (24: Too many open files) while connecting to upstream"
    b = bundle(
        error_log=[
            *lines(REFUSED, REFUSED),
            err(7, 207, enospc, UP, level="crit"),
            err(8, 208, fds, UP, level="alert"),
        ],
        containers=[oom_app()],
    )
    causes = {d.cause for d in diagnoses(b) if d.severity == "error"}
    assert {"oom-killed", "disk-full", "fd-exhausted"} <= causes


def test_no_live_upstreams_folds_into_the_connection_failure_not_the_big_header() -> None:
    b = bundle(
        error_log=[
            *lines(TOO_BIG, REFUSED, REFUSED),
            err(9, 109, "no live upstreams while connecting to upstream", "http://app_backend/x"),
        ]
    )
    b.put_json("docker/engine.json", {"reachable": False, "error": "no such file"})
    found = by_cause(diagnoses(b))
    assert set(found) == {"upstream-refused", "header-too-big"}
    assert "upstream-unavailable" in found["upstream-refused"].absorbed
    assert not found["header-too-big"].absorbed


def test_split_peer_beyond_the_kept_lines_still_quotes_and_counts() -> None:
    # 250 refused lines fill the 200 lines kept per peer; the too-big headers come after
    many = [err(i % 60, 1000 + i, REFUSED, UP) for i in range(250)]
    late = [err(59, 5000 + i, TOO_BIG, UP) for i in range(3)]
    b = bundle(error_log=[*many, *late])
    b.put_json("docker/engine.json", {"reachable": False, "error": "no such file"})
    found = by_cause(diagnoses(b))
    big = found["header-too-big"]
    assert "upstream sent too big header x3" in big.summary
    assert "too big header" in quoted(big)
    assert big.requests == 3
    assert found["upstream-refused"].requests >= 200


def test_one_restart_explains_cut_and_refused_requests_together() -> None:
    # running again after one restart (not a crash loop, not OOM): in-flight requests were
    # cut, new ones refused until it listened again -> one diagnosis, not two
    b = bundle(
        error_log=lines(CLOSED, REFUSED, REFUSED, TOO_BIG),
        containers=[app(restarts=1, exit_code=1, started="2026-08-21T10:00:03Z")],
        listening=LISTEN_OK,
    )
    found = by_cause(diagnoses(b))
    assert set(found) == {"upstream-closed-connection", "header-too-big"}
    died = found["upstream-closed-connection"]
    assert "restarted at" in died.summary and "refused while it restarted" in died.summary
    assert "Connection refused" in quoted(died) and "prematurely closed" in quoted(died)
    assert died.requests == 3


def test_refused_while_listening_now_without_restart_stays_apart_from_resets() -> None:
    b = bundle(error_log=lines(RESET, REFUSED), containers=[app()], listening=LISTEN_OK)
    assert set(by_cause(diagnoses(b))) == {"upstream-refused", "upstream-closed-connection"}
