"""The stack model: services, ports, health checks, Dockerfiles and nginx routes of every
project under the scanned root, each fact with its source location. Loaders build it;
rules, fixers, inventory and the diagnose analyzers read it. Pure data, no I/O."""

from __future__ import annotations

import posixpath
from collections.abc import Iterator
from dataclasses import field
from pathlib import Path
from typing import Any

from infradoctor.model.k8s import K8sObject
from infradoctor.model.nginx import Directive, NginxConfig, ProxyRoute, ProxyTarget
from infradoctor.model.source import LoadError, Location, Skipped, SourceFile
from infradoctor.model.terraform import HelmRelease
from infradoctor.records import record
from infradoctor.syntax.dockerenv import arg_pairs, parse_env
from infradoctor.syntax.numbers import go_duration, parse_int

# ---------------------------------------------------------------- Dockerfile


@record(hot=True)
class Instruction:
    """One Dockerfile instruction. `value` is the raw text after the keyword (line
    continuations joined); `exec_form` holds the parsed JSON array for exec form."""

    keyword: str  # upper-case: FROM, RUN, USER, ...
    value: str
    location: Location
    exec_form: list[str] | None = None
    flags: dict[str, str] = field(default_factory=dict)  # --interval=30s, --from=build, ...
    # ENV/ARG: the (name, value) pairs it sets, in order, parsed once at construction
    # (syntax.dockerenv); an ARG without a default has value None; () for the others
    env: tuple[tuple[str, str | None], ...] = field(init=False, default=())

    def __post_init__(self) -> None:
        if self.keyword == "ENV":
            self.env = tuple(parse_env(self.value))
        elif self.keyword == "ARG":
            self.env = tuple(arg_pairs(self.value))


@record(hot=True)
class Stage:
    base_image: str
    name: str | None
    location: Location
    instructions: list[Instruction] = field(default_factory=list)

    def last(self, keyword: str) -> Instruction | None:
        for ins in reversed(self.instructions):
            if ins.keyword == keyword:
                return ins
        return None

    def all(self, keyword: str) -> list[Instruction]:
        return [i for i in self.instructions if i.keyword == keyword]


@record(hot=True)
class Dockerfile:
    path: str
    stages: list[Stage]
    args: dict[str, str | None] = field(default_factory=dict)  # ARG before first FROM
    # the last instruction's line continuation runs to the end of the file (past comment
    # and blank lines): a line appended there would join that instruction
    open_continuation: bool = False

    @property
    def final(self) -> Stage | None:
        return self.stages[-1] if self.stages else None

    @property
    def user(self) -> Instruction | None:
        """The USER in effect in the final stage (None: runs as the base image's user)."""
        return self.final.last("USER") if self.final else None

    @property
    def healthcheck(self) -> Instruction | None:
        return self.final.last("HEALTHCHECK") if self.final else None

    @property
    def expose(self) -> list[Instruction]:
        return self.final.all("EXPOSE") if self.final else []

    @property
    def cmd(self) -> Instruction | None:
        return self.final.last("CMD") if self.final else None

    @property
    def entrypoint(self) -> Instruction | None:
        return self.final.last("ENTRYPOINT") if self.final else None


# ---------------------------------------------------------------- Compose


@record(hot=True)
class Port:
    """A compose `ports:` entry (short or long syntax)."""

    target: int | None  # container port
    published: int | None  # host port (first of a range)
    published_range: tuple[int, int] | None
    host_ip: str | None  # None = all interfaces
    protocol: str
    location: Location
    raw: str


@record(hot=True)
class Healthcheck:
    """A health check from compose `healthcheck:` or Dockerfile `HEALTHCHECK`."""

    test: list[str] | str | None
    disabled: bool
    source: str  # "compose" | "dockerfile"
    location: Location
    interval: str | None = None
    timeout: str | None = None
    retries: int | None = None  # None when absent or not an integer
    start_period: str | None = None
    start_interval: str | None = None
    # The timings in seconds, read once from the texts above with the one Go-duration
    # parser: None when absent or not a duration Docker accepts ("90", "1.5", "10sec").
    interval_s: float | None = field(init=False, default=None)
    timeout_s: float | None = field(init=False, default=None)
    start_period_s: float | None = field(init=False, default=None)
    start_interval_s: float | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        self.interval_s = _seconds(self.interval)
        self.timeout_s = _seconds(self.timeout)
        self.start_period_s = _seconds(self.start_period)
        self.start_interval_s = _seconds(self.start_interval)

    @classmethod
    def of_instruction(cls, ins: Instruction) -> Healthcheck:
        """A Dockerfile HEALTHCHECK with the timings of its flags (`--interval=30s`)."""
        flags = {k.lstrip("-").replace("-", "_"): v for k, v in ins.flags.items()}
        test = ["CMD", *ins.exec_form] if ins.exec_form else ins.value
        return cls(
            test,
            ins.value.strip().upper() == "NONE",
            "dockerfile",
            ins.location,
            interval=flags.get("interval"),
            timeout=flags.get("timeout"),
            retries=parse_int(flags.get("retries")),
            start_period=flags.get("start_period"),
            start_interval=flags.get("start_interval"),
        )

    @property
    def command_text(self) -> str:
        if isinstance(self.test, list):
            parts = (
                self.test[1:] if self.test and self.test[0] in ("CMD", "CMD-SHELL") else self.test
            )
            return " ".join(parts)
        return self.test or ""


def _seconds(text: str | None) -> float | None:
    return None if text is None or text == "" else go_duration(text)


@record(frozen=True)
class MemoryLimit:
    """The hard memory limit compose gives the container: `deploy.resources.limits.memory`
    when set (non-zero), else `mem_limit`, as `docker compose` applies them."""

    bytes: int  # > 0
    text: str  # as written
    key: str  # "deploy" | "mem_limit": the service key it is set under


@record(hot=True)
class DependsOn:
    service: str
    condition: str  # service_started | service_healthy | service_completed_successfully
    location: Location
    long_syntax: bool = False
    required: bool = True


@record
class Logging:
    driver: str | None  # None = daemon default (json-file unless configured)
    options: dict[str, str]
    location: Location | None


@record(hot=True)
class Mount:
    """A compose volume mount."""

    type: str  # bind | volume | tmpfs | npipe
    source: str | None  # host path (bind) or volume name
    target: str
    read_only: bool
    location: Location
    host_path: Path | None = None  # bind source resolved on disk (may not exist)


@record(hot=True)
class EnvVar:
    name: str
    value: str | None  # after interpolation; None when only the name is given
    location: Location
    from_file: str | None = None  # env_file it came from


@record(frozen=True)
class EnvFileRef:
    """A required `env_file` entry of a service (a literal path) and what the disk said
    about it at load, so that rules never look: does it exist, and if not, what explains
    its absence (None: nothing does)."""

    path: str  # as written
    exists: bool
    # "sample" (a sample beside it), "gitignored", "no-env-files" (its directory keeps
    # no env files at all): its absence is expected; None when it exists or nothing does
    absent_because: str | None = None


@record(hot=True)
class ListenAddress:
    """Where a service really accepts connections inside its container, and how we know."""

    port: int
    host: str | None  # bind address (None = unknown / all interfaces)
    source: str  # expose | ports | EXPOSE | command:uvicorn | command:gunicorn | env:PORT | ...
    location: Location | None


@record(hot=True)
class Service:
    """A compose service after merging overrides, `extends` and interpolation.
    `key_locations` maps each top-level key of the service (restart, ports, healthcheck, ...)
    to where it was (last) set, so rules and fixers can point at it."""

    name: str
    project: str  # Project.name
    file: str  # compose file where the service is (first) defined
    location: Location  # the service key
    image: str | None = None
    build_context: str | None = None  # relative to scan root (posix)
    build_dockerfile: str | None = None  # path of the Dockerfile relative to scan root
    dockerfile: Dockerfile | None = None  # linked Dockerfile model
    container_name: str | None = None
    hostname: str | None = None
    command: list[str] | str | None = None
    entrypoint: list[str] | str | None = None
    environment: dict[str, EnvVar] = field(default_factory=dict)
    env_files: list[str] = field(default_factory=list)
    ports: list[Port] = field(default_factory=list)
    expose: list[tuple[int, Location]] = field(default_factory=list)
    healthcheck: Healthcheck | None = None  # compose-level only; see effective_healthcheck
    restart: str | None = None
    deploy_restart_condition: str | None = None
    replicas: int | None = None  # deploy.replicas or scale
    mem_limit: str | None = None
    memory_limit: MemoryLimit | None = None  # None: no limit (absent, 0 or unparsable)
    depends_on: list[DependsOn] = field(default_factory=list)
    logging: Logging | None = None
    volumes: list[Mount] = field(default_factory=list)
    networks: dict[str, list[str]] = field(default_factory=dict)  # network -> aliases
    network_mode: str | None = None
    user: str | None = None
    privileged: bool = False
    read_only: bool = False
    cap_drop: list[str] = field(default_factory=list)
    cap_add: list[str] = field(default_factory=list)
    security_opt: list[str] = field(default_factory=list)
    profiles: list[str] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)
    key_locations: dict[str, Location] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict)  # merged, interpolated mapping
    listens: list[ListenAddress] = field(default_factory=list)  # filled by the link step
    env_file_refs: list[EnvFileRef] = field(default_factory=list)  # loaders/envfiles.py
    # Read from the build context at load (loaders/disk_facts.py) for listen detection,
    # when the service runs a Node runner / gunicorn: the string `scripts` of its
    # package.json, and whether it has a gunicorn.conf.py
    package_scripts: dict[str, str] = field(default_factory=dict)
    gunicorn_config: bool = False
    # (path, text) of the scripts in the tree its start command names, read at load for
    # a service started after a dependency without a health check (does it wait itself?)
    start_scripts: list[tuple[str, str]] = field(default_factory=list)
    # Interpolated string values of this service that used an unset variable (no default)
    # -> the same value with loaders.interpolate.UNSET_MARK where the unset value went.
    # Compose substitutes "" there, but at deploy time the value is unknown.
    unset_values: dict[str, str] = field(default_factory=dict)
    # per-service facts computed once (infradoctor.facts.listen): name -> (inputs, value)
    facts_memo: dict[str, tuple[tuple[int, ...], Any]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    @property
    def effective_healthcheck(self) -> Healthcheck | None:
        """Compose healthcheck, else the Dockerfile HEALTHCHECK; None if none or disabled."""
        if self.healthcheck is not None:
            return None if self.healthcheck.disabled else self.healthcheck
        if self.dockerfile is not None and self.dockerfile.healthcheck is not None:
            ins = self.dockerfile.healthcheck
            if ins.value.strip().upper() == "NONE":
                return None
            return Healthcheck(ins.value, False, "dockerfile", ins.location)
        return None

    @property
    def memory_limit_bytes(self) -> int | None:
        """Bytes of the memory limit in effect (see MemoryLimit); None when unlimited."""
        return self.memory_limit.bytes if self.memory_limit is not None else None

    @property
    def image_name(self) -> str:
        """Lower-cased image reference (or final Dockerfile base image) for heuristics."""
        if self.image:
            return self.image.lower()
        if self.dockerfile and self.dockerfile.final:
            return self.dockerfile.final.base_image.lower()
        return ""

    @property
    def listen_ports(self) -> set[int]:
        return {la.port for la in self.listens}

    def loc(self, key: str) -> Location:
        """Where `key` is set, falling back to the service key."""
        return self.key_locations.get(key, self.location)


@record
class ResolvedTarget:
    """An nginx proxy target matched (or not) to a service of the stack."""

    route: ProxyRoute
    target: ProxyTarget
    service: Service | None
    via: str | None  # service-name | alias | container_name | hostname | published-port | None
    reason: str | None = None  # why it is unresolved (external host, variable, ...)

    @property
    def location(self) -> Location:
        return self.target.location or self.route.directive.location


@record
class EnvFile:
    """A dotenv file next to a compose file, read and parsed at load so that rules never
    read files: its KEY -> value and KEY -> line."""

    path: str  # relative to the scan root
    values: dict[str, str]
    lines: dict[str, int]

    def location(self, key: str | None = None) -> Location:
        return Location(self.path, self.lines.get(key, 1) if key else 1)


@record
class Project:
    """One compose project (a base compose file plus overrides, or a `-f` list) and the
    nginx configs and Dockerfiles that belong to it (under its directory or mounted)."""

    name: str
    directory: str  # relative to scan root ("." for the root)
    compose_files: list[str] = field(default_factory=list)
    services: dict[str, Service] = field(default_factory=dict)
    nginx: list[NginxConfig] = field(default_factory=list)
    # compose service running nginx that mounts/builds each config: root_file -> service
    nginx_service: dict[str, str] = field(default_factory=dict)
    networks: dict[str, Location] = field(default_factory=dict)
    volumes: dict[str, Location] = field(default_factory=dict)
    targets: list[ResolvedTarget] = field(default_factory=list)
    # dotenv files of the project directory by file name (`.env`, `.env.prod`, samples)
    env_files: dict[str, EnvFile] = field(default_factory=dict)
    # names of the regular `.env.*` files in the project directory, sorted (listed at load)
    dotenv_names: list[str] = field(default_factory=list)
    # (len(services), names) memo of `waited_to_complete`, rebuilt when services change
    _completed: tuple[int, frozenset[str]] | None = field(default=None, repr=False, compare=False)

    def waited_to_complete(self) -> frozenset[str]:
        """Names of services another service waits for with `condition:
        service_completed_successfully` (computed once per project, not per question)."""
        memo = self._completed
        if memo is None or memo[0] != len(self.services):
            names = frozenset(
                dep.service
                for other in self.services.values()
                for dep in other.depends_on
                if dep.condition == "service_completed_successfully"
            )
            memo = self._completed = (len(self.services), names)
        return memo[1]

    def nginx_runs_on_host(self, config: NginxConfig) -> bool:
        return config.root_file not in self.nginx_service


@record
class StackIndex:
    """Lookups over a loaded stack, built once on first use (rules and fixers ask them
    once per finding; scanning every project, service or target each time made lint
    quadratic). Objects are keyed by `id()`: the stack keeps them alive."""

    projects: dict[str, Project]  # name -> first project of that name
    services: dict[str, list[Service]]  # name -> services of every project, stack order
    targets_by_route: dict[int, list[ResolvedTarget]]  # id(route) -> targets, all projects
    # (id(project), id(service)) -> that project's targets reaching the service, in order
    targets_by_service: dict[tuple[int, int], list[ResolvedTarget]]
    # services by the Dockerfile they run (("df", id)) or, unlinked, name (("path", path))
    builders: dict[tuple[str, int | str | None], list[Service]]
    service_order: dict[int, int]  # id(service) -> position in stack.services
    nginx_dirs: dict[str, list[NginxConfig]]  # directory of the root file -> configs
    nginx_owner: dict[int, Project]  # id(config) -> the first project that lists it
    any_http: bool  # some config has an http{} block
    _top_level: dict[tuple[str, str], list[tuple[NginxConfig, list[Directive]]]] = field(
        default_factory=dict
    )

    @classmethod
    def build(cls, stack: Stack) -> StackIndex:
        projects: dict[str, Project] = {}
        services: dict[str, list[Service]] = {}
        by_route: dict[int, list[ResolvedTarget]] = {}
        by_service: dict[tuple[int, int], list[ResolvedTarget]] = {}
        builders: dict[tuple[str, int | str | None], list[Service]] = {}
        order: dict[int, int] = {}
        owner: dict[int, Project] = {}
        for p in stack.projects:
            projects.setdefault(p.name, p)
            for svc in p.services.values():
                services.setdefault(svc.name, []).append(svc)
                order.setdefault(id(svc), len(order))
                key: tuple[str, int | str | None] = (
                    ("df", id(svc.dockerfile))
                    if svc.dockerfile is not None
                    else ("path", svc.build_dockerfile)
                )
                builders.setdefault(key, []).append(svc)
            for cfg in p.nginx:
                owner.setdefault(id(cfg), p)
            for rt in p.targets:
                by_route.setdefault(id(rt.route), []).append(rt)
                if rt.service is not None:
                    by_service.setdefault((id(p), id(rt.service)), []).append(rt)
        dirs: dict[str, list[NginxConfig]] = {}
        for cfg in stack.nginx:
            dirs.setdefault(posixpath.dirname(cfg.root_file), []).append(cfg)
        any_http = any(c.http is not None for c in stack.nginx)
        return cls(projects, services, by_route, by_service, builders, order, dirs, owner, any_http)

    def targets_reaching(self, project: Project, service: Service) -> list[ResolvedTarget]:
        """`[t for t in project.targets if t.service is service]`."""
        return self.targets_by_service.get((id(project), id(service)), [])

    def services_building(self, dockerfile: Dockerfile) -> list[Service]:
        """Services running `dockerfile` (linked, or unlinked but naming its path), in
        stack order."""
        found = [
            *self.builders.get(("df", id(dockerfile)), ()),
            *self.builders.get(("path", dockerfile.path), ()),
        ]
        return sorted(found, key=lambda s: self.service_order[id(s)])

    def top_level(self, directory: str, name: str) -> list[tuple[NginxConfig, list[Directive]]]:
        """The configs rooted in `directory` with top-level `name` directives, and those
        directives (conf.d snippets of one directory share one http{})."""
        key = (directory, name)
        found = self._top_level.get(key)
        if found is None:
            found = self._top_level[key] = [
                (cfg, entries)
                for cfg in self.nginx_dirs.get(directory, ())
                if (entries := cfg.root.children(name))
            ]
        return found


@record
class Stack:
    """Everything loaded from the scanned root."""

    root: Path
    files: dict[str, SourceFile] = field(default_factory=dict)
    projects: list[Project] = field(default_factory=list)
    nginx: list[NginxConfig] = field(default_factory=list)  # all configs, incl. unattached
    dockerfiles: dict[str, Dockerfile] = field(default_factory=dict)
    errors: list[LoadError] = field(default_factory=list)
    k8s: list[K8sObject] = field(default_factory=list)  # Kubernetes manifest objects
    helm_releases: list[HelmRelease] = field(default_factory=list)  # Terraform helm_release
    # relative paths of logrotate configs found in the tree (rotation hints for rules)
    logrotate: list[str] = field(default_factory=list)
    # compose profiles selected for the run (`--profile`; empty: all, each evaluated)
    profiles: list[str] = field(default_factory=list)
    # fixers that crashed on a finding (a bug; the finding got no fix): "RULE at LOC: ..."
    fixer_crashes: list[str] = field(default_factory=list)
    # files that look like infrastructure but were not analysed, with why (never silent)
    skipped: list[Skipped] = field(default_factory=list)
    # files and directories left out because a .gitignore names them (counted, not listed)
    gitignored: int = 0
    # Helm charts: charts, rendered, cached, failed, values_only, seconds (loaders/helm.py)
    helm_stats: dict[str, int | float] = field(default_factory=dict)
    # kustomize roots rendered (JSON `stats.kustomize`; empty without kustomizations)
    kustomize: dict[str, int] = field(default_factory=dict)
    # see `index`; the key notices projects/configs added after it was built
    _index: tuple[tuple[int, int], StackIndex] | None = field(
        default=None, repr=False, compare=False
    )

    @property
    def index(self) -> StackIndex:
        """Lookups built once per stack, for rules and fixers (valid once loading has
        finished: `load_stack` resets it after the link step)."""
        key = (len(self.projects), len(self.nginx))
        if self._index is None or self._index[0] != key:
            self._index = (key, StackIndex.build(self))
        return self._index[1]

    def reset_index(self) -> None:
        self._index = None

    @property
    def services(self) -> Iterator[Service]:
        for p in self.projects:
            yield from p.services.values()

    @property
    def targets(self) -> Iterator[ResolvedTarget]:
        for p in self.projects:
            yield from p.targets

    def project_of(self, service: Service) -> Project:
        found = self.index.projects.get(service.project)
        if found is None:
            raise KeyError(service.project)
        return found

    def project_for_nginx(self, config: NginxConfig) -> Project | None:
        for p in self.projects:
            if config in p.nginx:
                return p
        return None

    def routes(self) -> Iterator[ProxyRoute]:
        for cfg in self.nginx:
            yield from cfg.routes
