"""What fixers share: the stack, parsed YAML per file (parsed once per lint), lookups from
a finding to its service, nginx directive or Dockerfile, and the Fix/Edit constructors.

Fixers run once per finding, so every lookup here is answered from an index built once
per file or config (on first use), never by scanning a whole tree, stack or file per
finding: that made lint quadratic in the size of its input."""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Hashable, Iterable
from dataclasses import field
from typing import Any, TypeVar

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from infradoctor.findings import Applicability, Edit, Finding, Fix
from infradoctor.fixes import yaml_edit as ye
from infradoctor.fixes.yaml_docs import DocStream
from infradoctor.gcpause import gc_paused
from infradoctor.model.nginx import Directive, NginxConfig, ProxyRoute
from infradoctor.model.source import Location, SourceFile
from infradoctor.model.stack import Dockerfile, Project, Service, Stack
from infradoctor.records import record
from infradoctor.subjects import BlockSubject, DockerfileSubject, ServiceSubject

T = TypeVar("T")
N = TypeVar("N", bound=Node)


# A manifest longer than this is read one document at a time (`DocStream`: bounded
# memory, two composes); a shorter one is composed once and kept, as a compose file.
_STREAM_CHARS = 65_536


class FixUnavailable(Exception):
    """This finding gets no fix (layout we cannot edit with certainty)."""


@record(hot=True)
class YamlFile:
    path: str
    text: str
    _docs: list[Node] | None  # None: read one document at a time from `stream`
    style: ye.Style
    _services: dict[str, tuple[ScalarNode, Node]] | None = None
    stream: DocStream | None = None
    _at: dict[tuple[type[Node], int | None], dict[int, Node]] = field(default_factory=dict)

    @property
    def docs(self) -> list[Node]:
        """Every document (a streamed file is then parsed whole and kept)."""
        if self._docs is None:
            assert self.stream is not None
            self._docs = self.stream.all()
        return self._docs

    def node_at(self, offset: int, kind: type[N]) -> N | None:
        """The `kind` node (reached through values and items, never keys) starting at
        `offset`, from an index of its document built once (of the whole file when it
        is not streamed); a streamed file keeps only the current document's."""
        doc = None if self.stream is None else self.stream.index_at(offset)
        if self.stream is not None and doc is None:
            return None
        key = (kind, doc)
        index = self._at.get(key)
        if index is None:
            roots = self.docs if doc is None else [self.stream.document(doc)]  # type: ignore[union-attr]
            index = _nodes_by_start(roots, kind)
            if doc is not None:
                self._at = {k: v for k, v in self._at.items() if k[1] is None or k[1] == doc}
            self._at[key] = index
        found = index.get(offset)
        return found if isinstance(found, kind) else None

    def service_pair(self, name: str) -> tuple[ScalarNode, Node] | None:
        """`find_pair(find(docs[0], ["services"]), name)`, from an index of the services
        mapping built once per file."""
        if self._services is None:
            index: dict[str, tuple[ScalarNode, Node]] = {}
            services = ye.find(self.docs[0], ["services"])
            if isinstance(services, MappingNode):
                for k, v in services.value:
                    if isinstance(k, ScalarNode):
                        index[k.value] = (k, v)  # the last one wins, as in find_pair
            self._services = index
        return self._services.get(name)


def _nodes_by_start(roots: Iterable[Node], kind: type[Node]) -> dict[int, Node]:
    """The `kind` nodes under `roots` by start offset (the first found in a depth-first
    walk through mapping values and sequence items wins)."""
    found: dict[int, Node] = {}
    todo: list[Node] = list(roots)
    while todo:
        node = todo.pop()
        if isinstance(node, kind):
            found.setdefault(node.start_mark.index, node)
        if isinstance(node, MappingNode):
            todo.extend(v for _, v in node.value)
        elif isinstance(node, SequenceNode):
            todo.extend(node.value)
    return found


class ConfigIndex:
    """One nginx config's directives and routes, indexed once for the fixers' lookups
    (`FixContext.directive_at`, `data_block`, `routes_for`, `routes_in`). Lists keep the
    tree's walk order and the config's route order, so the first hit is the one a scan
    would have found."""

    def __init__(self, cfg: NginxConfig) -> None:
        self.by_offset: dict[tuple[str, int], Directive] = {}
        self.by_line_column: dict[tuple[str, int, int], Directive] = {}
        self.by_line: dict[tuple[str, int], Directive] = {}
        self.blocks_by_line: dict[tuple[str, int], list[Directive]] = {}
        for d in cfg.walk():
            loc = d.location
            if loc.offset is not None:
                self.by_offset.setdefault((loc.file, loc.offset), d)
            self.by_line_column.setdefault((loc.file, loc.line, loc.column), d)
            self.by_line.setdefault((loc.file, loc.line), d)
            if d.block is not None:
                self.blocks_by_line.setdefault((loc.file, loc.line), []).append(d)
        self.routes_by_pass: dict[int, list[ProxyRoute]] = {}  # id(pass directive)
        self.routes_within: dict[int, list[ProxyRoute]] = {}  # id(directive or ancestor)
        self.routes_by_upstream: dict[str, list[ProxyRoute]] = {}
        for r in cfg.routes:
            self.routes_by_pass.setdefault(id(r.directive), []).append(r)
            self.routes_within.setdefault(id(r.directive), []).append(r)
            for a in r.directive.ancestors():
                self.routes_within.setdefault(id(a), []).append(r)
            if r.upstream is not None:
                self.routes_by_upstream.setdefault(r.upstream.name, []).append(r)
        self._servers: list[Directive] | None = None
        self._cfg = cfg

    @property
    def servers(self) -> list[Directive]:
        if self._servers is None:
            self._servers = self._cfg.servers
        return self._servers


@record(hot=True)
class ServiceEntry:
    """A compose service's mapping in one file: `key` is its name node, `node` its value."""

    file: YamlFile
    key: ScalarNode
    node: Node

    def pair(self, name: str) -> tuple[ScalarNode, Node] | None:
        return ye.find_pair(self.node, name)


@record
class FixContext:
    stack: Stack
    _yaml: dict[str, YamlFile | None] = field(default_factory=dict)
    _texts: dict[str, str] | None = None
    _editable: dict[str, bool] = field(default_factory=dict)  # file -> fixes may edit it
    _configs: dict[int, ConfigIndex] = field(default_factory=dict)
    _by_root: dict[str, list[NginxConfig]] | None = None
    _by_file: dict[str, list[NginxConfig]] | None = None
    _by_dir: dict[str, list[NginxConfig]] | None = None
    _memo: dict[Hashable, Any] = field(default_factory=dict)
    _unparsable: set[str] | None = None  # files with a parse-error load error

    def memo(self, key: Hashable, build: Callable[[], T]) -> T:
        """`build()` once per lint for `key` (facts several findings ask about)."""
        if key not in self._memo:
            self._memo[key] = build()
        value: T = self._memo[key]
        return value

    @staticmethod
    def subject(finding: Finding, cls: type[T]) -> T:
        """The finding's typed subject as its rule's subject class `cls`: what fixers
        read (attributes, not dict keys)."""
        found = finding.detail_as(cls)
        if found is None:
            raise FixUnavailable(f"finding has no {cls.__name__} subject")
        return found

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
        if edit_range_problem(fix, self.stack) is not None:
            return False
        for path in {e.file for e in fix.edits}:
            ok = self._editable.get(path)
            if ok is None:
                ok = self._editable[path] = self._file_editable(path)
            if not ok:
                return False
        return True

    def _file_editable(self, path: str) -> bool:
        """`editable`'s verdict on one file (asked once per file, not once per fix: the
        checks read the whole text)."""
        from infradoctor.syntax.nginx import is_nginx_t_dump

        if self._unparsable is None:
            self._unparsable = {e.file for e in self.stack.errors if e.kind == "parse-error"}
        src = self.stack.files.get(path)
        if src is None or path in self._unparsable or not _safe_to_edit(src):
            return False
        return str(src.kind) != "nginx" or not is_nginx_t_dump(src.text)

    @property
    def texts(self) -> dict[str, str]:
        if self._texts is None:
            self._texts = {p: s.text for p, s in self.stack.files.items()}
        return self._texts

    def yaml(self, path: str) -> YamlFile:
        if path not in self._yaml:
            try:
                text = self.text(path)
                src = self.stack.files[path]
                docs = src.yaml_nodes  # as the loader parsed them
                if docs is None and str(src.kind) == "k8s" and len(text) > _STREAM_CHARS:
                    with gc_paused():
                        stream, style = DocStream.scan(text)
                    self._yaml[path] = YamlFile(path, text, None, style, stream=stream)
                else:
                    if docs is None:  # a pass before, or an edit check, may have composed it
                        docs = ye.known_documents(text)
                    if docs is None:
                        with gc_paused():
                            docs = ye.parse_documents(text)
                    ye.remember(text, docs)  # the edit checks read the same nodes
                    self._yaml[path] = YamlFile(path, text, docs, ye.Style.lazy(text, docs))
            except (ye.YamlEditError, FixUnavailable):
                self._yaml[path] = None
        return self._checked_yaml(path)

    def _checked_yaml(self, path: str) -> YamlFile:
        yf = self._yaml[path]
        if yf is None or not (yf.docs if yf.stream is None else len(yf.stream)):
            raise FixUnavailable(f"{path}: YAML not editable")
        return yf

    # ------------------------------------------------------------ compose

    def service(
        self, finding: Finding, name: str | None = None, project: str | None = None
    ) -> Service:
        """The finding's own service: `name` in `project`, by default its
        `ServiceSubject`'s (else the service the finding's `subject` names)."""
        if name is None:
            own = finding.detail_as(ServiceSubject)
            if own is not None:
                name, project = own.service, own.project
        return self._service(finding, name or finding.subject, project)

    def other_service(
        self, finding: Finding, name: str | None, project: str | None, owner: str | None
    ) -> Service:
        """Another service a finding names (a dependency, a proxy target): looked up in
        the project of the finding's own service `owner` when it names one (two projects
        may share a name: two `docker/` directories)."""
        if not name:
            raise FixUnavailable("finding names no service")
        if owner:
            other = self.project(self.service(finding, owner, project)).services.get(name)
            if other is None:
                raise FixUnavailable(f"service {name} not found")
            return other
        return self._service(finding, name, project)

    def _service(self, finding: Finding, name: str | None, project: str | None) -> Service:
        if not name:
            raise FixUnavailable("finding names no service")
        candidates = [
            s
            for s in self.stack.index.services.get(str(name), ())
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

    def project(self, svc: Service) -> Project:
        """The project holding this very service object (project names may repeat), from
        an identity index built once per lint."""

        def build() -> dict[int, Project]:
            return {id(s): p for p in self.stack.projects for s in p.services.values()}

        found = self.memo("project-of-service", build).get(id(svc))
        return found if found is not None else self.stack.project_of(svc)

    def service_entry(self, svc: Service, path: str | None = None) -> ServiceEntry:
        """The service's own mapping in `path` (default: the file defining it). Refuses a
        service written as an alias (`web: *tmpl`): editing it would edit the template."""
        yf = self.yaml(path or svc.file)
        pair = yf.service_pair(svc.name)
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
        service is defined). Refused when that file is a later `-f` file than the
        defining one (an override): an edit in the defining file would be overridden
        there and leave the finding."""
        loc = svc.key_locations.get(key)
        if loc is not None and loc.file.endswith((".yml", ".yaml")):
            try:
                entry = self.service_entry(svc, loc.file)
                if entry.pair(key) is not None:
                    return entry
            except FixUnavailable:
                if self._overrides(svc, loc.file):
                    raise
            if self._overrides(svc, loc.file):
                raise FixUnavailable(f"{key} is set in {loc.file}, which overrides {svc.file}")
        return self.service_entry(svc)

    def _overrides(self, svc: Service, path: str) -> bool:
        """Whether compose file `path` is read after the service's defining file."""
        files = self._files_of(svc)
        return path in files and svc.file in files and files.index(path) > files.index(svc.file)

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

    def config_index(self, cfg: NginxConfig) -> ConfigIndex:
        found = self._configs.get(id(cfg))
        if found is None:
            found = self._configs[id(cfg)] = ConfigIndex(cfg)
        return found

    def configs_for(self, finding: Finding, root: str | None) -> list[NginxConfig]:
        """The configs rooted at `root` (the config its subject names), else (None)
        those holding the finding's file, else all."""
        if self._by_root is None or self._by_file is None:
            self._by_root, self._by_file = {}, {}
            for c in self.stack.nginx:
                self._by_root.setdefault(c.root_file, []).append(c)
                for f in dict.fromkeys(c.files):
                    self._by_file.setdefault(f, []).append(c)
        if root is not None:
            return list(self._by_root.get(root, ()))
        return list(self._by_file.get(finding.location.file, ())) or list(self.stack.nginx)

    def configs_in_dir(self, directory: str) -> list[NginxConfig]:
        """The configs whose root file sits in `directory`, in stack order."""
        if self._by_dir is None:
            self._by_dir = {}
            for c in self.stack.nginx:
                self._by_dir.setdefault(os.path.dirname(c.root_file), []).append(c)
        return list(self._by_dir.get(directory, ()))

    def directive_at(
        self, loc: Location, cfgs: Iterable[NginxConfig]
    ) -> tuple[NginxConfig, Directive] | None:
        """The directive at `loc`: the first one (configs in order, tree in walk order) at
        its offset, else the first at its line and column (line only without offset)."""
        cfgs = list(cfgs)
        if loc.offset is not None:
            for cfg in cfgs:
                d = self.config_index(cfg).by_offset.get((loc.file, loc.offset))
                if d is not None:
                    return cfg, d
            for cfg in cfgs:
                d = self.config_index(cfg).by_line_column.get((loc.file, loc.line, loc.column))
                if d is not None:
                    return cfg, d
            return None
        for cfg in cfgs:
            d = self.config_index(cfg).by_line.get((loc.file, loc.line))
            if d is not None:
                return cfg, d
        return None

    def data_block(self, finding: Finding) -> tuple[NginxConfig, Directive] | None:
        """The block a nginx rule named in its `BlockSubject` (file, line, name)."""
        subject = finding.detail_as(BlockSubject)
        if subject is None or subject.block_file is None or subject.block_line is None:
            return None
        file, line = subject.block_file, subject.block_line
        name, open_ = subject.block, subject.block_open
        for cfg in self.configs_for(finding, subject.config):
            for d in self.config_index(cfg).blocks_by_line.get((file, line), []):
                if (name is None or d.name == name) and (open_ is None or d.block_open == open_):
                    return cfg, d
        return None

    def routes_in(self, cfg: NginxConfig, block: Directive) -> list[ProxyRoute]:
        """The routes of `cfg` whose pass directive is `block` or lies inside it."""
        return list(self.config_index(cfg).routes_within.get(id(block), ()))

    def routes_for(
        self, finding: Finding, root: str | None, upstream: str | None = None
    ) -> list[ProxyRoute]:
        """The proxy routes a nginx finding is about (in config `root`, see
        `configs_for`): the pass directive it points at, the routes inside the block it
        points at, or the routes to its `upstream`."""
        cfgs = self.configs_for(finding, root)
        found = self.directive_at(finding.location, cfgs)
        routes: list[ProxyRoute] = []
        if found is not None:
            cfg, d = found
            if d.name.endswith("_pass"):
                routes = list(self.config_index(cfg).routes_by_pass.get(id(d), ()))
            elif d.name == "upstream":
                upstream = upstream or (d.args[0] if d.args else None)
            elif d.name == "server" and d.parent is not None and d.parent.name == "upstream":
                upstream = upstream or (d.parent.args[0] if d.parent.args else None)
            elif d.block is not None:
                routes = self.routes_in(cfg, d)
        if not routes and upstream:
            routes = [
                r for c in cfgs for r in self.config_index(c).routes_by_upstream.get(upstream, ())
            ]
        return routes

    def indent_unit(self, path: str) -> str:
        """`nginx_edit.indent_unit` of a file, read once per lint."""
        from infradoctor.fixes.nginx_edit import indent_unit

        return self.memo(("indent-unit", path), lambda: indent_unit(self.text(path)))

    def insert_into_block(
        self, block: Directive, lines: list[str], *, at_start: bool = False
    ) -> Edit:
        """`nginx_edit.insert_into_block` in the block's file, with its memoised indent."""
        from infradoctor.fixes.nginx_edit import child_ends, insert_into_block

        return insert_into_block(
            self.text(block.file),
            block,
            lines,
            at_start=at_start,
            unit=self.indent_unit(block.file),
            ends=self.memo(("child-ends", id(block)), functools.partial(child_ends, block)),
        )

    def upgrade_map(self, cfgs: Iterable[NginxConfig]) -> str | None:
        """`nginx_edit.find_upgrade_map(cfgs)`, each config searched once per lint."""
        from infradoctor.fixes.nginx_edit import find_upgrade_map

        for cfg in cfgs:
            var = self.memo(("upgrade-map", id(cfg)), functools.partial(find_upgrade_map, [cfg]))
            if var is not None:
                return var
        return None

    # ------------------------------------------------------------ Dockerfile

    def dockerfile(self, finding: Finding) -> Dockerfile:
        df = self.stack.dockerfiles.get(finding.location.file)
        subject = finding.detail_as(DockerfileSubject)
        if df is None and subject is not None:
            df = self.stack.dockerfiles.get(subject.dockerfile)
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


# Line breaks for YAML, not for our offsets; and a byte order mark left after the one the
# reader drops, which YAML skips while our columns count it (a second BOM).
_YAML_SEPARATORS = ("\u2028", "\u2029", "\ufeff")


def _safe_to_edit(src: SourceFile) -> bool:
    """A file whose layout an edit could misread gets no fix at all (rather than a fix
    the write step must refuse): YAML holding U+2028/U+2029, which YAML reads as line
    breaks, or a second byte order mark; a Dockerfile ending in a line continuation, which would swallow any
    instruction appended after it."""
    kind = str(src.kind)
    if kind in ("compose", "k8s") and any(c in src.text for c in _YAML_SEPARATORS):
        return False
    if kind == "dockerfile":
        tail = src.text.rstrip()
        escape = "`" if "escape=`" in src.text[:512] else "\\"
        if tail.endswith(escape):
            return False
    return True
