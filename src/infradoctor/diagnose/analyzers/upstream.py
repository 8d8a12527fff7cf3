"""Upstream failures: join each failing peer in error.log to the container behind it and
let that container's state decide the cause.

Join key: the `upstream: "http://172.18.0.5:8000/..."` field -> the container holding that
IP (NetworkSettings.Networks.*.IPAddress). A stopped container loses its IP, so an IP that
no container has is matched through the nginx config instead (the name nginx resolved for
that port): a stopped container there is `container-stopped`, a running one with a new IP
is `stale-upstream-ip`."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from infradoctor.diagnose.analyzers.base import Diagnosis, make
from infradoctor.diagnose.analyzers.facts import (
    Container,
    Facts,
    fmt_time,
)
from infradoctor.diagnose.errorlog import ErrorLine, PeerFailures
from infradoctor.diagnose.evidence import Bundle

PEER_KINDS = frozenset(
    {
        "refused",
        "unreachable",
        "timeout",
        "socket-missing",
        "permission",
        "backlog",
        "ephemeral-ports",
        "reset",
        "closed",
        "too-big-header",
        "invalid-header",
        "ssl",
        "dns",
        "no-resolver",
        "host-not-found",
        "no-port",
        "no-live-upstreams",
    }
)
KIND_TEXT = {
    "refused": "connection refused (111)",
    "unreachable": "no route to host (113)",
    "timeout": "upstream timed out (110)",
    "socket-missing": "unix socket missing (2)",
    "permission": "permission denied (13)",
    "backlog": "socket backlog full (11)",
    "ephemeral-ports": "cannot assign requested address (99)",
    "reset": "connection reset by peer (104)",
    "closed": "upstream prematurely closed connection",
    "too-big-header": "upstream sent too big header",
    "invalid-header": "upstream sent an invalid response",
    "ssl": "SSL handshake to upstream failed",
    "dns": "could not be resolved",
    "no-resolver": "no resolver defined",
    "host-not-found": "host not found in upstream",
    "no-port": "no port in upstream",
    "no-live-upstreams": "no live upstreams",
}
# line kind -> cause when the state of the target does not explain it
KIND_CAUSE = {
    "refused": "upstream-refused",
    "unreachable": "stale-upstream-ip",
    "timeout": "upstream-timeout",
    "socket-missing": "socket-missing",
    "permission": "socket-missing",
    "backlog": "upstream-timeout",
    "ephemeral-ports": "fd-exhausted",
    "reset": "upstream-closed-connection",
    "closed": "upstream-closed-connection",
    "too-big-header": "header-too-big",
    "invalid-header": "upstream-invalid-response",
    "ssl": "upstream-tls-mismatch",
    "dns": "dns-unresolvable",
    "no-resolver": "dns-unresolvable",
    "host-not-found": "dns-unresolvable",
    "no-port": "dns-unresolvable",
    "no-live-upstreams": "upstream-unavailable",
}
CONNECT_KINDS = frozenset({"refused", "unreachable"})
# kinds that say the same thing about the upstream; a peer's lines are diagnosed per family
KIND_FAMILY = {
    "refused": "connect",
    "unreachable": "connect",
    "timeout": "timeout",
    "backlog": "timeout",
    "reset": "closed",
    "closed": "closed",
    "dns": "resolve",
    "host-not-found": "resolve",
    "socket-missing": "socket",
}
# families a container's OOM kill / crash loop / stop explains (see state_explains)
STATE_FAMILIES = frozenset({"connect", "closed", "resolve", "socket", "no-live-upstreams"})
# what the line says, for kinds where the upstream answered or nginx hit its own limits
KIND_HEAD = {
    "too-big-header": (
        'its response headers do not fit proxy_buffer_size ("upstream sent too big header": '
        "the upstream answered, nginx could not buffer the headers)"
    ),
    "invalid-header": "nginx could not parse its response as HTTP",
    "ssl": "the TLS handshake from nginx to it fails",
    "ephemeral-ports": "nginx ran out of local ports to connect from (99)",
    "no-resolver": "nginx has no resolver to look the name up at run time",
    "no-port": "the upstream address has no port",
}
CRASHLOOP_RESTARTS = 3
RECOVERED_AFTER = 600.0  # seconds without a failure line before collection: "recovered?"


def describe(kinds: Counter[str]) -> str:
    return ", ".join(f"{KIND_TEXT.get(k, k)} x{n}" for k, n in kinds.most_common())


def oom_lines_for(f: Facts, c: Container) -> list[tuple[int, str]]:
    """Kernel OOM-killer lines (host/oom.txt) that name this container's cgroup."""
    text = f.bundle.read_text("host/oom.txt") or ""
    short = c.id[:12]
    if not short:
        return []
    return [(i, ln) for i, ln in enumerate(text.splitlines(), 1) if short in ln]


def state_cause(f: Facts, c: Container) -> tuple[str, float, str] | None:
    """The container-level cause (oom-killed, crashloop, stopped) or None if it runs."""
    code = c.exit_code
    if c.oom_killed:
        return (
            "oom-killed",
            0.95,
            (
                f"{c.name} was killed by the OOM killer (OOMKilled=true, exit code {code}"
                f"{', memory limit ' + _mib(c.memory_limit) if c.memory_limit else ''})"
                f"{_still_down(c)}"
            ),
        )
    oom = oom_lines_for(f, c)
    if oom and (code == 137 or c.restart_count > 0 or not c.running):
        return (
            "oom-killed",
            0.85,
            (
                f"the kernel OOM killer killed {c.name} "
                f"(host/oom.txt; restarts {c.restart_count}, last exit code {code})"
            ),
        )
    if c.restarting or (
        c.restart_count >= CRASHLOOP_RESTARTS
        and (c.status != "exited" or c.restart_policy not in (None, "no"))
    ):
        return (
            "container-crashloop",
            0.85,
            (
                f"{c.name} is crash-looping: {c.restart_count} restarts, status {c.status}, "
                f"last exit code {code}{_last_words(f, c)}"
            ),
        )
    if not c.running:
        when = fmt_time(c.finished_at) if c.finished_at else "unknown time"
        return (
            "container-stopped",
            0.9,
            (
                f"{c.name} is {c.status} (exit code {code}, since {when}"
                f"{', no restart policy' if c.restart_policy in (None, 'no') else ''})"
                f"{_last_words(f, c)}"
            ),
        )
    return None


_ERROR_WORDS = re.compile(
    r"(?i)\b(fatal|error|exception|traceback|panic|killed|cannot|could not|"
    r"failed|refused|denied|no such|not found)\b"
)


def last_log_error(f: Facts, c: Container) -> tuple[int, str] | None:
    """The last line of the container's log tail that looks like an error."""
    if not c.log_path:
        return None
    lines = (f.bundle.read_text(c.log_path) or "").splitlines()
    for i in range(len(lines) - 1, max(-1, len(lines) - 200), -1):
        if _ERROR_WORDS.search(lines[i]):
            return i + 1, lines[i].strip()
    return None


def _last_words(f: Facts, c: Container) -> str:
    hit = last_log_error(f, c)
    if hit is None:
        return ""
    text = re.sub(r"^\d{4}-\d\d-\d\dT[\d:.]+Z?\s*", "", hit[1])
    return f'; its log ends with "{text[:160]}"'


def state_values(c: Container) -> dict[str, Any]:
    """Template values from the container's own numbers."""
    out: dict[str, Any] = {}
    if c.memory_limit:
        out["opt_memory"] = f" of {c.service or c.name} above the current {_mib(c.memory_limit)}"
    return out


def _still_down(c: Container) -> str:
    if c.running:
        return ""
    if c.restart_policy in (None, "no"):
        return f"; it is still {c.status}: no restart policy brings it back"
    return f"; it is {c.status} (restart policy {c.restart_policy})"


def state_plan(c: Container, cause: str) -> list[str]:
    """Steps specific to this container's numbers (added before the generic plan)."""
    steps: list[str] = []
    if cause in ("oom-killed", "container-stopped") and c.restart_policy in (None, "no"):
        steps.append(
            f"add `restart: unless-stopped` to {c.service or c.name} so one crash is not a "
            f"lasting outage (lint CMP001)"
        )
    if cause == "container-crashloop" and c.restart_policy not in (None, "no"):
        steps.append(
            f"docker update --restart=no {c.name}  (optional: stop the restart loop while "
            f"you debug; restore the policy afterwards)"
        )
    return steps


def _mib(n: int | None) -> str:
    return f"{(n or 0) / 1048576:.0f} MiB"


def container_evidence(d: Diagnosis, f: Facts, c: Container) -> None:
    st = c.state
    bits = [
        f"Status={c.status}",
        f"ExitCode={c.exit_code}",
        f"OOMKilled={c.oom_killed}",
        f"RestartCount={c.restart_count}",
    ]
    if st.get("StartedAt"):
        bits.append(f"StartedAt={st.get('StartedAt')}")
    if st.get("FinishedAt") and not str(st.get("FinishedAt")).startswith("0001"):
        bits.append(f"FinishedAt={st.get('FinishedAt')}")
    if c.memory_limit:
        bits.append(f"Memory={c.memory_limit}")
    if c.ips:
        bits.append(f"IPs={','.join(c.ips)}")
    d.add_evidence("docker/containers.json", None, f"{c.name}: " + " ".join(bits))
    for lineno, ln in oom_lines_for(f, c)[:2]:
        d.add_evidence("host/oom.txt", lineno, ln)


def log_evidence(d: Diagnosis, lines: list[ErrorLine], limit: int = 4) -> None:
    """Quote a representative few: the first line of each kind, then the last line."""
    picked: list[ErrorLine] = []
    seen: set[str] = set()
    for ln in lines:
        if ln.kind not in seen:
            seen.add(ln.kind)
            picked.append(ln)
    if lines and lines[-1] not in picked:
        picked.append(lines[-1])
    for ln in picked[:limit]:
        d.add_evidence(ln.source, ln.lineno, ln.raw)


def impact(f: Facts, address: str | None) -> tuple[int, str]:
    """How many requests the access log shows failing for this peer (or overall)."""
    acc = f.access
    if address and acc.has_upstream_fields:
        n = sum(
            cnt
            for (addr, st), cnt in acc.upstreams.items()
            if addr == address and st in ("502", "504", "500")
        )
        return n, f"{n} requests to {address} failed (access log)"
    n = acc.count(502, 504)
    return n, f"{n} requests answered 502/504 (access log)" if acc.parsed else ""


def _upstream_label(f: Facts, pf: PeerFailures, c: Container | None) -> str | None:
    """The name nginx uses for this peer: upstream group or proxy_pass host."""
    key = pf.key
    if key.startswith(("group:", "name:")):
        return key.split(":", 1)[1]
    port = pf.peer.port if pf.peer else None
    for t in f.targets:
        if t.port != port or not t.host:
            continue
        if c is not None and t.host.lower() in c.names:
            return t.group or t.host
        if pf.peer and t.host == pf.peer.host:
            return t.group or t.host
    return None


def _resolve(f: Facts, pf: PeerFailures) -> tuple[Container | None, str]:
    """Find the container behind a failing peer; the second value says how."""
    key = pf.key
    if key.startswith("name:"):
        host = key[5:].rsplit(":", 1)[0] if key[5:].count(":") == 1 else key[5:]
        c = f.container_by_name(host)
        return c, "name" if c else "none"
    if key.startswith("group:"):
        group = key[6:]
        members: list[Container] = []
        for t in f.groups.get(group, []):
            c = f.container_by_ip(t.host) or f.container_by_name(t.host)
            if c is not None:
                members.append(c)
        members.sort(key=lambda c: c.running)
        return (members[0], "group") if members else (None, "none")
    peer = pf.peer
    if peer is None or peer.unix:
        return None, "none"
    c = f.container_by_ip(peer.host)
    if c is not None:
        return c, "ip"
    c = f.container_by_name(peer.host)
    if c is not None:
        return c, "name"
    # The IP belongs to no container now: which name does nginx use for this port?
    candidates: list[Container] = []
    for t in f.targets_for_port(peer.port):
        for cand in f.containers_by_name(t.host):
            if cand not in candidates:
                candidates.append(cand)
    if len(candidates) == 1 or (candidates and all(not x.running for x in candidates)):
        return candidates[0], "config"
    stopped = [x for x in f.containers if not x.running and peer.port in x.exposed_ports]
    if len(stopped) == 1:
        return stopped[0], "port"
    return None, "none"


def diagnose_peer(f: Facts, pf: PeerFailures) -> list[Diagnosis]:
    """One diagnosis per distinct cause behind this peer's lines.

    A peer's lines are split by family first (connect failures, resets, timeouts, too-big
    headers, TLS...): a too-big header means the upstream answered, so it is never folded
    into "refuses connections" even for the same address. Families the container's state
    explains (an OOM kill explains refused and reset lines) end up with the same cause and
    are reported together."""
    lines = [ln for ln in pf.lines if ln.kind in PEER_KINDS]
    kinds = Counter({k: n for k, n in pf.kinds.items() if k in PEER_KINDS})
    if not kinds:
        return []
    c, how = _resolve(f, pf)
    peer = pf.peer
    address = peer.address if peer and not pf.key.startswith(("name:", "group:")) else None
    families: dict[str, Counter[str]] = {}
    for kind, n in kinds.most_common():
        families.setdefault(KIND_FAMILY.get(kind, kind), Counter())[kind] = n
    decided: dict[str, list[tuple[Counter[str], tuple[str, float, str]]]] = {}
    for family, fam_kinds in families.items():
        main = fam_kinds.most_common(1)[0][0]
        verdict = _decide(f, pf, main, c, how, address, family)
        decided.setdefault(verdict[0], []).append((fam_kinds, verdict))
    died = decided.get("upstream-closed-connection")
    if died and "upstream-refused" in decided and c is not None and restarted_during(c, pf):
        # one restart: in-flight requests were cut, new ones refused until it listened again
        cause, conf, head = died[0][1]
        verdict = (cause, conf, f"{head}; connections were refused while it restarted")
        merged = [*died, *decided.pop("upstream-refused")]
        decided[cause] = [(fam_kinds, verdict) for fam_kinds, _ in merged]
    if len(decided) == 1:
        ((_, parts),) = decided.items()
        return [_peer_diagnosis(f, pf, lines, kinds, c, address, parts[0][1])]
    out: list[Diagnosis] = []
    for parts in decided.values():
        sub_kinds: Counter[str] = Counter()
        for fam_kinds, _ in parts:
            sub_kinds.update(fam_kinds)
        # the head of the family with the most lines speaks for the group
        verdict = max(parts, key=lambda p: sum(p[0].values()))[1]
        sub, n_requests = _sub_failures(f, pf, sub_kinds, lines)
        out.append(_peer_diagnosis(f, sub, sub.lines, sub_kinds, c, address, verdict, n_requests))
    return out


def _sub_failures(
    f: Facts, pf: PeerFailures, kinds: Counter[str], lines: list[ErrorLine]
) -> tuple[PeerFailures, int]:
    """The part of a peer's failures with these kinds, and its number of failed requests
    (estimated from the kinds' share when the peer's kept lines were capped)."""
    mine = [ln for ln in lines if ln.kind in kinds]
    if not mine:
        # every kept line is of another kind (the peer's first lines fill the cap): quote
        # the per-kind samples that name this peer instead
        needle = pf.peer.address if pf.peer else pf.key.split(":", 1)[-1]
        mine = [
            ln
            for kind in kinds
            for ln in f.errors.samples.get(kind, [])
            if ln.upstream and needle and needle in ln.upstream
        ]
    conns = {ln.conn for ln in mine if ln.conn is not None}
    total = sum(pf.kinds[k] for k in PEER_KINDS)
    share = sum(kinds.values()) / total if total else 1.0
    complete = len(lines) >= total
    n_requests = len(conns) if complete else max(len(conns), round(len(pf.requests) * share))
    sub = PeerFailures(pf.key, pf.peer, mine, Counter(kinds), conns)
    return sub, n_requests or sum(kinds.values())


def _peer_diagnosis(
    f: Facts,
    pf: PeerFailures,
    lines: list[ErrorLine],
    kinds: Counter[str],
    c: Container | None,
    address: str | None,
    verdict: tuple[str, float, str],
    split_requests: int | None = None,
) -> Diagnosis:
    """Build the diagnosis for (part of) a peer's failures. `split_requests` is set when
    the peer's lines were split across several causes."""
    peer = pf.peer
    split = split_requests is not None
    requests = split_requests or len(pf.requests) or sum(kinds.values())
    subject: dict[str, str | None] = {"upstream": _upstream_label(f, pf, c), "address": address}
    if c is not None:
        subject.update(c.subject())
    n_failed, impact_text = impact(f, address)
    first, last = pf.first, pf.last
    seen = f"{requests} failed request{'s' if requests != 1 else ''}" + (
        f" between {fmt_time(first)} and {fmt_time(last)}" if first is not None else ""
    )
    where = address or subject.get("upstream") or pf.key
    symptoms = f"nginx logged {describe(kinds)} for {where}"
    source = lines[0].source if lines else "/var/log/nginx/error.log"
    host = next((ln.host for ln in lines if ln.host), None)
    values: dict[str, Any] = {
        "opt_memory": state_values(c).get("opt_memory") if c is not None else None,
        "address": address,
        "error_log": source,
        "host": host or "<server_name>",
        "path": peer.unix if peer and peer.unix else None,
    }

    paths = Counter(
        ln.request.split(" ")[1] for ln in lines if ln.request and ln.request.count(" ") >= 1
    )
    if paths:
        values["request_path"] = paths.most_common(1)[0][0]
    conf_files = sorted({t.file for t in f.targets if t.file.startswith("/")})
    if conf_files:
        import os.path

        values["nginx_conf_dir"] = (
            os.path.commonpath(conf_files) if len(conf_files) > 1 else conf_files[0]
        )
    cause, conf, head = verdict
    if cause == "upstream-timeout" and c is not None and c.running:
        head = _timeout_head(f, c, lines, paths)
    summary = f"{head}. {symptoms} ({seen})" + (f"; {impact_text}" if impact_text else "")
    plan = _specific_plan(cause, c, address, f, pf)
    if c is not None:
        plan = [*plan, *state_plan(c, cause)]
    severity = "error"
    quiet = (f.collected_at - last) if f.collected_at and last else None
    if (
        quiet is not None
        and quiet > RECOVERED_AFTER
        and (c is None or c.running)
        and cause not in ("container-stopped", "container-crashloop", "oom-killed")
    ):
        severity = "warning"
        summary += f"; no failure in the last {quiet / 60:.0f} min before collection (recovered?)"
    d = make(cause, severity, conf, summary, subject, values, plan=plan)
    if cause == "port-mismatch" and c is not None and c.listening and address and peer:
        ports = sorted(
            {
                int(s["port"])
                for s in c.listening
                if isinstance(s.get("port"), int)
                and str(s.get("address")) not in ("127.0.0.11", "127.0.0.1", "::1")
            }
        )
        if ports and peer.host:
            new = f"{peer.host}:{ports[0]}"
            d.verify = [v.replace(f"//{address}/", f"//{new}/") for v in d.verify]
    d.first_seen = first
    # the access log cannot tell which of a peer's causes a 502 belongs to: count it only
    # when all of the peer's lines have one cause
    d.requests = requests if split else max(requests, n_failed)
    log_evidence(d, lines)
    if c is not None:
        container_evidence(d, f, c)
        _listening_evidence(d, c)
    _access_evidence(d, f, address, exact=split)
    _config_evidence(d, f, pf, c)
    _timeout_evidence(d, f)
    return d


def restarted_during(c: Container, pf: PeerFailures) -> bool:
    """Did the container (re)start after the peer's failures began (5 min slack)?"""
    first = pf.first
    return bool(c.restart_count > 0 and c.started_at and first and c.started_at >= first - 300)


def state_explains(family: str, c: Container) -> bool:
    """Does the container's state (OOM-killed, crash loop, stopped) explain lines of this
    family? A dead or restarting process explains refused / unreachable / reset / closed
    connections, its name vanishing from Docker's DNS and a group with no live server; a
    timeout only when the container is not running now. It never explains an answer that
    arrived (too big or invalid header), TLS errors or nginx's own limits."""
    if family in STATE_FAMILIES:
        return True
    return family == "timeout" and not c.running


def _decide(
    f: Facts,
    pf: PeerFailures,
    main: str,
    c: Container | None,
    how: str,
    address: str | None,
    family: str | None = None,
) -> tuple[str, float, str]:
    peer = pf.peer
    family = family or KIND_FAMILY.get(main, main)
    if c is not None:
        state = state_cause(f, c)
        if state is not None and state_explains(family, c):
            cause, conf, head = state
            if how in ("config", "port"):
                head += f"; its address {address} is gone while it is down"
                conf -= 0.05 if how == "config" else 0.2  # "port": matched by port only
            elif how == "name" and main in ("dns", "host-not-found"):
                head += " (Docker's DNS drops the names of stopped containers)"
            return cause, conf, head
        if (
            family in ("connect", "timeout")
            and how == "config"
            and address
            and address.split(":")[0] not in c.ips
        ):
            return (
                "stale-upstream-ip",
                0.85,
                (
                    f"nginx connects to {address}, but {c.name} now has "
                    f"{', '.join(c.ips) or 'another address'} (recreated after nginx resolved "
                    f"its name)"
                ),
            )
        if main in CONNECT_KINDS and peer is not None and peer.port is not None:
            return _listen_cause(c, peer.port)
        if main in ("closed", "reset") and restarted_during(c, pf):
            return (
                "upstream-closed-connection",
                0.75,
                (
                    f"{c.name} closed connections mid-request and restarted at "
                    f"{fmt_time(c.started_at)} ({c.restart_count} restarts, last exit code "
                    f"{c.exit_code}): the process died during requests"
                ),
            )
        if main in ("dns", "host-not-found"):
            return (
                "dns-unresolvable",
                0.7,
                (
                    f"nginx cannot resolve {pf.key.split(':', 1)[1]} although {c.name} runs: "
                    f"it is probably not on a network nginx shares"
                ),
            )
        cause = KIND_CAUSE.get(main, "upstream-refused")
        now = "is running" if c.running else f"is {c.status} now"
        return cause, 0.8, f"{c.name} {now}, but {KIND_HEAD.get(main, KIND_TEXT.get(main, main))}"
    # no container behind the peer
    if pf.key.startswith("name:"):
        name = pf.key[5:]
        return "dns-unresolvable", 0.85, f"nginx cannot resolve the upstream name {name}"
    if peer is not None and peer.unix:
        if main == "permission":
            return (
                "socket-missing",
                0.7,
                (f"nginx may not connect to the unix socket {peer.unix} (permission denied)"),
            )
        if main == "refused":
            return (
                "socket-missing",
                0.8,
                (
                    f"the unix socket {peer.unix} exists but nothing accepts on it (stale socket "
                    f"file: the app server is not running)"
                ),
            )
        return "socket-missing", 0.9, f"the unix socket {peer.unix} does not exist"
    if pf.key.startswith("group:"):
        return (
            "upstream-unavailable",
            0.6,
            (f"every server of upstream {pf.key[6:]} was marked failed"),
        )
    ip = peer.host if peer else None
    if main in (*CONNECT_KINDS, "timeout") and ip and f.containers:
        if f.in_docker_network(ip):
            return (
                "stale-upstream-ip",
                0.8,
                (
                    f"no container has the address {address} any more (it is inside a Docker "
                    f"network): nginx is using a stale IP"
                ),
            )
        if main == "unreachable":
            return "stale-upstream-ip", 0.5, f"{address} is unreachable and no container has it"
    if main == "refused" and ip and (ip.startswith("127.") or ip == "::1"):
        return (
            "upstream-refused",
            0.6,
            (
                f"nothing listens on {address}; if nginx runs in a container, 127.0.0.1 is the "
                f"nginx container itself, not the host"
            ),
        )
    if f.docker_reachable is False and main in CONNECT_KINDS:
        return (
            KIND_CAUSE[main],
            0.5,
            (
                f"{address} refuses connections (the Docker engine was not readable, so the "
                f"container behind it is unknown)"
            ),
        )
    cause = KIND_CAUSE.get(main, "upstream-refused")
    if main in KIND_HEAD:
        return cause, 0.7, f"{address or pf.key}: {KIND_HEAD[main]}"
    return cause, 0.7, f"{KIND_TEXT.get(main, main)} from {address or pf.key}"


_PHASE = {
    "C3": ("accept the connection", "proxy_connect_timeout"),
    "T5": ("complete the TLS handshake", "proxy_connect_timeout"),
    "S1": ("read the request", "proxy_send_timeout"),
    "H1": ("send response headers", "proxy_read_timeout"),
    "B2": ("send the rest of the response body", "proxy_read_timeout"),
}


def _timeout_head(f: Facts, c: Container, lines: list[ErrorLine], paths: Counter[str]) -> str:
    refs = Counter(ln.ref for ln in lines if ln.kind == "timeout")
    ref = refs.most_common(1)[0][0] if refs else "H1"
    phase, directive = _PHASE.get(ref or "H1", _PHASE["H1"])
    found = f.directive(directive)
    limit = f"{directive} {' '.join(found[0].args)}" if found else f"{directive} (60s default)"
    slow = ", ".join(p for p, _ in paths.most_common(3))
    return f"{c.name} is running but did not {phase} within {limit}" + (
        f"; slow requests: {slow}" if slow else ""
    )


def _listen_cause(c: Container, port: int) -> tuple[str, float, str]:
    """Running container refusing on `port`: what does it listen on instead?"""
    if c.listening is None:
        exposed = sorted(c.exposed_ports)
        if exposed and port not in exposed:
            return (
                "port-mismatch",
                0.6,
                (
                    f"{c.name} is running but refuses port {port}; its image exposes "
                    f"{', '.join(map(str, exposed))} (listening sockets were not collected)"
                ),
            )
        return (
            "upstream-refused",
            0.5,
            (
                f"{c.name} is running but refuses connections on port {port} (listening "
                f"sockets were not collected)"
            ),
        )
    # 127.0.0.11:<random> is Docker's embedded DNS resolver on user-defined networks
    socks = [s for s in c.listening if str(s.get("address")) != "127.0.0.11"]
    on_port = [s for s in socks if s.get("port") == port]
    wildcard = [
        s
        for s in on_port
        if str(s.get("address")) not in ("127.0.0.1", "::1")
        and not str(s.get("address", "")).startswith("127.")
    ]
    if on_port and not wildcard:
        return (
            "listening-on-loopback",
            0.92,
            (
                f"{c.name} listens on port {port} only on "
                f"{', '.join(sorted({str(s.get('address')) for s in on_port}))} inside its "
                f"container, so connections to its network address are refused"
            ),
        )
    if wildcard:
        return (
            "upstream-refused",
            0.4,
            (
                f"{c.name} listens on port {port} now but refused connections earlier "
                f"(it was probably restarting or starting up)"
            ),
        )
    others = sorted({int(s["port"]) for s in socks if isinstance(s.get("port"), int)})
    if others:
        return (
            "port-mismatch",
            0.9,
            (
                f"{c.name} is running but listens on port {', '.join(map(str, others))}, "
                f"not on {port} that nginx connects to"
            ),
        )
    return (
        "port-mismatch",
        0.55,
        (
            f"{c.name} is running but nothing listens on any TCP port inside it (the app did "
            f"not start its server, or listens on a unix socket)"
        ),
    )


def _specific_plan(
    cause: str, c: Container | None, address: str | None, f: Facts, pf: PeerFailures
) -> list[str]:
    steps: list[str] = []
    if cause == "port-mismatch" and c is not None and c.listening:
        ports = sorted(
            {
                int(s["port"])
                for s in c.listening
                if isinstance(s.get("port"), int) and str(s.get("address")) != "127.0.0.11"
            }
        )
        port = pf.peer.port if pf.peer else None
        for t in f.targets_for_port(port) if ports else []:
            steps.append(
                f"edit {t.file}:{t.line}: `{t.directive} {t.raw}` -> use port "
                f"{ports[0]} (the port {c.name} listens on), or make the app listen "
                f"on {port}"
            )
            break
    if cause == "upstream-timeout":
        phase = {
            "C3": "proxy_connect_timeout",
            "T5": "proxy_connect_timeout",
            "S1": "proxy_send_timeout",
        }
        refs = Counter(ln.ref for ln in pf.lines if ln.kind == "timeout")
        directive = (
            phase.get(refs.most_common(1)[0][0] or "", "proxy_read_timeout")
            if refs
            else "proxy_read_timeout"
        )
        found = f.directive(directive)
        if found:
            st = found[0]
            steps.append(
                f"{st.file}:{st.line} sets `{directive} {' '.join(st.args)}`: compare "
                f"it with the slowest endpoint's real latency before changing it"
            )
        else:
            steps.append(
                f"{directive} is not set: nginx waits the 60s default (make it "
                f"explicit per location: NGX002)"
            )
    if cause == "stale-upstream-ip":
        steps.append("nginx -t && nginx -s reload  (re-resolves upstream names now)")
    return steps


def _listening_evidence(d: Diagnosis, c: Container) -> None:
    if c.listening is None or d.cause not in (
        "port-mismatch",
        "listening-on-loopback",
        "upstream-refused",
    ):
        return
    socks = (
        ", ".join(f"{s.get('address')}:{s.get('port')}/{s.get('proto')}" for s in c.listening)
        or "nothing"
    )
    d.add_evidence(f"docker/listening/{c.name}.json", None, f"{c.name} listens on: {socks}")


def _access_evidence(d: Diagnosis, f: Facts, address: str | None, exact: bool = False) -> None:
    """Quote a 502/504 access-log line for this peer. `exact`: the peer's lines were split
    across causes, so only a line whose $upstream_addr names the peer is quoted (a line
    without it could belong to the other cause)."""
    for status in (502, 504):
        for source, line in f.access.samples.get(status, [])[:2]:
            if exact and not (address and line.upstream_addr):
                continue
            if address and line.upstream_addr and address not in line.upstream_addr:
                continue
            d.add_evidence(source, line.lineno, line.raw)
            break


def _timeout_evidence(d: Diagnosis, f: Facts) -> None:
    if d.cause != "upstream-timeout":
        return
    for name in ("proxy_read_timeout", "proxy_connect_timeout", "proxy_send_timeout"):
        for st in f.directive(name)[:1]:
            d.add_evidence(st.file, st.line, f"{name} {' '.join(st.args)};")


def _config_evidence(d: Diagnosis, f: Facts, pf: PeerFailures, c: Container | None) -> None:
    port = pf.peer.port if pf.peer else None
    label = d.subject.get("upstream")
    for t in f.targets:
        if (label and (t.host == label or t.group == label)) and (
            port is None or t.port in (port, None)
        ):
            d.add_evidence(t.file, t.line, f"{t.directive} {t.raw};")
            break


def analyze(bundle: Bundle, f: Facts) -> list[Diagnosis]:
    out: list[Diagnosis] = []
    for pf in f.errors.peers.values():
        out.extend(diagnose_peer(f, pf))
    return out
