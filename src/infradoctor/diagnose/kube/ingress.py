"""The ingress-nginx controller's log, parsed once: its access lines (the controller's
default `upstreaminfo` log format, with `[$proxy_upstream_name]`, `$upstream_addr`,
`$upstream_status`), nginx error lines (`upstream: "http://10.42.0.17:8080/..."`) and the
controller's own klog lines (`Service "ns/name" does not have any active Endpoint.`).

Lines may carry the RFC 3339 prefix `kubectl logs --timestamps` adds."""

from __future__ import annotations

import calendar
import re
import time
from collections import Counter
from dataclasses import dataclass, field

from infradoctor.diagnose.errorlog import iso_time, parse_line
from infradoctor.diagnose.kube.model import KubeState, LogFile, Pod

PROBE_AGENT = "infradoctor-probe"
# log_format upstreaminfo (ingress-nginx docs, "Log format"):
# $remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent
# "$http_referer" "$http_user_agent" $request_length $request_time [$proxy_upstream_name]
# [$proxy_alternative_upstream_name] $upstream_addr $upstream_response_length
# $upstream_response_time $upstream_status $req_id
_ACCESS = re.compile(
    r'^(?P<remote>\S+) - (?P<user>\S+) \[(?P<time>[^\]]+)\] "(?P<request>(?:[^"\\]|\\.)*)" '
    r'(?P<status>\d{3}) (?P<bytes>\S+) "(?:[^"\\]|\\.)*" "(?P<ua>(?:[^"\\]|\\.)*)" '
    r"(?P<reqlen>\S+) (?P<reqtime>\S+) \[(?P<upstream>[^\]]*)\] \[(?P<alt>[^\]]*)\] "
    r"(?P<rest>.*)$"
)
_TS_PREFIX = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)) ")
_KLOG = re.compile(r"^([IWEF])(\d\d)(\d\d) (\d\d):(\d\d):(\d\d)(?:\.\d+)?\s+\d+ (\S+)\] (.*)$")
_NO_ENDPOINT = re.compile(r'Service "([^"/]+)/([^"]+)" does not have any active Endpoint')
_MONTHS = {
    m: i for i, m in enumerate(("Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec").split(), 1)
}
_LOCAL = re.compile(r"(\d\d)/(\w{3})/(\d{4}):(\d\d):(\d\d):(\d\d) ([+-])(\d\d)(\d\d)")


@dataclass(slots=True)
class Hit:
    """One failed request (or error line) towards one upstream address."""

    address: str  # ip:port
    kind: str  # timeout | refused | reset | closed | 502 | 504 | ...
    upstream: str | None  # $proxy_upstream_name
    ts: float | None
    source: str
    line: int
    text: str
    status: int | None = None
    request_id: str | None = None


@dataclass(slots=True)
class IngressFacts:
    controller_pods: list[str] = field(default_factory=list)
    requests: int = 0
    probe_requests: int = 0  # our own probes (User-Agent infradoctor-probe), not impact
    status: Counter[int] = field(default_factory=Counter)
    by_upstream: dict[str, Counter[int]] = field(default_factory=dict)
    hits: dict[str, list[Hit]] = field(default_factory=dict)  # ip -> hits
    no_endpoint: dict[str, list[Hit]] = field(default_factory=dict)  # ns/svc -> lines
    unavailable: dict[str, list[Hit]] = field(default_factory=dict)  # upstream -> 503 lines
    error_lines: int = 0
    first: float | None = None
    last: float | None = None
    per_minute: dict[int, Counter[str]] = field(default_factory=dict)

    def _seen(self, ts: float | None) -> None:
        if ts is None:
            return
        self.first = ts if self.first is None else min(self.first, ts)
        self.last = ts if self.last is None else max(self.last, ts)

    def minute(self, ts: float | None, what: str) -> None:
        if ts is not None:
            self.per_minute.setdefault(int(ts // 60 * 60), Counter())[what] += 1


def is_controller(pod: Pod) -> bool:
    name = pod.labels.get("app.kubernetes.io/name", "")
    if (
        "ingress-nginx" in name
        and pod.labels.get("app.kubernetes.io/component", "controller") == "controller"
    ):
        return True
    for c in pod.containers:
        if "ingress-nginx/controller" in c.image or any(
            "nginx-ingress-controller" in a for a in c.argv
        ):
            return True
    return False


def _access_time(text: str) -> float | None:
    m = _LOCAL.match(text)
    if m is None:
        return None
    day, mon, year, hh, mm, ss, sign, oh, om = m.groups()
    if mon not in _MONTHS:
        return None
    base = calendar.timegm((int(year), _MONTHS[mon], int(day), int(hh), int(mm), int(ss), 0, 0, 0))
    offset = (int(oh) * 3600 + int(om) * 60) * (1 if sign == "+" else -1)
    return float(base - offset)


def _klog_time(m: re.Match[str], year: int) -> float:
    _, mon, day, hh, mm, ss = m.groups()[:6]
    return float(calendar.timegm((year, int(mon), int(day), int(hh), int(mm), int(ss), 0, 0, 0)))


def _split_upstream_fields(rest: str) -> tuple[list[str], list[str], list[str], str | None]:
    """'10.42.0.17:8080, 10.42.0.18:8080 0, 0 0.001, 0.002 502, 502 <req_id>' ->
    (addresses, ..., statuses, req_id)."""
    compact = rest.replace(", ", ",").replace(" : ", ",")
    parts = compact.split()
    if len(parts) < 5:
        return [], [], [], None
    addr, _length, rtime, status, req_id = parts[-5:]
    return addr.split(","), rtime.split(","), status.split(","), req_id


def upstream_services(state: KubeState) -> dict[str, str]:
    """$proxy_upstream_name (`<namespace>-<service>-<port>`) -> Service ns/name."""
    out: dict[str, str] = {}
    for s in state.services:
        for p in s.ports:
            for port in {str(p.port), p.name or "", p.target}:
                if port:
                    out[f"{s.namespace}-{s.name}-{port}"] = s.key
    return out


def parse_controller_logs(state: KubeState, year: int | None = None) -> IngressFacts:
    facts = IngressFacts()
    ref = state.reference_time()
    year = year or time.gmtime(ref if ref is not None else time.time()).tm_year
    logs: list[LogFile] = []
    for pod in state.pods:
        if not is_controller(pod):
            continue
        facts.controller_pods.append(pod.key)
        for c in pod.containers:
            for previous in (True, False):
                lf = state.log(pod, c.name, previous)
                if lf is not None:
                    logs.append(lf)
    for lf in logs:
        for lineno, raw in enumerate(lf.text.splitlines(), 1):
            _parse(facts, lf.path, lineno, raw, year)
    return facts


def _parse(facts: IngressFacts, source: str, lineno: int, raw: str, year: int) -> None:
    line = raw.rstrip("\r\n")
    prefix_ts: float | None = None
    m = _TS_PREFIX.match(line)
    if m is not None:
        prefix_ts = iso_time(m.group(1))
        line = line[m.end() :]
    a = _ACCESS.match(line)
    if a is not None:
        _access(facts, source, lineno, line, a, prefix_ts)
        return
    k = _KLOG.match(line)
    if k is not None:
        ne = _NO_ENDPOINT.search(k.group(8))
        if ne is not None:
            kts = prefix_ts if prefix_ts is not None else _klog_time(k, year)
            key = f"{ne.group(1)}/{ne.group(2)}"
            facts.no_endpoint.setdefault(key, []).append(
                Hit("", "no-endpoint", None, kts, source, lineno, line)
            )
            facts.minute(kts, "no active Endpoint")
        return
    e = parse_line(line, source, lineno)
    if e is None or not e.is_failure:
        return
    e.fill_context()
    ts: float | None = prefix_ts if prefix_ts is not None else e.ts
    facts.error_lines += 1
    facts._seen(ts)
    peer = e.peer
    if peer is None or peer.host is None:
        return
    address = f"{peer.host}:{peer.port}" if peer.port else peer.host
    facts.hits.setdefault(peer.host.strip("[]"), []).append(
        Hit(address, e.kind, None, ts, source, lineno, line)
    )
    facts.minute(ts, f"upstream {e.kind}")


def _access(
    facts: IngressFacts,
    source: str,
    lineno: int,
    line: str,
    a: re.Match[str],
    prefix_ts: float | None,
) -> None:
    if PROBE_AGENT in a.group("ua"):
        facts.probe_requests += 1
        return
    status = int(a.group("status"))
    ts = prefix_ts if prefix_ts is not None else _access_time(a.group("time"))
    facts.requests += 1
    facts.status[status] += 1
    facts._seen(ts)
    upstream = a.group("upstream") or None
    if upstream:
        facts.by_upstream.setdefault(upstream, Counter())[status] += 1
    if status < 500:
        return
    facts.minute(ts, str(status))
    addrs, _times, statuses, req_id = _split_upstream_fields(a.group("rest"))
    real = [x for x in addrs if x and x != "-"]
    if not real:
        if status == 503 and upstream:
            facts.unavailable.setdefault(upstream, []).append(
                Hit("", "503", upstream, ts, source, lineno, line, status, req_id)
            )
        return
    for i, addr in enumerate(real):
        ustatus = statuses[i] if i < len(statuses) else "-"
        if not ustatus.isdigit() or int(ustatus) < 500:
            continue
        host = addr.rsplit(":", 1)[0].strip("[]")
        facts.hits.setdefault(host, []).append(
            Hit(addr, ustatus, upstream, ts, source, lineno, line, int(ustatus), req_id)
        )
