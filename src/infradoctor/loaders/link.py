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

import os
import posixpath
import re
from collections.abc import Iterator
from pathlib import Path

from infradoctor.facts.args import is_loopback
from infradoctor.facts.env import UNSET_MARK
from infradoctor.facts.hosts import is_ip
from infradoctor.facts.listen import detect_listens, is_web_server_service, listen_env
from infradoctor.facts.ports import (
    ENV_VAR_RE,
    container_port,
    default_port,
    effective_port,
    nginx_listens,
    nginx_listens_or_unknown,
    published_match,
)
from infradoctor.lazyre import lazy
from infradoctor.loaders.files import Refusal, read_regular
from infradoctor.model.nginx import Directive, NginxConfig, ProxyRoute, ProxyTarget, Upstream
from infradoctor.model.source import LoadError
from infradoctor.model.stack import (
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


def _abs(root: str | Path, rel: str) -> str:
    """The normalised absolute path of `rel` (relative to the root), as text: no Path
    per file and service."""
    return os.path.normpath(os.path.join(root, rel))  # join keeps an absolute rel


def _with_parents(path: str) -> Iterator[str]:
    """`path` (absolute, normalised) and each directory above it, as Path.parents."""
    yield path
    parent = os.path.dirname(path)
    while parent != path:
        yield parent
        path, parent = parent, os.path.dirname(parent)


def _mount_path(
    stack: Stack, project: Project, mount_source: str | None, host_path: Path | None
) -> str | None:
    if host_path is not None:
        return os.path.normpath(host_path)
    if not mount_source:
        return None
    src = mount_source
    if src.startswith("~"):
        return None
    if not os.path.isabs(src):
        src = os.path.join(stack.root, project.directory, src)
    return os.path.normpath(src)


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
                # a repeated source is one claim (a 1 MB `COPY a a a ... /app/` made
                # a million)
                for src in dict.fromkeys(words[:-1]):
                    out.append((src, words[-1]))
    return out


def _carry_claims(stack: Stack, project: Project, svc: Service) -> list[tuple[str, int]]:
    """What `svc` could carry, as (host path, score): a config file at or below the path
    is run by `svc` with that strength (3 = an nginx-like service mounts it or COPYs it by
    path, 2 = another service mounts/copies it into an nginx-looking path, 1 = an
    nginx-like service copies its whole build context, `COPY . .`). Paths that carry
    nothing (score 0) are left out. Paths are normalised strings: a Path per COPY source
    cost ~20 us, seconds on a Dockerfile with 500,000 sources."""
    claims: list[tuple[str, int]] = []
    nginxish: bool | None = None

    def is_nginxish() -> bool:
        nonlocal nginxish
        if nginxish is None:
            nginxish = is_web_server_service(svc)
        return nginxish

    for m in svc.volumes:
        if m.type != "bind":
            continue
        hp = _mount_path(stack, project, m.source, m.host_path)
        if hp is None or hp == "/":
            continue
        if is_nginxish():
            claims.append((hp, 3))
        elif "nginx" in m.target.lower() or "openresty" in m.target.lower():
            claims.append((hp, 2))
    if svc.build_context is not None and svc.dockerfile is not None:
        ctx = _abs(stack.root, svc.build_context)
        for src, dest in _copy_sources(svc):
            whole = src.rstrip("/") in (".", "")
            src_path = os.path.normpath(os.path.join(ctx, src.rstrip("/*")))
            if is_nginxish():
                claims.append((src_path, 1 if whole else 3))
            elif not whole and "nginx" in dest.lower():
                claims.append((src_path, 2))
    return claims


def _attach_nginx(stack: Stack) -> None:
    # Every service's claims once per stack (not once per config), indexed by path: a
    # config asks only the paths at and above its own files.
    claims: dict[str, list[tuple[int, int, int, Service]]] = {}
    for pi, project in enumerate(stack.projects):
        for order, svc in enumerate(project.services.values()):
            for key, score in _carry_claims(stack, project, svc):
                claims.setdefault(key, []).append((pi, order, score, svc))
    attached = {id(p): {id(c) for c in p.nginx} for p in stack.projects}
    by_dir: dict[str, Project] = {}  # normalised directory -> its first project
    for project in stack.projects:
        by_dir.setdefault(_norm(project.directory) or ".", project)
    root = str(stack.root)

    def attach(project: Project, cfg: NginxConfig) -> None:
        if id(cfg) not in attached[id(project)]:
            attached[id(project)].add(id(cfg))
            project.nginx.append(cfg)

    for cfg in stack.nginx:
        # per project, the service that runs the config: the top score, first in order
        best_by_project: dict[int, tuple[int, int, Service]] = {}
        if claims:
            for f in dict.fromkeys(_abs(root, f) for f in [cfg.root_file, *cfg.files]):
                for path in _with_parents(f):
                    for pi, order, score, svc in claims.get(path, ()):
                        seen = best_by_project.get(pi)
                        if seen is None or (score, -order) > (seen[0], -seen[1]):
                            best_by_project[pi] = (score, order, svc)
        if best_by_project:
            for pi in sorted(best_by_project):
                project = stack.projects[pi]
                attach(project, cfg)
                project.nginx_service[cfg.root_file] = best_by_project[pi][2].name
            continue
        best = _deepest_project(by_dir, posixpath.dirname(_norm(cfg.root_file) or "") or ".")
        if best is not None:
            attach(best, cfg)


def _deepest_project(by_dir: dict[str, Project], cfg_dir: str) -> Project | None:
    """The project whose directory is `cfg_dir` or the deepest one above it (the root's,
    ".", is above everything); of two in one directory, the first (`by_dir` keeps it).
    Looked up per directory above `cfg_dir`, not compared with every project: the
    directories above a normalised path all differ in depth."""
    best: Project | None = None
    best_depth = -1
    above = [cfg_dir[:i] for i, ch in enumerate(cfg_dir) if ch == "/"]
    for pdir in dict.fromkeys([cfg_dir, ".", *above]):
        project = by_dir.get(pdir)
        depth = 0 if pdir == "." else pdir.count("/") + 1
        if project is not None and depth > best_depth:
            best, best_depth = project, depth
    return best


# ---------------------------------------------------------------- listens


def _fill_listens(stack: Stack) -> None:
    for project in stack.projects:
        carried: dict[str, list[NginxConfig]] = {}
        for cfg in project.nginx:
            name = project.nginx_service.get(cfg.root_file)
            if name is not None:
                carried.setdefault(name, []).append(cfg)
        for svc in project.services.values():
            listens = detect_listens(svc)
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


class ProjectNames:
    """One project's compose DNS names and published ports, indexed once (a lookup per
    proxy target over every service made linking quadratic). First match wins, in
    service order, as in a scan."""

    KINDS = ("service-name", "alias", "container_name", "hostname")

    def __init__(self, project: Project) -> None:
        self.services = list(project.services.values())
        self.names: tuple[dict[str, Service], ...] = ({}, {}, {}, {})
        by_name, by_alias, by_container, by_hostname = self.names
        self.exact_ports: dict[int, list[int]] = {}  # published port -> service orders
        self.ranged: list[int] = []  # services publishing a port range
        for order, svc in enumerate(self.services):
            by_name.setdefault(svc.name.lower(), svc)
            for aliases in svc.networks.values():
                for a in aliases:
                    by_alias.setdefault(a.lower(), svc)
            if svc.container_name:
                by_container.setdefault(svc.container_name.lower(), svc)
            if svc.hostname:
                by_hostname.setdefault(svc.hostname.lower(), svc)
            for p in svc.ports:
                if p.published is not None:
                    orders = self.exact_ports.setdefault(p.published, [])
                    if not orders or orders[-1] != order:
                        orders.append(order)
                if p.published_range and (not self.ranged or self.ranged[-1] != order):
                    self.ranged.append(order)

    def match(self, host: str) -> tuple[Service, str] | None:
        h = host.lower().rstrip(".")
        for kind, names in zip(self.KINDS, self.names, strict=True):
            svc = names.get(h)
            if svc is not None:
                return svc, kind
        return None

    def publishers(self, port: int) -> list[Service]:
        """Services with a `ports:` entry that may publish `port`, in service order."""
        orders = sorted({*self.exact_ports.get(port, ()), *self.ranged})
        return [self.services[i] for i in orders]


def match_host(
    project: Project, host: str, names: ProjectNames | None = None
) -> tuple[Service, str] | None:
    """Compose DNS lookup returning the service and which name matched (`names`: the
    project's index, when the caller keeps one)."""
    return (names or ProjectNames(project)).match(host)


def _publisher(project: Project, port: int, names: ProjectNames | None = None) -> Service | None:
    for svc in (names or ProjectNames(project)).publishers(port):
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


class LinkLookups:
    """Indexes one link pass shares across all proxy targets: each project's DNS names
    and published ports, and the `upstream` names written outside the loaded configs."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self._names: dict[int, ProjectNames] = {}
        self._related: dict[int, list[Project]] = {}
        self._run_upstreams: set[str] | None = None
        self._dir_upstreams: dict[Path, set[str]] = {}

    def names(self, project: Project) -> ProjectNames:
        found = self._names.get(id(project))
        if found is None:
            found = self._names[id(project)] = ProjectNames(project)
        return found

    def related(self, project: Project) -> list[Project]:
        """The other projects `project`'s nginx can reach (`_related`), in stack order;
        worked out once per project, not once per unresolved target."""
        found = self._related.get(id(project))
        if found is None:
            found = self._related[id(project)] = [
                other
                for other in self.stack.projects
                if other is not project and _related(project, other)
            ]
        return found

    def upstream_defined_elsewhere(self, cfg: NginxConfig, name: str) -> bool:
        """`_upstream_defined_elsewhere`, reading each Dockerfile RUN and each sibling
        file once per link pass instead of once per target."""
        if not name or UPSTREAM_NAME_CHARS.fullmatch(name) is None:
            return _upstream_defined_elsewhere(self.stack, cfg, name)
        if self._run_upstreams is None:
            self._run_upstreams = {
                m.group(1)
                for df in self.stack.dockerfiles.values()
                for st in df.stages
                for i in st.instructions
                if i.keyword == "RUN" and "upstream" in i.value
                for m in UPSTREAM_NAME_RE.finditer(i.value)
            }
        if name in self._run_upstreams:
            return True
        cfg_dir = (self.stack.root / cfg.root_file).parent
        for directory in (cfg_dir, cfg_dir.parent):
            names = self._dir_upstreams.get(directory)
            if names is None:
                names = self._dir_upstreams[directory] = _upstreams_in_dir(directory)
            if name in names:
                return True
        return False


def resolve_target(
    stack: Stack,
    project: Project,
    cfg: NginxConfig,
    route: ProxyRoute,
    target: ProxyTarget,
    substituted: bool = False,
    lookups: LinkLookups | None = None,
) -> ResolvedTarget:
    """Match one target to a service (see the module doc). `substituted`: the link step
    filled the target's variables with known values, so it is resolvable. `lookups`: the
    link pass's shared indexes (built for this call when not given)."""
    lookups = lookups or LinkLookups(stack)

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
        svc = _publisher(project, port, lookups.names(project))
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
    found = lookups.names(project).match(host)
    if found is not None:
        return ResolvedTarget(route, target, found[0], found[1])
    if is_ip(host):
        return unresolved("ip-literal")
    # Another compose project of the stack: only one sharing a directory subtree or a
    # named network with this one, never an unrelated sibling (docs/ARCHITECTURE.md).
    for other_project in lookups.related(project):
        found = lookups.names(other_project).match(host)
        if found is not None:
            return ResolvedTarget(route, target, found[0], found[1])
    if "." in host.strip("."):
        return unresolved("external")
    if not _port_written(route) and lookups.upstream_defined_elsewhere(cfg, host):
        return unresolved("upstream-outside-config")
    return unresolved("unknown-name")


def _related(a: Project, b: Project) -> bool:
    """Can nginx of project `a` reach services of project `b`: one lies in the other's
    directory subtree, or both join a network of the same (non-default) name."""
    da, db = _norm(a.directory) or ".", _norm(b.directory) or "."
    if da == "." or db == "." or da.startswith(db + "/") or db.startswith(da + "/"):
        return True
    return bool((set(a.networks) & set(b.networks)) - {"default"})


UPSTREAM_DEF_RE = r"upstream\s+{name}\s*\{{"
# Every name UPSTREAM_DEF_RE can find, in one pass: for a name without whitespace or
# `{`, `upstream\s+NAME\s*\{` matches exactly where this captures NAME.
UPSTREAM_NAME_RE = lazy(r"upstream\s+([^\s{]+)\s*\{")
UPSTREAM_NAME_CHARS = lazy(r"[^\s{]+")


def _upstreams_in_dir(directory: Path) -> set[str]:
    """The upstream names defined in the files `_upstream_defined_elsewhere` reads in
    `directory` (its first 200 files, each up to 256 KB)."""
    names: set[str] = set()
    try:
        candidates = [p for p in directory.iterdir() if p.is_file()][:200]
    except OSError:
        return names
    for p in candidates:
        try:
            if p.stat().st_size > 256 * 1024:
                continue
            names.update(
                m.group(1) for m in UPSTREAM_NAME_RE.finditer(p.read_text(errors="replace"))
            )
        except OSError:
            continue
    return names


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


NGINX_VAR_RE = lazy(r"\$\{?([a-z_][a-z0-9_]*)\}?")
PASS_RE = lazy(
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
    lookups = LinkLookups(stack)
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
                            stack,
                            project,
                            cfg,
                            route,
                            target,
                            filled_in and target.has_variables,
                            lookups,
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
    "LinkLookups",
    "ProjectNames",
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
