"""Link step: Dockerfiles to services, nginx configs to projects, what each service listens
on, and every nginx proxy target to the service (and port) it reaches.

Resolution rules (what `ResolvedTarget.via` / `.reason` mean):
- nginx in a container of the project (`Project.nginx_service`): names go through compose
  DNS -- service name, network alias, container_name, hostname (`via` says which);
  127.0.0.1/localhost is the nginx container itself (`reason="loopback-in-container"`),
  unless nginx uses `network_mode: host` (then published ports, as on the host) or shares
  another service's namespace (`network_mode: service:x`, `via="shared-netns"`).
- nginx on the host (config attached by directory only): 127.0.0.1/localhost:PORT reach
  the service that PUBLISHES PORT (`via="published-port"`); names are still tried
  against compose DNS (we can't be sure where such an nginx runs).
- host.docker.internal / the docker0 gateway reach published ports from any container.
- Unresolved `reason`s: variable, unix-socket, external (FQDN), ip-literal, unknown-name,
  loopback-in-container, not-published (loopback port no service publishes), no-port,
  upstream-outside-config (an `upstream` block we could not load: written by a Dockerfile
  RUN, or in a sibling file that is not loaded as nginx).
"""

from __future__ import annotations

import ipaddress
import os
import posixpath
import re
from collections.abc import Mapping
from pathlib import Path

from infradoctor.loaders.files import Refusal, read_regular
from infradoctor.loaders.interpolate import UNSET_MARK
from infradoctor.loaders.listen import (
    detect_listens,
    is_loopback,
    is_web_server_service,
    listen_env,
    normalise_host,
    parse_host_port,
)
from infradoctor.model.nginx import Directive, NginxConfig, ProxyRoute, ProxyTarget, Upstream
from infradoctor.model.source import LoadError
from infradoctor.model.stack import (
    ListenAddress,
    Port,
    Project,
    ResolvedTarget,
    Service,
    Stack,
)
from infradoctor.syntax.numbers import digits_value
from infradoctor.syntax.shell import split_words

HOST_GATEWAY_NAMES = frozenset(
    {"host.docker.internal", "gateway.docker.internal", "host-gateway", "172.17.0.1"}
)


def link(stack: Stack) -> None:
    """Fill Service.dockerfile, Service.listens, Project.nginx / nginx_service and
    Project.targets. Never raises: an internal problem becomes a LoadError."""
    for step in (_attach_dockerfiles, _attach_nginx, _fill_listens, _resolve_all):
        try:
            step(stack)
        except Exception as exc:  # noqa: BLE001 - the link step must never stop a run
            stack.errors.append(
                LoadError(
                    "<link>",
                    f"internal error in link step {step.__name__}: {type(exc).__name__}: {exc}",
                    "internal",
                )
            )


# ---------------------------------------------------------------- Dockerfiles


def _norm(rel: str | None) -> str | None:
    if rel is None:
        return None
    p = posixpath.normpath(rel.replace("\\", "/"))
    return p[2:] if p.startswith("./") else p


def _attach_dockerfiles(stack: Stack) -> None:
    by_path = {_norm(k): v for k, v in stack.dockerfiles.items()}
    for svc in stack.services:
        if svc.dockerfile is not None:
            continue
        candidates = [_norm(svc.build_dockerfile)]
        if svc.build_context is not None:
            candidates.append(_norm(posixpath.join(svc.build_context, "Dockerfile")))
        for c in candidates:
            if c is not None and c in by_path:
                svc.dockerfile = by_path[c]
                break


# ---------------------------------------------------------------- nginx -> project


def _abs(stack: Stack, rel: str) -> Path:
    p = Path(rel)
    return Path(os.path.normpath(p if p.is_absolute() else stack.root / p))


def _mount_path(
    stack: Stack, project: Project, mount_source: str | None, host_path: Path | None
) -> Path | None:
    if host_path is not None:
        return Path(os.path.normpath(host_path))
    if not mount_source:
        return None
    src = mount_source
    if src.startswith("~"):
        return None
    if not os.path.isabs(src):
        src = os.path.join(str(stack.root / project.directory), src)
    return Path(os.path.normpath(src))


def _under(path: Path, parent: Path) -> bool:
    return path == parent or parent in path.parents


def _copy_sources(svc: Service) -> list[tuple[str, str]]:
    """(source, destination) of every COPY/ADD from the build context."""
    out: list[tuple[str, str]] = []
    if svc.dockerfile is None:
        return out
    for st in svc.dockerfile.stages:
        for ins in st.instructions:
            if ins.keyword not in ("COPY", "ADD") or "from" in ins.flags:
                continue
            if ins.exec_form is not None:
                words = list(ins.exec_form)
            else:
                words = [w for w in split_words(ins.value) if not w.startswith("--")]
            if len(words) >= 2:
                for src in words[:-1]:
                    out.append((src, words[-1]))
    return out


def _service_carries(stack: Stack, project: Project, svc: Service, cfg: NginxConfig) -> int:
    """How strongly `svc` runs `cfg`: 3 = an nginx-like service mounts it or COPYs it by
    path, 2 = another service mounts/copies it into an nginx-looking path, 1 = an
    nginx-like service copies its whole build context (`COPY . .`), 0 = no."""
    files = [_abs(stack, f) for f in dict.fromkeys([cfg.root_file, *cfg.files])]
    nginxish = is_web_server_service(svc)
    best = 0
    for m in svc.volumes:
        if m.type != "bind":
            continue
        hp = _mount_path(stack, project, m.source, m.host_path)
        if hp is None or hp == Path("/"):
            continue
        if any(_under(f, hp) for f in files):
            if nginxish:
                return 3
            if "nginx" in m.target.lower() or "openresty" in m.target.lower():
                best = max(best, 2)
    if svc.build_context is not None:
        ctx = _abs(stack, svc.build_context)
        for src, dest in _copy_sources(svc):
            whole = src.rstrip("/") in (".", "")
            src_path = Path(os.path.normpath(ctx / src.rstrip("/*")))
            if not any(_under(f, src_path) for f in files):
                continue
            if nginxish:
                best = max(best, 1 if whole else 3)
            elif not whole and "nginx" in dest.lower():
                best = max(best, 2)
    return best


def _attach_nginx(stack: Stack) -> None:
    for cfg in stack.nginx:
        carriers: list[tuple[Project, Service]] = []
        for project in stack.projects:
            ranked = sorted(
                ((_service_carries(stack, project, s, cfg), s) for s in project.services.values()),
                key=lambda t: -t[0],
            )
            if ranked and ranked[0][0] > 0:
                carriers.append((project, ranked[0][1]))
        if carriers:
            for project, svc in carriers:
                if cfg not in project.nginx:
                    project.nginx.append(cfg)
                project.nginx_service[cfg.root_file] = svc.name
            continue
        cfg_dir = posixpath.dirname(_norm(cfg.root_file) or "") or "."
        best: Project | None = None
        best_depth = -1
        for project in stack.projects:
            pdir = _norm(project.directory) or "."
            if pdir == "." or cfg_dir == pdir or cfg_dir.startswith(pdir + "/"):
                depth = 0 if pdir == "." else pdir.count("/") + 1
                if depth > best_depth:
                    best, best_depth = project, depth
        if best is not None and cfg not in best.nginx:
            best.nginx.append(cfg)


# ---------------------------------------------------------------- listens


def _envsubst(text: str, env: Mapping[str, str]) -> str:
    """`${VAR}` / `$VAR` filled from the container environment, as the nginx image's
    envsubst does for templates; unknown ones stay as written."""
    return ENV_VAR_RE.sub(lambda m: env.get(m.group(1) or m.group(2), m.group(0)), text)


def nginx_listens(cfg: NginxConfig, env: Mapping[str, str] | None = None) -> list[ListenAddress]:
    """Ports an nginx config listens on (`listen` directives; 80 for a server without).
    `env` is the nginx container's environment for templated `listen ${PORT}`. A listen we
    can't read (an unknown variable) makes the whole set unknown: []."""
    return nginx_listens_or_unknown(cfg, env) or []


def nginx_listens_or_unknown(
    cfg: NginxConfig, env: Mapping[str, str] | None = None
) -> list[ListenAddress] | None:
    """`nginx_listens`, but None when a `listen` can't be read, so callers asking "could
    nginx itself listen on X?" can tell unknown from "no"."""
    out: list[ListenAddress] = []
    for server in cfg.servers:
        listens = server.children("listen")
        if not listens:
            if server.enclosing("stream") is None:
                out.append(
                    ListenAddress(80, None, "nginx:server without listen (80)", server.location)
                )
            continue
        for d in listens:
            if not d.args:
                continue
            arg = _envsubst(d.args[0], env or {}) if "$" in d.args[0] else d.args[0]
            if "$" in arg or "{" in arg or UNSET_MARK in arg:
                return None
            hp = parse_host_port(arg)
            if hp is None:
                continue
            host, port = hp
            if port is None and host is not None and digits_value(host) is not None:
                port = digits_value(host)
                host = None
            if port is None:
                port = 80
            out.append(
                ListenAddress(
                    port,
                    normalise_host(host) if host else None,
                    f"nginx:listen {' '.join(d.args)}",
                    d.location,
                )
            )
    return out


def _fill_listens(stack: Stack) -> None:
    for project in stack.projects:
        carried: dict[str, list[NginxConfig]] = {}
        for cfg in project.nginx:
            name = project.nginx_service.get(cfg.root_file)
            if name is not None:
                carried.setdefault(name, []).append(cfg)
        for svc in project.services.values():
            listens = detect_listens(svc, stack.root)
            if svc.name in carried:
                listens = [la for la in listens if not la.source.startswith("image:")]
                seen: set[tuple[int, str | None]] = set()
                env = listen_env(svc)
                for cfg in carried[svc.name]:
                    for la in nginx_listens(cfg, env):
                        if (la.port, la.host) not in seen:
                            seen.add((la.port, la.host))
                            listens.append(la)
            svc.listens = listens


# ---------------------------------------------------------------- target resolution


def default_port(route: ProxyRoute) -> int | None:
    if route.kind in ("proxy", "grpc"):
        return 443 if (route.scheme or "").endswith("s") else 80
    return None


def effective_port(route: ProxyRoute, target: ProxyTarget) -> int | None:
    """The port nginx connects to (scheme default when none is written)."""
    return target.port if target.port is not None else default_port(route)


def published_match(svc: Service, port: int) -> Port | None:
    for p in svc.ports:
        if p.published == port:
            return p
        if p.published_range and p.published_range[0] <= port <= p.published_range[1]:
            return p
    return None


def container_port(rt: ResolvedTarget) -> int | None:
    """The port inside the target container that the route reaches."""
    port = effective_port(rt.route, rt.target)
    if rt.service is None or port is None:
        return port
    if rt.via == "published-port":
        p = published_match(rt.service, port)
        if p is None or p.target is None:
            return None
        if p.published_range and p.published is not None:
            return p.target + (port - p.published)
        return p.target
    return port


def match_host(project: Project, host: str) -> tuple[Service, str] | None:
    """Compose DNS lookup returning the service and which name matched."""
    h = host.lower().rstrip(".")
    for svc in project.services.values():
        if svc.name.lower() == h:
            return svc, "service-name"
    for svc in project.services.values():
        if any(h == a.lower() for aliases in svc.networks.values() for a in aliases):
            return svc, "alias"
    for svc in project.services.values():
        if svc.container_name and svc.container_name.lower() == h:
            return svc, "container_name"
    for svc in project.services.values():
        if svc.hostname and svc.hostname.lower() == h:
            return svc, "hostname"
    return None


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
        return True
    except ValueError:
        return False


def _publisher(project: Project, port: int) -> Service | None:
    for svc in project.services.values():
        p = published_match(svc, port)
        if p is not None and (
            p.host_ip is None or p.host_ip in ("0.0.0.0", "::", "") or is_loopback(p.host_ip)
        ):
            return svc
    return None


def _upstream_index(stack: Stack, project: Project) -> dict[str, Upstream]:
    """Upstream blocks of every config of the project (conf.d snippets are loaded
    together by nginx even when we parse them as separate roots)."""
    index: dict[str, Upstream] = {}
    for cfg in project.nginx:
        for name, up in cfg.upstreams.items():
            index.setdefault(name, up)
    return index


def _port_written(route: ProxyRoute) -> bool:
    hostport = route.raw.split("://", 1)[-1].split("/", 1)[0]
    return ":" in hostport.rsplit("]", 1)[-1]


def _expand_targets(route: ProxyRoute, upstreams: dict[str, Upstream]) -> list[ProxyTarget]:
    if route.upstream is None and len(route.targets) == 1:
        t = route.targets[0]
        if t.host and not _port_written(route) and not t.has_variables and t.host in upstreams:
            up = upstreams[t.host]
            return [ProxyTarget(s.host, s.port, s.unix, False, s.location) for s in up.servers]
    return list(route.targets)


def resolve_target(
    stack: Stack,
    project: Project,
    cfg: NginxConfig,
    route: ProxyRoute,
    target: ProxyTarget,
    substituted: bool = False,
) -> ResolvedTarget:
    """Match one target to a service (see the module doc). `substituted`: the link step
    filled the target's variables with known values, so it is resolvable."""

    def unresolved(reason: str) -> ResolvedTarget:
        return ResolvedTarget(route, target, None, None, reason)

    if target.unix:
        return unresolved("unix-socket")
    if (
        (target.has_variables and not substituted)
        or not target.host
        or ("$" in target.host or "{" in target.host)
    ):
        return unresolved("variable")
    host = target.host.strip().lower()
    port = effective_port(route, target)
    nginx_svc_name = project.nginx_service.get(cfg.root_file)
    nginx_svc = project.services.get(nginx_svc_name) if nginx_svc_name else None
    mode = (nginx_svc.network_mode or "") if nginx_svc is not None else ""
    on_host = nginx_svc is None or mode == "host"

    def via_published_port() -> ResolvedTarget:
        """A host address: the service that publishes the port on the host, if any."""
        if port is None:
            return unresolved("no-port")
        svc = _publisher(project, port)
        if svc is None:
            return unresolved("not-published")
        return ResolvedTarget(route, target, svc, "published-port")

    if is_loopback(host) or host == "0.0.0.0":
        if mode.startswith("service:"):
            other = project.services.get(mode.split(":", 1)[1])
            if other is not None:
                return ResolvedTarget(route, target, other, "shared-netns")
        if not on_host:
            return unresolved("loopback-in-container")
        return via_published_port()
    if host in HOST_GATEWAY_NAMES:
        return via_published_port()
    found = match_host(project, host)
    if found is not None:
        return ResolvedTarget(route, target, found[0], found[1])
    if _is_ip(host):
        return unresolved("ip-literal")
    # Another compose project of the stack (shared external network).
    for other_project in stack.projects:
        if other_project is project:
            continue
        found = match_host(other_project, host)
        if found is not None:
            return ResolvedTarget(route, target, found[0], found[1])
    if "." in host.strip("."):
        return unresolved("external")
    if not _port_written(route) and _upstream_defined_elsewhere(stack, cfg, host):
        return unresolved("upstream-outside-config")
    return unresolved("unknown-name")


UPSTREAM_DEF_RE = r"upstream\s+{name}\s*\{{"


def _upstream_defined_elsewhere(stack: Stack, cfg: NginxConfig, name: str) -> bool:
    """`upstream <name>` written by a Dockerfile RUN (echo ... > conf.d/x.conf) or in an
    nginx file next to the config that discovery did not load as nginx."""
    pattern = re.compile(UPSTREAM_DEF_RE.format(name=re.escape(name)))
    for df in stack.dockerfiles.values():
        for st in df.stages:
            if any(i.keyword == "RUN" and pattern.search(i.value) for i in st.instructions):
                return True
    root = stack.root.resolve()
    cfg_dir = (stack.root / cfg.root_file).parent
    for directory in (cfg_dir, cfg_dir.parent):
        try:
            with os.scandir(directory) as it:
                names = sorted(e.name for e in it if not e.is_dir())[:200]
        except OSError:
            continue
        for name in names:
            # Never blocks on a FIFO, never reads through a symlink leading out of the tree.
            data = read_regular(directory / name, 256 * 1024, root)
            if not isinstance(data, Refusal) and pattern.search(data.decode("utf-8", "replace")):
                return True
    return False


ENV_VAR_RE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Z_][A-Z0-9_]*)\b")
NGINX_VAR_RE = re.compile(r"\$\{?([a-z_][a-z0-9_]*)\}?")
PASS_RE = re.compile(
    r"^(?:(?P<scheme>[a-z][a-z0-9+.-]*)://)?(?P<host>\[[^\]]+\]|[^:/]+)"
    r"(?::(?P<port>[0-9]+))?(?:/.*)?$",
    re.I,
)


def _set_value(route: ProxyRoute, name: str) -> str | None:
    """The literal value of `set $name value` in effect where the pass directive is."""
    node: Directive | None = route.context
    while node is not None:
        found = [d for d in node.children("set") if d.args[:1] == [f"${name}"]]
        if found:
            return found[-1].args[1] if len(found[-1].args) > 1 else None
        node = node.parent
    return None


def _substitute(route: ProxyRoute, env: dict[str, str]) -> ProxyTarget | None:
    """proxy_pass with `${VAR}` placeholders filled from the nginx container's environment
    (envsubst templates) and `$var` from a literal `set $var ...`, re-parsed."""
    raw = route.raw
    if "{{" in raw:
        return None
    text = ENV_VAR_RE.sub(lambda m: env.get(m.group(1) or m.group(2), m.group(0)), raw)
    for _ in range(3):
        if "$" not in text:
            break
        text = NGINX_VAR_RE.sub(lambda m: _set_value(route, m.group(1)) or m.group(0), text)
        text = ENV_VAR_RE.sub(lambda m: env.get(m.group(1) or m.group(2), m.group(0)), text)
    if "$" in text or "{" in text or UNSET_MARK in text:
        return None  # a variable we don't know (or one that is unset at lint time)
    m = PASS_RE.match(text.strip().strip('"').strip("'"))
    if m is None or m.group("host").lower().startswith("unix:"):
        return None
    scheme = (m.group("scheme") or route.scheme or "http").lower()
    port = digits_value(m.group("port")) if m.group("port") else None
    if port is None and route.kind in ("proxy", "grpc"):
        port = 443 if scheme.endswith("s") else 80
    loc = route.targets[0].location if route.targets else route.directive.location
    # has_variables stays True: nginx still resolves this name at run time.
    return ProxyTarget(m.group("host").strip("[]"), port, None, True, loc)


def _resolve_all(stack: Stack) -> None:
    for project in stack.projects:
        project.targets = []
        upstreams = _upstream_index(stack, project)
        for cfg in project.nginx:
            name = project.nginx_service.get(cfg.root_file)
            svc = project.services.get(name) if name else None
            env = listen_env(svc) if svc is not None else {}
            for route in cfg.routes:
                targets = _expand_targets(route, upstreams)
                filled_in = False
                if (
                    len(targets) == 1
                    and targets[0].has_variables
                    and targets[0].unix is None
                    and route.upstream is None
                ):
                    filled = _substitute(route, env)
                    if filled is not None:
                        targets = _expand_targets_for(filled, route, upstreams)
                        filled_in = True
                for target in targets:
                    project.targets.append(
                        resolve_target(
                            stack, project, cfg, route, target, filled_in and target.has_variables
                        )
                    )


def _expand_targets_for(
    target: ProxyTarget, route: ProxyRoute, upstreams: dict[str, Upstream]
) -> list[ProxyTarget]:
    """A substituted target that names an upstream block expands to its servers."""
    if target.host in upstreams and ":" not in route.raw.split("://", 1)[-1].split("/")[0]:
        return [
            ProxyTarget(s.host, s.port, s.unix, False, s.location)
            for s in upstreams[target.host or ""].servers
        ]
    return [target]


__all__ = [
    "container_port",
    "default_port",
    "effective_port",
    "link",
    "match_host",
    "nginx_listens",
    "nginx_listens_or_unknown",
    "published_match",
    "resolve_target",
]
