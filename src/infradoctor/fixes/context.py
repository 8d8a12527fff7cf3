"""What fixers share: the stack, parsed YAML per file (parsed once per lint), lookups from
a finding to its service, nginx directive or Dockerfile, and the Fix/Edit constructors."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from yaml.nodes import MappingNode, Node, ScalarNode

from infradoctor.findings import Applicability, Edit, Finding, Fix
from infradoctor.fixes import yaml_edit as ye
from infradoctor.model.nginx import Directive, NginxConfig, ProxyRoute
from infradoctor.model.source import Location
from infradoctor.model.stack import Dockerfile, Project, Service, Stack


class FixUnavailable(Exception):
    """This finding gets no fix (layout we cannot edit with certainty)."""


@dataclass(slots=True)
class YamlFile:
    path: str
    text: str
    docs: list[Node]
    style: ye.Style


@dataclass(slots=True)
class ServiceEntry:
    """A compose service's mapping in one file: `key` is its name node, `node` its value."""

    file: YamlFile
    key: ScalarNode
    node: Node

    def pair(self, name: str) -> tuple[ScalarNode, Node] | None:
        return ye.find_pair(self.node, name)


class _Texts(Mapping[str, str]):
    def __init__(self, stack: Stack) -> None:
        self._files = stack.files

    def __getitem__(self, path: str) -> str:
        return self._files[path].text

    def __iter__(self) -> Iterator[str]:
        return iter(self._files)

    def __len__(self) -> int:
        return len(self._files)


@dataclass(slots=True)
class _ConfigIndex:
    """Lookups into one spliced nginx config, built once per lint: every fixer asks for
    the directive at a finding's location or the routes in a block, and walking the whole
    config for each of thousands of findings is quadratic."""

    by_offset: dict[tuple[str, int], Directive] = field(default_factory=dict)
    by_line: dict[tuple[str, int], list[Directive]] = field(default_factory=dict)
    routes_by_directive: dict[int, list[ProxyRoute]] = field(default_factory=dict)
    routes_within: dict[int, list[ProxyRoute]] = field(default_factory=dict)

    @classmethod
    def of(cls, cfg: NginxConfig) -> _ConfigIndex:
        idx = cls()
        for d in cfg.walk():
            if d.location.offset is not None:
                idx.by_offset.setdefault((d.file, d.location.offset), d)
            idx.by_line.setdefault((d.file, d.location.line), []).append(d)
        for r in cfg.routes:
            idx.routes_by_directive.setdefault(id(r.directive), []).append(r)
            idx.routes_within.setdefault(id(r.directive), []).append(r)
            for a in r.directive.ancestors():
                idx.routes_within.setdefault(id(a), []).append(r)
        return idx


@dataclass(slots=True)
class FixContext:
    stack: Stack
    _yaml: dict[str, YamlFile | None] = field(default_factory=dict)
    _nginx: dict[int, _ConfigIndex] = field(default_factory=dict)
    _by_root: dict[str, list[NginxConfig]] | None = None
    _by_file: dict[str, list[NginxConfig]] | None = None
    _unparsable: set[str] | None = None  # files with a parse-error load error

    # ------------------------------------------------------------ text and YAML

    def text(self, path: str) -> str:
        src = self.stack.files.get(path)
        if src is None:
            raise FixUnavailable(f"{path} not loaded")
        return src.text

    def editable(self, fix: Fix) -> bool:
        """Edits only go to files this run read, never to `nginx -T` dumps (a snapshot
        of a live server, not a source file), never to a file with a parse error (text
        inserted after a directive missing its `;` becomes that directive's arguments)."""
        from infradoctor.syntax.nginx import is_nginx_t_dump

        if self._unparsable is None:
            self._unparsable = {e.file for e in self.stack.errors if e.kind == "parse-error"}
        if edit_range_problem(fix, self.stack) is not None:
            return False
        for path in {e.file for e in fix.edits}:
            src = self.stack.files.get(path)
            if src is None or path in self._unparsable:
                return False
            if str(src.kind) == "nginx" and is_nginx_t_dump(src.text):
                return False
        return True

    @property
    def texts(self) -> Mapping[str, str]:
        """Path -> text of every file read (a view: no copy per call)."""
        return _Texts(self.stack)

    def yaml(self, path: str) -> YamlFile:
        if path not in self._yaml:
            try:
                text = self.text(path)
                docs = ye.parse_documents(text)
                self._yaml[path] = YamlFile(path, text, docs, ye.Style.of(text, docs))
            except (ye.YamlEditError, FixUnavailable):
                self._yaml[path] = None
        yf = self._yaml[path]
        if yf is None or not yf.docs:
            raise FixUnavailable(f"{path}: YAML not editable")
        return yf

    # ------------------------------------------------------------ compose

    def service(self, finding: Finding, key: str = "service") -> Service:
        """The service a finding names under `key` of its data (`service`: the finding's
        own service, else e.g. `target_service`: a service of the same project)."""
        name = finding.data.get(key) or (finding.subject if key == "service" else None)
        if not name:
            raise FixUnavailable("finding names no service")
        if key != "service" and finding.data.get("service"):
            # Look the other service up in the project of the finding's own service:
            # two projects may share a name (two `docker/` directories).
            owner = self.service(finding)
            other = self.project(owner).services.get(str(name))
            if other is None:
                raise FixUnavailable(f"service {name} not found")
            return other
        project = finding.data.get("project")
        candidates = [
            s
            for s in self.stack.services
            if s.name == name and (project is None or s.project == project)
        ]
        if len(candidates) > 1:
            here = [s for s in candidates if s.file == finding.location.file]
            if not here:
                here = [s for s in candidates if finding.location.file in self._files_of(s)]
            if len(here) != 1:
                raise FixUnavailable(f"service {name} is ambiguous")
            candidates = here
        if not candidates:
            raise FixUnavailable(f"service {name} not found")
        return candidates[0]

    def _files_of(self, svc: Service) -> list[str]:
        return self.project(svc).compose_files

    def service_by_name(self, project: Project, name: str) -> Service | None:
        return project.services.get(name)

    def project(self, svc: Service) -> Project:
        """The project holding this very service object (names may repeat)."""
        for p in self.stack.projects:
            if any(s is svc for s in p.services.values()):
                return p
        return self.stack.project_of(svc)

    def service_entry(self, svc: Service, path: str | None = None) -> ServiceEntry:
        """The service's own mapping in `path` (default: the file defining it). Refuses a
        service written as an alias (`web: *tmpl`): editing it would edit the template."""
        yf = self.yaml(path or svc.file)
        services = ye.find(yf.docs[0], ["services"])
        pair = ye.find_pair(services, svc.name) if services is not None else None
        if pair is None:
            raise FixUnavailable(f"service {svc.name} not in {yf.path}")
        key, node = pair
        if ye.is_alias_use(key, node):
            raise FixUnavailable("service is an alias")
        if not (isinstance(node, MappingNode) or ye.is_null(node)):
            raise FixUnavailable("service is not a mapping")
        return ServiceEntry(yf, key, node)

    def entry_for_key(self, svc: Service, key: str) -> ServiceEntry:
        """The mapping of the file where `key` of the service is set (else where the
        service is defined)."""
        loc = svc.key_locations.get(key)
        if loc is not None and loc.file.endswith((".yml", ".yaml")):
            try:
                entry = self.service_entry(svc, loc.file)
                if entry.pair(key) is not None:
                    return entry
            except FixUnavailable:
                pass
        return self.service_entry(svc)

    def insert_service_keys(self, entry: ServiceEntry, values: dict[str, Any]) -> list[Edit]:
        return self.yaml_edits(
            entry.file,
            ye.insert_keys(
                entry.file.text, entry.node, values, parent_key=entry.key, style=entry.file.style
            ),
        )

    @staticmethod
    def yaml_edits(yf: YamlFile, edits: Iterable[ye.TextEdit]) -> list[Edit]:
        return [Edit(yf.path, e.start, e.end, e.replacement, e.verify) for e in edits]

    # ------------------------------------------------------------ nginx

    def _index(self, cfg: NginxConfig) -> _ConfigIndex:
        idx = self._nginx.get(id(cfg))
        if idx is None:
            idx = self._nginx[id(cfg)] = _ConfigIndex.of(cfg)
        return idx

    def configs_for(self, finding: Finding) -> list[NginxConfig]:
        if self._by_root is None or self._by_file is None:
            self._by_root, self._by_file = {}, {}
            for c in self.stack.nginx:
                self._by_root.setdefault(c.root_file, []).append(c)
                for f in dict.fromkeys(c.files):
                    self._by_file.setdefault(f, []).append(c)
        root = finding.data.get("config")
        if root is not None:
            return list(self._by_root.get(root, []))
        return list(self._by_file.get(finding.location.file, [])) or list(self.stack.nginx)

    def directive_at(
        self, loc: Location, cfgs: Iterable[NginxConfig]
    ) -> tuple[NginxConfig, Directive] | None:
        """The directive a location points at: the one starting at its offset, else the
        first on its line (and column, when the location has an offset)."""
        best: tuple[NginxConfig, Directive] | None = None
        for cfg in cfgs:
            idx = self._index(cfg)
            if loc.offset is not None:
                exact = idx.by_offset.get((loc.file, loc.offset))
                if exact is not None:
                    return cfg, exact
            if best is None:
                for d in idx.by_line.get((loc.file, loc.line), ()):
                    if loc.offset is None or d.location.column == loc.column:
                        best = (cfg, d)
                        break
        return best

    def routes_within(self, cfg: NginxConfig, block: Directive) -> list[ProxyRoute]:
        """The routes of `cfg` whose pass directive is `block` or lies inside it."""
        return list(self._index(cfg).routes_within.get(id(block), ()))

    def data_block(self, finding: Finding) -> tuple[NginxConfig, Directive] | None:
        """The block a nginx rule named in its data (`block_file`/`block_line`/`block`)."""
        file, line = finding.data.get("block_file"), finding.data.get("block_line")
        name, open_ = finding.data.get("block"), finding.data.get("block_open")
        if file is None or line is None:
            return None
        for cfg in self.configs_for(finding):
            for d in self._index(cfg).by_line.get((file, line), ()):
                if (
                    d.block is not None
                    and (name is None or d.name == name)
                    and (open_ is None or d.block_open == open_)
                ):
                    return cfg, d
        return None

    def routes_for(self, finding: Finding) -> list[ProxyRoute]:
        """The proxy routes a nginx finding is about: the pass directive it points at, the
        routes inside the block it points at, or the routes to its upstream."""
        cfgs = self.configs_for(finding)
        upstream = finding.data.get("upstream")
        found = self.directive_at(finding.location, cfgs)
        routes: list[ProxyRoute] = []
        if found is not None:
            cfg, d = found
            if d.name.endswith("_pass"):
                routes = list(self._index(cfg).routes_by_directive.get(id(d), ()))
            elif d.name == "upstream":
                upstream = upstream or (d.args[0] if d.args else None)
            elif d.name == "server" and d.parent is not None and d.parent.name == "upstream":
                upstream = upstream or (d.parent.args[0] if d.parent.args else None)
            elif d.block is not None:
                routes = self.routes_within(cfg, d)
        if not routes and upstream:
            routes = [
                r
                for c in cfgs
                for r in c.routes
                if r.upstream is not None and r.upstream.name == upstream
            ]
        return routes

    # ------------------------------------------------------------ Dockerfile

    def dockerfile(self, finding: Finding) -> Dockerfile:
        df = self.stack.dockerfiles.get(finding.location.file)
        if df is None:
            path = finding.data.get("dockerfile")
            df = self.stack.dockerfiles.get(path) if path else None
        if df is None:
            raise FixUnavailable("Dockerfile not found")
        return df


def edit_range_problem(fix: Fix, stack: Stack) -> str | None:
    """What is structurally wrong with the fix's edits: a range that runs backwards, is
    negative or ends past the text of its file (None: every range is sound). Such an edit
    is a fixer bug; it is never attached nor written."""
    for e in fix.edits:
        src = stack.files.get(e.file)
        size = len(src.text) if src is not None else None
        if e.start < 0 or e.start > e.end or (size is not None and e.end > size):
            return f"edit range {e.start}..{e.end} outside {e.file} ({size} characters)"
    return None


def make_fix(title: str, applicability: Applicability, edits: Iterable[Edit]) -> Fix:
    edits = tuple(edits)
    if not edits:
        raise FixUnavailable("nothing to change")
    return Fix(title, applicability, edits)


Fixer = Callable[[FixContext, Finding], Fix | None]


def scalar_value(node: Node | None) -> str | None:
    return node.value if isinstance(node, ScalarNode) else None
