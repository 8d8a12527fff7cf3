"""Facts: the bundle parsed once into indexes the analyzers share (containers by IP and
name, error-log failures by peer, access-log counts, nginx proxy targets, disk entries).

The engine builds one `Facts` per analysis (`build_facts`) and hands it to every analyzer,
so running eight analyzers parses the logs once; nothing is cached between analyses."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from typing import Any

from infradoctor.diagnose import accesslog, errorlog
from infradoctor.diagnose.errorlog import iso_time, utc_strftime
from infradoctor.diagnose.evidence import Bundle
from infradoctor.syntax.numbers import digits_value

NOT_RUNNING = ("exited", "dead", "created", "removing", "paused")


@dataclass(slots=True)
class Container:
    """A trimmed `docker inspect` object with the questions analyzers ask of it."""

    raw: dict[str, Any]
    listening: list[dict[str, Any]] | None = None  # None: not collected
    log_path: str | None = None  # bundle member with the log tail

    @property
    def name(self) -> str:
        return str(self.raw.get("Name") or "").lstrip("/") or str(self.raw.get("Id", ""))[:12]

    @property
    def id(self) -> str:
        return str(self.raw.get("Id") or "")

    @property
    def state(self) -> dict[str, Any]:
        s = self.raw.get("State")
        return s if isinstance(s, dict) else {}

    @property
    def status(self) -> str:
        st = self.state.get("Status")
        if isinstance(st, str):
            return st
        if self.state.get("Restarting"):
            return "restarting"
        return "running" if self.state.get("Running") else "exited"

    @property
    def running(self) -> bool:
        return self.status == "running" or (
            bool(self.state.get("Running")) and not self.state.get("Restarting")
        )

    @property
    def restarting(self) -> bool:
        return bool(self.state.get("Restarting")) or self.status == "restarting"

    @property
    def oom_killed(self) -> bool:
        return bool(self.state.get("OOMKilled"))

    @property
    def exit_code(self) -> int | None:
        code = self.state.get("ExitCode")
        return code if isinstance(code, int) else None

    @property
    def restart_count(self) -> int:
        n = self.raw.get("RestartCount")
        return n if isinstance(n, int) else 0

    @property
    def started_at(self) -> float | None:
        return iso_time(self.state.get("StartedAt"))

    @property
    def finished_at(self) -> float | None:
        return iso_time(self.state.get("FinishedAt"))

    @property
    def health(self) -> dict[str, Any]:
        h = self.state.get("Health")
        return h if isinstance(h, dict) else {}

    @property
    def health_status(self) -> str | None:
        s = self.health.get("Status")
        return s if isinstance(s, str) else None

    @property
    def service(self) -> str | None:
        svc = self.raw.get("ComposeService") or self.labels.get("com.docker.compose.service")
        return str(svc) if svc else None

    @property
    def project(self) -> str | None:
        p = self.raw.get("ComposeProject") or self.labels.get("com.docker.compose.project")
        return str(p) if p else None

    @property
    def config(self) -> dict[str, Any]:
        c = self.raw.get("Config")
        return c if isinstance(c, dict) else {}

    @property
    def host_config(self) -> dict[str, Any]:
        c = self.raw.get("HostConfig")
        return c if isinstance(c, dict) else {}

    @property
    def labels(self) -> dict[str, str]:
        lab = self.config.get("Labels")
        return lab if isinstance(lab, dict) else {}

    @property
    def image(self) -> str:
        return str(self.config.get("Image") or self.raw.get("Image") or "")

    @property
    def network_settings(self) -> dict[str, Any]:
        ns = self.raw.get("NetworkSettings")
        return ns if isinstance(ns, dict) else {}

    @property
    def networks(self) -> dict[str, dict[str, Any]]:
        nets = self.network_settings.get("Networks")
        return nets if isinstance(nets, dict) else {}

    @property
    def ips(self) -> list[str]:
        """Current IPs, plus static (IPAM) ones kept while the container is stopped."""
        out: list[str] = []
        top = self.network_settings.get("IPAddress")
        if top:
            out.append(str(top))
        for net in self.networks.values():
            if not isinstance(net, dict):
                continue
            ip = net.get("IPAddress")
            if ip:
                out.append(str(ip))
            ipam = net.get("IPAMConfig")
            if isinstance(ipam, dict) and ipam.get("IPv4Address"):
                out.append(str(ipam["IPv4Address"]))
        return list(dict.fromkeys(out))

    @property
    def names(self) -> set[str]:
        """Every name other containers can reach it by (Docker DNS) or users call it."""
        out = {self.name.lower(), self.id[:12].lower()}
        if self.service:
            out.add(self.service.lower())
        hostname = self.config.get("Hostname")
        if hostname:
            out.add(str(hostname).lower())
        for net in self.networks.values():
            if isinstance(net, dict):
                for key in ("Aliases", "DNSNames"):
                    for alias in net.get(key) or []:
                        out.add(str(alias).lower())
        out.discard("")
        return out

    @property
    def exposed_ports(self) -> set[int]:
        out: set[int] = set()
        exposed = self.config.get("ExposedPorts")
        for spec in exposed if isinstance(exposed, (dict, list)) else []:
            m = re.match(r"([0-9]+)", str(spec))
            port = digits_value(m.group(1)) if m else None
            if port is not None:
                out.add(port)
        return out

    @property
    def log_size(self) -> int | None:
        n = self.raw.get("LogSize")
        return n if isinstance(n, int) else None

    @property
    def log_config(self) -> dict[str, Any]:
        lc = self.host_config.get("LogConfig")
        return lc if isinstance(lc, dict) else {}

    @property
    def restart_policy(self) -> str | None:
        rp = self.host_config.get("RestartPolicy")
        if isinstance(rp, dict) and rp.get("Name"):
            return str(rp["Name"])
        return None

    @property
    def memory_limit(self) -> int | None:
        m = self.host_config.get("Memory")
        return m if isinstance(m, int) and m > 0 else None

    @property
    def bot_token_hash(self) -> str | None:
        h = self.raw.get("BotTokenHash")
        if isinstance(h, str) and h:
            return h
        env = self.config.get("Env")
        for item in env if isinstance(env, list) else []:
            m = re.search(r"\[REDACTED:bot-token:([0-9a-f]{6,})\]", str(item))
            if m:
                return m.group(0)
        return None

    def subject(self) -> dict[str, str | None]:
        return {"container": self.name, "service": self.service, "project": self.project}


@dataclass(slots=True)
class ConfigTarget:
    """A place the nginx config sends traffic: proxy_pass/*_pass or an upstream server."""

    host: str | None
    port: int | None
    unix: str | None
    group: str | None  # upstream{} name when it comes from one
    directive: str
    file: str
    line: int
    raw: str


@dataclass(slots=True)
class Facts:
    bundle: Bundle
    stack: Any
    utc_offset: float = 0.0
    collected_at: float | None = None
    errors: errorlog.ErrorLogSummary = field(default_factory=errorlog.ErrorLogSummary)
    access: accesslog.AccessSummary = field(default_factory=accesslog.AccessSummary)
    error_sources: dict[str, str] = field(default_factory=dict)  # bundle path -> original
    access_sources: dict[str, str] = field(default_factory=dict)
    containers: list[Container] = field(default_factory=list)
    docker_reachable: bool | None = None
    probe_requests: int = 0  # access-log lines of infradoctor's own probes (not impact)
    targets: list[ConfigTarget] = field(default_factory=list)
    groups: dict[str, list[ConfigTarget]] = field(default_factory=dict)
    config_text: str = ""
    directives: list[Any] = field(default_factory=list)  # nginxdump.Stmt of nginx/config.txt
    log_events: list[Any] = field(default_factory=list)  # engine.TimelineEvent (container logs)

    # ---------------------------------------------------------------- lookups
    def container_by_ip(self, ip: str | None) -> Container | None:
        if not ip:
            return None
        found = [c for c in self.containers if ip in c.ips]
        found.sort(key=lambda c: not c.running)
        return found[0] if found else None

    def containers_by_name(self, name: str | None) -> list[Container]:
        if not name:
            return []
        key = name.lower()
        found = [c for c in self.containers if key in c.names]
        found.sort(key=lambda c: (not c.running, c.name))
        return found

    def container_by_name(self, name: str | None) -> Container | None:
        found = self.containers_by_name(name)
        return found[0] if found else None

    def container(self, name: str) -> Container | None:
        for c in self.containers:
            if c.name == name:
                return c
        return None

    def in_docker_network(self, ip: str) -> bool:
        """Is `ip` inside a network some container is attached to (guessed from the
        gateways and IPs we know: /16 for Docker's default address pools)?"""
        try:
            addr = ipaddress.ip_address(ip)
        except ValueError:
            return False
        for c in self.containers:
            for net in c.networks.values():
                if not isinstance(net, dict):
                    continue
                for known in (net.get("Gateway"), net.get("IPAddress")):
                    if not known:
                        continue
                    try:
                        prefix = 16 if addr.version == 4 else 64
                        netw = ipaddress.ip_network(f"{known}/{prefix}", strict=False)
                    except ValueError:
                        continue
                    if addr in netw:
                        return True
        return False

    def targets_for_port(self, port: int | None) -> list[ConfigTarget]:
        return [t for t in self.targets if port is not None and t.port == port]

    def directive(self, name: str) -> list[Any]:
        """Every `name` directive of the nginx config (with file, line, args)."""
        return [st for st in self.directives if st.name == name]

    def proxied_names(self) -> set[str]:
        return {t.host.lower() for t in self.targets if t.host}

    def is_proxied(self, c: Container) -> bool:
        """Does the nginx config (or the error log) send traffic to this container?"""
        names = self.proxied_names()
        if names & c.names or any(ip in names for ip in c.ips):
            return True
        return any(
            pf.peer is not None and pf.peer.host in c.ips for pf in self.errors.peers.values()
        )

    def log_source(self, member: str) -> str:
        return self.error_sources.get(member) or self.access_sources.get(member) or member

    def json(self, path: str, default: Any = None) -> Any:
        return self.bundle.read_json(path, default)


def build_facts(bundle: Bundle, stack: Any = None) -> Facts:
    """Parse the bundle once: the one input every analyzer reads besides the bundle."""
    meta = bundle.meta or {}
    offset = meta.get("utc_offset")
    if isinstance(offset, bool) or not isinstance(offset, int | float) or not abs(offset) < 2e5:
        offset = 0.0  # NaN, inf, 1e308, a string: not an offset (the widest real one is 14 h)
    facts = Facts(bundle, stack, float(offset))
    engine = bundle.read_json("docker/engine.json", {}) or {}
    if isinstance(engine, dict):
        facts.docker_reachable = engine.get("reachable") if "reachable" in engine else None
        if isinstance(engine.get("collected_at"), (int, float)):
            facts.collected_at = float(engine["collected_at"])
    if facts.collected_at is None:
        facts.collected_at = (
            iso_time(str(meta.get("created") or "")) if meta.get("created") else None
        )

    logs = bundle.read_json("nginx/logs.json", []) or []
    for entry in logs if isinstance(logs, list) else []:
        if isinstance(entry, dict) and entry.get("file"):
            target = facts.error_sources if entry.get("kind") == "error" else facts.access_sources
            target[str(entry["file"])] = str(entry.get("path") or entry["file"])
    error_members = [
        p
        for p in bundle.glob("nginx/logs/*")
        if p.endswith(".error.log") or facts.error_sources.get(p)
    ]
    access_members = [
        p
        for p in bundle.glob("nginx/logs/*")
        if p.endswith(".access.log") or (p in facts.access_sources and p not in error_members)
    ]
    facts.errors = errorlog.summarize(
        ((facts.error_sources.get(p, p), bundle.read_text(p) or "") for p in error_members),
        facts.utc_offset,
    )
    facts.access = accesslog.summarize(
        (facts.access_sources.get(p, p), _without_probes(facts, bundle.read_text(p) or ""))
        for p in access_members
    )

    raw_containers = bundle.read_json("docker/containers.json", []) or []
    for raw in raw_containers if isinstance(raw_containers, list) else []:
        if not isinstance(raw, dict):
            continue
        c = Container(raw)
        for cand in (c.name, re.sub(r"[^A-Za-z0-9_.-]+", "_", c.name)):
            listening = bundle.read_json(f"docker/listening/{cand}.json")
            if isinstance(listening, list) and c.listening is None:
                c.listening = [x for x in listening if isinstance(x, dict)]
            if c.log_path is None and bundle.has(f"docker/logs/{cand}.log"):
                c.log_path = f"docker/logs/{cand}.log"
        facts.containers.append(c)
    if facts.docker_reachable is None and raw_containers:
        facts.docker_reachable = True

    facts.config_text = bundle.read_text("nginx/config.txt") or ""
    _config_targets(facts)
    return facts


_PASS = ("proxy_pass", "fastcgi_pass", "uwsgi_pass", "grpc_pass", "scgi_pass")


def _without_probes(facts: Facts, text: str) -> str:
    from infradoctor.diagnose.hygiene import strip_probe_lines

    text, dropped = strip_probe_lines(text)
    facts.probe_requests += dropped
    return text


def _config_targets(facts: Facts) -> None:
    """Proxy targets from nginx/config.txt (nginx -T), with file and line."""
    if not facts.config_text.strip():
        return
    from infradoctor.syntax.nginxdump import split_sections, statements

    for file, text in split_sections(facts.config_text):
        for st in statements(text, file):
            facts.directives.append(st)
            if not st.args:
                continue
            if st.name == "server" and "upstream" in st.blocks and st.upstream:
                host, port, unix = _split_addr(st.args[0], None)
                t = ConfigTarget(
                    host,
                    port if port is not None else (80 if host else None),
                    unix,
                    st.upstream,
                    "server",
                    file,
                    st.line,
                    st.args[0],
                )
                facts.targets.append(t)
                facts.groups.setdefault(st.upstream, []).append(t)
            elif st.name in _PASS:
                raw = st.args[0]
                m = re.match(r"^(?:([a-z]+)://)?(.*)$", raw)
                scheme, rest = (m.group(1), m.group(2)) if m else (None, raw)
                if rest.startswith("unix:"):
                    path = rest[5:].split(":", 1)[0]
                    facts.targets.append(
                        ConfigTarget(None, None, path, None, st.name, file, st.line, raw)
                    )
                    continue
                hostport = re.split(r"[/?]", rest, maxsplit=1)[0]
                default = 443 if scheme in ("https", "grpcs") else 80
                host, port, _ = _split_addr(hostport, default)
                facts.targets.append(
                    ConfigTarget(host, port, None, None, st.name, file, st.line, raw)
                )
    # a proxy_pass naming an upstream group is not itself a host
    for t in list(facts.targets):
        if t.directive in _PASS and t.host in facts.groups:
            t.group = t.host


def _split_addr(addr: str, default: int | None) -> tuple[str | None, int | None, str | None]:
    if addr.startswith("unix:"):
        return None, None, addr[5:]
    m = re.match(r"^\[([^\]]+)\](?::(\d+))?$", addr) or re.match(r"^([^:]+)(?::(\d+))?$", addr)
    if m is None:
        return addr, default, None
    return m.group(1), digits_value(m.group(2)) if m.group(2) else default, None


def fmt_time(ts: float | None) -> str:
    return utc_strftime("%Y-%m-%d %H:%M:%S UTC", ts)
