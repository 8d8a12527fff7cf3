"""nginx loader: parse every nginx file, splice `include`s (globs, container paths through
the bind mounts and Dockerfile COPYs that place the including file, /etc/nginx paths
mapped onto the tree, `nginx -T` dumps, official-image `templates/*.template` files), and
build upstreams and proxy routes.

Files included by another file are spliced where the `include` sits (each directive keeps
its own file in its Location) and are not roots; every other file is the root of an
NginxConfig. Missing well-known system files (mime.types, proxy_params, ...) are fine.
"""

from __future__ import annotations

import os
import posixpath
import re
from collections import ChainMap
from collections.abc import Iterable, Mapping, Sequence
from functools import partial
from pathlib import Path

from infradoctor.lazyre import lazy
from infradoctor.loaders.container_paths import ContainerPaths
from infradoctor.loaders.files import SourceReader
from infradoctor.model.nginx import (
    Directive,
    NginxConfig,
    ProxyRoute,
    ProxyTarget,
    Upstream,
    UpstreamServer,
)
from infradoctor.model.source import FileKind, LoadError, Location, SourceFile
from infradoctor.parsecache import nginx_parsed, on_disk
from infradoctor.records import record
from infradoctor.syntax import globpat
from infradoctor.syntax.nginx import (
    MAX_DEPTH,
    ParsedFile,
    is_nginx_t_dump,
    parse_nginx,
    split_nginx_t,
)
from infradoctor.syntax.numbers import digits_value

# Prefixes under which packaged/containerised nginx keeps its config; an include of
# /etc/nginx/x is looked up as x next to the tree's nginx.conf.
CONF_PREFIXES = (
    "/etc/nginx/",
    "/usr/local/nginx/conf/",
    "/usr/local/openresty/nginx/conf/",
    "/usr/local/etc/nginx/",
    "/opt/bitnami/nginx/conf/",
    "/config/nginx/",
)

# Files every nginx package ships; an include of one that is not in the tree is fine.
SYSTEM_INCLUDES = frozenset(
    {
        "mime.types",
        "fastcgi_params",
        "fastcgi.conf",
        "proxy_params",
        "uwsgi_params",
        "scgi_params",
        "koi-utf",
        "koi-win",
        "win-utf",
        "fastcgi-php.conf",
        "snakeoil.conf",
        "options-ssl-nginx.conf",
        "ssl-dhparams.pem",
        "naxsi_core.rules",
    }
)
SYSTEM_DIRS = (
    "/etc/letsencrypt/",
    "/usr/share/nginx/",
    "/etc/nginx/modules-enabled/",
    "/usr/lib/nginx/",
    "/etc/nginx/modules/",
)

PASS_KINDS = {
    "proxy_pass": "proxy",
    "fastcgi_pass": "fastcgi",
    "uwsgi_pass": "uwsgi",
    "grpc_pass": "grpc",
}
DEFAULT_PORTS = {"http": 80, "https": 443, "grpc": 80, "grpcs": 443, "ws": 80, "wss": 443}
# Contexts whose *_pass / upstream are not HTTP (never routes).
NON_HTTP_CONTEXTS = frozenset({"stream", "mail"})
# Blocks a *_pass directive can sit in (or lead to one): routes are only looked for in
# these. A pass directive inside any other block (`$a location /ws {` after a stray
# token, `proxy_pass { ... }`, a `*_by_lua_block`) is nothing nginx would route.
ROUTE_BLOCKS = frozenset({"http", "server", "location", "if", "limit_except"})
ENV_PLACEHOLDER_RE = re.compile(r"\$\{[A-Z_][A-Z0-9_]*\}")
GLOB_CHARS = frozenset("*?[")
# Directories whose files nginx images/packages include at the http level.
HTTP_DIRS = frozenset({"conf.d", "http.d", "sites-enabled"})
# The official nginx image renders /etc/nginx/templates/X.template (envsubst) to
# /etc/nginx/conf.d/X: in a tree, templates/X.template stands for conf.d/X.
TEMPLATES_DIR = "templates"
TEMPLATE_SUFFIX = ".template"
MAX_INCLUDE_DEPTH = 24  # real trees are 2-4 deep; the splice recursion needs a bound
# Include expansion budget (docs/reading.md). Every time an `include` splices a file into
# a config counts once, with that file's size: a snippet included from 5 servers counts
# 5 (it is parsed once and its directives copied), a fan-out of files each including the
# next twice counts 2**depth and hits the budget instead of taking exponential time.
MAX_INCLUDES_PER_CONFIG = 2_000
MAX_INCLUDE_BYTES_PER_CONFIG = 64 * 1024 * 1024
MAX_INCLUDES_PER_RUN = 50_000
# Blocks nested across included files: each file is parsed to at most MAX_DEPTH levels,
# and the spliced tree is held to the same bound (the tree helpers and the rules walk
# it recursively), so a chain of deeply nested includes cannot exhaust the stack.
MAX_SPLICED_DEPTH = MAX_DEPTH
# Words (directive names and arguments) one config, and one run, may splice in: includes
# fanning out (a file included twice by a file included twice ...) grow exponentially, and
# a file of one 50,000-word directive included from every snippet multiplies what every
# rule walks; past this no further include is followed.
MAX_SPLICED_WORDS = 1_000_000
MAX_SPLICED_WORDS_PER_RUN = 4_000_000
PORT_SUFFIX_RE = lazy(r":\d+$")
URI_VAR_RE = re.compile(r"\$\{?(request_uri|uri|is_args|args|query_string|document_uri|\d)\b")


@record
class _Unit:
    """One parsed (virtual) file: a real file or one file of an `nginx -T` dump."""

    key: str  # real relative path, or "<dump>::/etc/nginx/x.conf" for dump members
    parsed: ParsedFile
    location_file: str  # the real file Locations point at
    dump: str | None = None  # the dump file this unit belongs to
    size: int = 0  # characters of text (for the include budget)


class _Loader:
    def __init__(
        self,
        sources: Sequence[SourceFile],
        reader: SourceReader,
        project_dirs: frozenset[str] = frozenset(),
        containers: ContainerPaths | None = None,
    ) -> None:
        self.reader = reader
        self.project_dirs = project_dirs  # directories holding a compose file
        self.containers = containers  # bind mounts and COPY: container path -> tree path
        self._placed: dict[tuple[str, str], list[str]] = {}
        self.units: dict[str, _Unit] = {}
        self.errors: list[LoadError] = []
        self._error_keys: set[tuple[str, int | None, str]] = set()
        self._cycles: set[tuple[str, int, int, str]] = set()
        self._spliced = 0  # words spliced into the config being built
        self._run_spliced = 0  # words spliced into every config of the run
        self._over_directives = False
        self.source_keys: list[str] = []
        self.dump_members: dict[str, list[str]] = {}  # dump path -> unit keys in order
        self._resolved: dict[
            tuple[str, str, str], tuple[list[str] | None, tuple[str, str] | None]
        ] = {}
        self.visited: set[str] = set()
        self._known: set[Directive] = set()
        # Include budget: per config (reset by _build_one) and per run.
        self._includes = 0
        self._include_bytes = 0
        self._run_includes = 0
        self._over_budget: str | None = None
        self._files_seen: set[str] = set()
        for src in sources:
            self._add_source(src)
        # Paths (and template-stripped aliases) of every known nginx file, for suffix matching.
        self._known_parts: list[tuple[str, tuple[str, ...]]] = []
        for key in self.source_keys:
            if key in self.dump_members:
                continue
            parts = tuple(key.split("/"))
            self._known_parts.append((key, parts))
            if parts[-1].endswith(".template"):
                alias = list(parts[:-1]) + [parts[-1][: -len(".template")]]
                if len(alias) > 1 and alias[-2] == "templates":
                    alias[-2] = "conf.d"
                self._known_parts.append((key, tuple(alias)))

    # ------------------------------------------------------------------ parsing

    def _add_source(self, src: SourceFile) -> None:
        if src.path in self.units or src.path in self.dump_members:
            return
        if is_nginx_t_dump(src.text):
            members: list[str] = []
            for vpath, start, end in split_nginx_t(src.text):
                key = f"{src.path}::{vpath}"
                parsed = nginx_parsed(parse_nginx, src, start, end)
                self.units[key] = _Unit(key, parsed, src.path, dump=src.path, size=end - start)
                members.append(key)
                self._errors(parsed.errors)
            self.dump_members[src.path] = members
            self.source_keys.append(src.path)
            return
        parsed = nginx_parsed(parse_nginx, src)
        self.units[src.path] = _Unit(src.path, parsed, src.path, size=len(src.text))
        self._errors(parsed.errors)
        self.source_keys.append(src.path)

    def _errors(self, errors: Iterable[LoadError]) -> None:
        for e in errors:
            key = (e.file, e.line, e.message)
            if key not in self._error_keys:
                self._error_keys.add(key)
                self.errors.append(e)

    def _error(self, unit: _Unit, d: Directive, message: str, kind: str = "invalid") -> None:
        loc = d.location
        self._errors([LoadError(unit.location_file, message, kind, loc.line, loc.column)])

    def _unit_for_disk(self, rel: str) -> _Unit | None:
        """A file reached only through an include (e.g. proxy_params without blocks)."""
        unit = self.units.get(rel)
        if unit is not None:
            return unit
        res = self.reader.read(self.reader.root / rel, FileKind.NGINX)
        if isinstance(res, LoadError):
            self._errors([res])
            return None
        parsed = nginx_parsed(parse_nginx, res)
        self._errors(parsed.errors)
        unit = _Unit(rel, parsed, res.path, size=len(res.text))
        self.units[rel] = unit
        return unit

    # ------------------------------------------------------------------ includes

    def resolve_include(self, unit: _Unit, include: Directive, conf_dir: str) -> list[str] | None:
        """Unit keys an `include` pulls in (sorted like nginx's glob); None if it is
        unresolved (an error is recorded at the include unless it is a well-known system
        file). Lookups are cached per (directory, pattern): a snippet included from every
        location of a big tree is looked up once."""
        if not include.args:
            return []
        pattern = include.args[0]
        if unit.dump is not None:
            return self._resolve_in_dump(unit, pattern)
        placed = self._through_containers(unit.key, pattern)
        if placed:
            return placed
        here = posixpath.dirname(unit.key)
        cache_key = (here, pattern, conf_dir)
        cached = self._resolved.get(cache_key)
        if cached is None:
            cached = self._resolved[cache_key] = self._lookup(here, pattern, conf_dir)
        found, problem = cached
        if problem is not None:
            kind, message = problem
            line, column = include.location.line, include.location.column
            self._errors([LoadError(unit.location_file, message, kind, line, column)])
        return found

    def _through_containers(self, key: str, pattern: str) -> list[str]:
        """Files an include reaches in the containers that hold `key` (bind mounts and
        Dockerfile COPY/ADD, loaders/container_paths.py); [] leaves it to the tree
        layout lookups below."""
        if self.containers is None or "$" in pattern or "{{" in pattern:
            return []
        found = self._placed.get((key, pattern))
        if found is None:
            hits = [
                f for rel in self.containers.resolve(key, pattern) for f in self._glob_disk(rel)[0]
            ]
            found = self._placed[(key, pattern)] = sorted(dict.fromkeys(hits))
        return found

    def _lookup(
        self, here: str, pattern: str, conf_dir: str
    ) -> tuple[list[str] | None, tuple[str, str] | None]:
        """(keys, None) when resolved, ([], None) for an empty glob or a templated include,
        (None, None) for a missing system file, (None, (kind, message)) otherwise."""
        if "$" in pattern or "{{" in pattern:
            return [], None  # templated include: cannot be followed statically
        is_glob = any(c in GLOB_CHARS for c in pattern)
        tries: list[str] = []
        if pattern.startswith("/"):
            for prefix in CONF_PREFIXES:
                if pattern.startswith(prefix):
                    rest = pattern[len(prefix) :]
                    tries += [posixpath.join(conf_dir, rest), posixpath.join(here, rest)]
                    break
        else:
            tries += [posixpath.join(here, pattern), posixpath.join(conf_dir, pattern)]
        # Entrypoints that envsubst X.template into X in place: X.template stands for X.
        tries += [t + TEMPLATE_SUFFIX for t in tries if not t.endswith(TEMPLATE_SUFFIX)]
        outside = False
        for cand in dict.fromkeys(tries):
            found, was_outside = self._glob_disk(cand)
            outside = outside or was_outside
            if found:
                return found, None
        rest = pattern
        for prefix in CONF_PREFIXES:
            if pattern.startswith(prefix):
                rest = pattern[len(prefix) :]
                break
        suffix = self._suffix_match(rest.lstrip("/"), here, "") if rest else []
        if suffix:
            return suffix, None
        rendered = self._template_match(rest.lstrip("/"), here, conf_dir)
        if rendered:
            return rendered, None
        if is_glob:
            return [], None  # nginx accepts a glob that matches nothing
        name = posixpath.basename(pattern)
        if name in SYSTEM_INCLUDES or pattern.startswith(SYSTEM_DIRS):
            return None, None
        if outside or (pattern.startswith("/") and not pattern.startswith(CONF_PREFIXES)):
            return None, ("include-outside", f"include {pattern} points outside the scanned tree")
        return None, ("include-missing", f"include {pattern} matches no file in the scanned tree")

    def _glob_disk(self, rel_pattern: str) -> tuple[list[str], bool]:
        """Files under the root matching a root-relative pattern; flag if it leaves root."""
        norm = posixpath.normpath(rel_pattern)
        if norm.startswith("../") or norm == "..":
            return [], True
        base = str(self.reader.root)
        # listed once per `fix --diff` (parsecache.on_disk: fixes never add files)
        paths = on_disk("include", (base, norm), partial(_files_matching, base, norm))
        return [self.reader.relpath(Path(p)) for p in paths], False

    def _template_match(self, rest: str, here: str, conf_dir: str) -> list[str]:
        """Files an include of conf.d/X means when the tree holds the official image's
        templates/X.template instead (rendered to conf.d/X at container start). Looked up
        in templates/ dirs next to the including file, up to two levels above it, and in
        the config's prefix dir; template files need not look like nginx (a snippet of
        proxy_* lines is not discovered on its own)."""
        head, sep, sub = rest.partition("/")
        if head != "conf.d" or not sep or not sub:
            return []
        dirs = [*self._near_dirs(here), conf_dir]
        for d in dict.fromkeys(dirs):
            if posixpath.basename(d) == TEMPLATES_DIR:
                d = posixpath.dirname(d)
            found, _ = self._glob_disk(posixpath.join(d, TEMPLATES_DIR, sub + TEMPLATE_SUFFIX))
            if found:
                return found
        return []

    def _suffix_match(self, rest: str, here: str, self_key: str) -> list[str]:
        """Known nginx files whose trailing path components match `rest`, preferring the
        nearest ancestor directory of the including file."""
        want = tuple(p for p in rest.split("/") if p)
        if not want or (len(want) == 1 and any(c in GLOB_CHARS for c in want[0])):
            return []
        hits: list[str] = []
        n = len(want)
        # a component without glob characters matches only itself (globpat.fnmatchcase
        # of a literal is equality): compared first, the globs' regexes only after
        literals = [(i - n, w) for i, w in enumerate(want) if not globpat.has_magic(w)]
        globs = [
            (i - n, globpat.compile_glob(w)) for i, w in enumerate(want) if globpat.has_magic(w)
        ]
        for key, parts in self._known_parts:
            if key == self_key or len(parts) < n:
                continue
            if all(parts[i] == w for i, w in literals) and all(
                rx.match(parts[i]) for i, rx in globs
            ):
                hits.append(key)
        if not hits:
            return []
        # Look near the including file only (its dir and up to two levels above): in a
        # monorepo another project's conf.d must not be spliced in.
        for anc in self._near_dirs(here):
            prefix = anc + "/" if anc else ""
            near = [k for k in hits if k.startswith(prefix)]
            if near:
                return sorted(dict.fromkeys(near))
        return []

    def _near_dirs(self, here: str) -> list[str]:
        """`here` and up to two directories above it, stopping at a compose project's
        directory: a sibling project's conf.d is never spliced in (loaders/link.py)."""
        out: list[str] = []
        anc = here
        for _ in range(3):
            out.append(anc)
            if not anc or anc in self.project_dirs:
                break
            anc = posixpath.dirname(anc)
        return out

    def _resolve_in_dump(self, unit: _Unit, pattern: str) -> list[str] | None:
        """Members of the unit's `nginx -T` dump an include names, by their absolute paths
        (relative patterns are relative to nginx.conf's directory, as in nginx). A glob
        that matches no member matched nothing in nginx either ([]); a plain file that is
        not in the dump (mime.types, a trimmed dump) is None: its content is unknown."""
        assert unit.dump is not None
        members = self.dump_members.get(unit.dump, [])
        prefix = f"{unit.dump}::"
        vpaths = [m[len(prefix) :] for m in members]
        first = vpaths[0] if vpaths else "/etc/nginx/nginx.conf"
        if not pattern.startswith("/"):
            pattern = posixpath.join(posixpath.dirname(first), pattern)
        pattern = posixpath.normpath(pattern)
        out = [prefix + v for v in vpaths if _path_matches(posixpath.normpath(v), pattern)]
        if not out and not any(c in GLOB_CHARS for c in pattern):
            return None
        return out

    def conf_dir_for(self, key: str) -> str:
        """Directory nginx would treat as its prefix: the nearest nginx.conf's dir (or
        nginx.conf.template's, rendered in place by the image's entrypoint)."""
        d = posixpath.dirname(key)
        while True:
            cand = posixpath.join(d, "nginx.conf") if d else "nginx.conf"
            if cand in self.units or cand + TEMPLATE_SUFFIX in self.units:
                return d
            parent = posixpath.dirname(d)
            if not d or parent == d:  # "" (the root) or "/" (an absolute key): no higher
                return posixpath.dirname(key)
            d = parent

    # ------------------------------------------------------------------ splicing

    def _empty_glob_known(self, unit: _Unit, include: Directive) -> bool:
        """See `_empty_glob_known()`; a file whose top level holds locations is a server
        body (included inside server{}), so its top level is not the http level."""
        top = {d.name for d in unit.parsed.directives}
        server_body = bool(top & {"location", "listen", "server_name"})
        return _empty_glob_known(include, unit.dump is not None, server_body)

    def included_keys(self) -> set[str]:
        """Every unit some *other* unit includes (those are not roots)."""
        out: set[str] = set()
        for key in list(self.units):
            unit = self.units[key]
            conf_dir = self.conf_dir_for(key)
            for inc in _walk_includes(unit.parsed.directives):
                for k in self.resolve_include(unit, inc, conf_dir) or []:
                    if k != key:
                        out.add(k)
                        if k not in self.units:
                            self._unit_for_disk(k)
        return out

    def splice(
        self,
        unit: _Unit,
        directives: list[Directive],
        parent: Directive,
        chain: tuple[str, ...],
        conf_dir: str,
        files: list[str],
        depth: int = 0,
    ) -> list[Directive]:
        """Copies of `directives` under `parent` (at nesting `depth`) with includes
        replaced by the directives of the files they name."""
        out: list[Directive] = []
        for d in directives:
            self._spliced += 1 + len(d.args)
            self._run_spliced += 1 + len(d.args)
            c = Directive(
                d.name,
                list(d.args),
                d.location,
                None,
                parent,
                d.block_open,
                d.block_close,
                d.comment,
            )
            out.append(c)
            if d.block is not None:
                if depth + 1 > MAX_SPLICED_DEPTH:
                    c.block = []
                    self._error(
                        unit,
                        d,
                        f"blocks nested deeper than {MAX_SPLICED_DEPTH} levels through "
                        "includes; the inner ones are skipped",
                    )
                else:
                    c.block = self.splice(unit, d.block, c, chain, conf_dir, files, depth + 1)
            if d.name != "include" or d.block is not None:
                continue
            keys = self.resolve_include(unit, d, conf_dir)
            if keys or (keys is not None and self._empty_glob_known(unit, c)):
                self._known.add(c)
            for index, key in enumerate(keys or []):
                if self._over_budget is not None:
                    # Out of budget: nothing more is expanded in this config (the error
                    # at the include that ran out says so); not roots of their own either.
                    self.visited.update(k for k in (keys or [])[index:] if k not in chain)
                    break
                over = self._over_words()
                if over is not None:
                    if not self._over_directives:
                        self._over_directives = True
                        self._error(
                            unit, d, f"{over}; further includes are not followed", "include-budget"
                        )
                    break
                if len(chain) >= MAX_INCLUDE_DEPTH:
                    self._errors(
                        [
                            LoadError(
                                unit.location_file,
                                f"includes nested deeper than {MAX_INCLUDE_DEPTH} "
                                "files; not followed",
                                "invalid",
                                d.location.line,
                                d.location.column,
                            )
                        ]
                    )
                    break
                if key in chain:
                    # One error per include directive and file it cycles back to, with
                    # the first chain that showed it: a fan-out of cycles would
                    # otherwise report every path through it.
                    cycle = (unit.location_file, d.location.line, d.location.column, key)
                    if cycle not in self._cycles:
                        self._cycles.add(cycle)
                        self._errors(
                            [
                                LoadError(
                                    unit.location_file,
                                    f"include cycle: {' -> '.join(chain + (key,))}",
                                    "include-cycle",
                                    d.location.line,
                                    d.location.column,
                                )
                            ]
                        )
                    continue
                inc = self.units.get(key) or self._unit_for_disk(key)
                if inc is None:
                    continue
                if not self._spend(inc, unit, d, len(keys or []) - index):
                    self.visited.update(k for k in (keys or [])[index:] if k not in chain)
                    break
                if inc.location_file not in self._files_seen:
                    self._files_seen.add(inc.location_file)
                    files.append(inc.location_file)
                self.visited.add(key)
                out.extend(
                    self.splice(
                        inc, inc.parsed.directives, parent, chain + (key,), conf_dir, files, depth
                    )
                )
        return out

    def _over_words(self) -> str | None:
        if self._spliced >= MAX_SPLICED_WORDS:
            return f"includes expand to more than {MAX_SPLICED_WORDS} words in this config"
        if self._run_spliced >= MAX_SPLICED_WORDS_PER_RUN:
            return f"includes expand to more than {MAX_SPLICED_WORDS_PER_RUN} words in this run"
        return None

    def _spend(self, inc: _Unit, unit: _Unit, include: Directive, left: int) -> bool:
        """Count one splice of `inc` against the config's and the run's include budget;
        False (and one error at the include) once either is exhausted."""
        self._includes += 1
        self._include_bytes += inc.size
        self._run_includes += 1
        over = None
        if self._includes > MAX_INCLUDES_PER_CONFIG:
            over = f"more than {MAX_INCLUDES_PER_CONFIG} includes expanded in this config"
        elif self._include_bytes > MAX_INCLUDE_BYTES_PER_CONFIG:
            over = f"more than {MAX_INCLUDE_BYTES_PER_CONFIG} bytes of includes in this config"
        elif self._run_includes > MAX_INCLUDES_PER_RUN:
            over = f"more than {MAX_INCLUDES_PER_RUN} includes expanded in this run"
        if over is None:
            return True
        self._over_budget = over
        more = f" ({left} file{'s' if left != 1 else ''} of this include)" if left > 1 else ""
        self._errors(
            [
                LoadError(
                    unit.location_file,
                    f"include budget exceeded: {over}; this include{more} and every later "
                    "one in this config were not expanded (an include fan-out or an "
                    "unusually large glob; see docs/reading.md)",
                    "include-budget",
                    include.location.line,
                    include.location.column,
                )
            ]
        )
        return False

    def build(self) -> list[NginxConfig]:
        self.visited = set()
        self._known = set()
        self._run_includes = 0
        included = self.included_keys()
        configs: list[NginxConfig] = []
        roots: list[str] = []
        for key in self.source_keys:
            if key in self.dump_members:
                members = self.dump_members[key]
                if members:
                    roots.append(members[0])
            elif key not in included:
                roots.append(key)
        for key in roots:
            configs.append(self._build_one(key))
        # Sources never reached from a root (include cycles only): roots of their own.
        for key in self.source_keys:
            if key not in self.dump_members and key not in self.visited:
                configs.append(self._build_one(key))
        configs.extend(self._http_level_siblings(configs, included))
        return configs

    def _http_level_siblings(
        self, configs: list[NginxConfig], included: set[str]
    ) -> list[NginxConfig]:
        """nginx loads every conf.d/*.conf into one http{}: a sibling of a snippet that
        holds only settings (`server_tokens off;`, timeouts) is not discovered as nginx,
        but it is the snippet's http level, so load it as a config of its own."""
        out: list[NginxConfig] = []
        dirs = {
            posixpath.dirname(c.root_file)
            for c in configs
            if c.is_snippet and _http_dir(c.root_file)
        }
        for d in sorted(dirs):
            base = posixpath.basename(d)
            pattern = {"sites-enabled": "*", TEMPLATES_DIR: "*.conf" + TEMPLATE_SUFFIX}.get(
                base, "*.conf"
            )
            found, _ = self._glob_disk(posixpath.join(d, pattern))
            for key in found:
                if key in self.units or key in included:
                    continue
                unit = self._unit_for_disk(key)
                if unit is not None and unit.parsed.directives:
                    out.append(self._build_one(key))
        return out

    def _build_one(self, key: str) -> NginxConfig:
        unit = self.units[key]
        self.visited.add(key)
        root = Directive("", [], Location(unit.location_file, 1, 1, offset=0), block=[])
        files = [unit.location_file]
        self._files_seen = set(files)
        conf_dir = self.conf_dir_for(key) if unit.dump is None else ""
        self._known = set()
        self._includes = 0
        self._include_bytes = 0
        self._over_budget = None
        self._spliced, self._over_directives = 0, False
        root.block = self.splice(unit, unit.parsed.directives, root, (key,), conf_dir, files)
        top = {d.name for d in root.block}
        is_snippet = (
            unit.dump is None
            and "http" not in top
            and bool(top & {"server", "upstream", "location", "map"})
        )
        template = any(self._is_template(f) for f in files)
        return NginxConfig(
            unit.location_file,
            root,
            files,
            is_snippet=is_snippet,
            template=template,
            known_includes=self._known,
        )

    def _is_template(self, file: str) -> bool:
        unit = self.units.get(file)
        return file.endswith(".template") or (unit is not None and unit.parsed.template)


def _http_dir(path: str) -> bool:
    """Whether the file sits where nginx loads every file into one http{}: conf.d and the
    like, or the official image's templates/ dir (rendered into conf.d)."""
    base = posixpath.basename(posixpath.dirname(path))
    return base in HTTP_DIRS or (base == TEMPLATES_DIR and path.endswith(TEMPLATE_SUFFIX))


def _empty_glob_known(include: Directive, in_dump: bool, server_body: bool) -> bool:
    """Whether an include glob that matched nothing adds nothing. In an `nginx -T` dump
    that is certain (every included file is printed). In a tree, a directory wildcard at
    the main or http level (`conf.d/*.conf`, `sites-enabled/*`) loads site files the image
    or host may add, which hold servers, not settings for ours; inside a server or
    location it is a directory of settings, and an optional-file trick (`http[.]conf`)
    names one file: their content is unknown."""
    pattern = include.args[0] if include.args else ""
    if not any(c in GLOB_CHARS for c in pattern) or _has_vars(pattern):
        return False
    if in_dump:
        return True
    level = include.parent.name if include.parent is not None else ""
    main_or_http = level == "http" or (level == "" and not server_body)
    return "*" in posixpath.basename(pattern) and main_or_http


def _path_matches(path: str, pattern: str) -> bool:
    """nginx's include glob: wildcards match within one path component, never across `/`."""
    parts, want = path.split("/"), pattern.split("/")
    return len(parts) == len(want) and all(
        globpat.fnmatchcase(p, w) for p, w in zip(parts, want, strict=True)
    )


def _walk_includes(directives: list[Directive]) -> Iterable[Directive]:
    for d in directives:
        if d.name == "include" and d.block is None:
            yield d
        elif d.block:
            yield from _walk_includes(d.block)


# ---------------------------------------------------------------------- routes


def _split_hostport(hostport: str) -> tuple[str | None, int | None, str | None]:
    """(host, port, port_text) of `host:port`, `[v6]:port`, or `host`."""
    if hostport.startswith("["):
        close = hostport.find("]")
        if close != -1:
            host = hostport[1:close]
            rest = hostport[close + 1 :]
            port_text = rest[1:] if rest.startswith(":") else None
            return host, digits_value(port_text) if port_text else None, port_text
    if hostport.count(":") == 1:
        host, port_text = hostport.split(":")
        return host or None, digits_value(port_text), port_text
    return hostport or None, None, None


def _has_vars(text: str) -> bool:
    """nginx variables or template placeholders: the value is not known statically."""
    return "$" in text or "{{" in text


def parse_upstream(d: Directive) -> Upstream:
    servers: list[UpstreamServer] = []
    for s in d.children("server"):
        if not s.args:
            continue
        address = s.args[0]
        params: dict[str, str] = {}
        for p in s.args[1:]:
            k, _, v = p.partition("=")
            params[k] = v
        if address.startswith("unix:"):
            servers.append(UpstreamServer(address, None, None, address[5:], params, s.location))
            continue
        host, port, _ = _split_hostport(address)
        servers.append(
            UpstreamServer(
                address, host, port if port is not None else 80, None, params, s.location
            )
        )
    return Upstream(d.args[0] if d.args else "", servers, d)


def parse_pass(
    cfg: NginxConfig, d: Directive, upstreams: Mapping[str, Upstream] | None = None
) -> ProxyRoute:
    """A ProxyRoute for one *_pass directive (server/location filled by the caller).
    `upstreams` are the upstream blocks visible to it (default: the config's own)."""
    visible = cfg.upstreams if upstreams is None else upstreams
    kind = PASS_KINDS[d.name]
    raw = d.args[0] if d.args else ""
    scheme: str | None = None
    rest = raw
    if "://" in raw:
        scheme_text, rest = raw.split("://", 1)
        scheme = scheme_text.lower()
    elif kind == "proxy":
        scheme = None
    elif kind == "grpc":
        scheme = "grpc"
    uri: str | None = None
    unix: str | None = None
    if rest.startswith("unix:"):
        sock = rest[5:]
        if kind == "proxy" or kind == "grpc" or kind == "uwsgi":
            sock, sep, tail = sock.partition(":")
            uri = tail if sep and tail else None
        unix = sock
        hostport = ""
    else:
        slash = rest.find("/")
        dollar = rest.find("$")
        uri_var = URI_VAR_RE.search(rest, 1)
        if uri_var is not None and (slash == -1 or uri_var.start() < slash):
            slash = uri_var.start()  # `http://$host$request_uri`: the URI is the variable
        elif (
            dollar > 0 and (slash == -1 or dollar < slash) and PORT_SUFFIX_RE.search(rest[:dollar])
        ):
            slash = dollar  # `http://api:8000$uri_prefix`
        hostport, uri = (rest, None) if slash == -1 else (rest[:slash], rest[slash:])
    targets: list[ProxyTarget] = []
    upstream: Upstream | None = None
    if unix is not None:
        targets.append(ProxyTarget(None, None, unix, _has_vars(unix), d.location))
    else:
        host, port, port_text = _split_hostport(hostport)
        host_vars = _has_vars(hostport)
        if host and not host_vars and port_text is None and host in visible:
            upstream = visible[host]
            for s in upstream.servers:
                targets.append(ProxyTarget(s.host, s.port, s.unix, False, s.location))
        else:
            if port is None and not host_vars and port_text is None:
                port = DEFAULT_PORTS.get(scheme or "") if kind in ("proxy", "grpc") else None
            targets.append(ProxyTarget(host, port, None, host_vars, d.location))
    return ProxyRoute(cfg, d, kind, scheme, raw, uri, upstream, targets, None, None)


def collect_upstreams(cfg: NginxConfig) -> None:
    """Fill cfg.upstreams from the spliced tree (HTTP context only; first one wins)."""

    def visit(block: list[Directive]) -> None:
        for d in block:
            if d.block is None or d.name in NON_HTTP_CONTEXTS:
                continue
            if d.name == "upstream":
                if d.args and d.args[0] not in cfg.upstreams:
                    cfg.upstreams[d.args[0]] = parse_upstream(d)
                continue
            visit(d.block)

    visit(cfg.root.block or [])


def _malformed_location(d: Directive) -> bool:
    """`location { ... }` or `location a b c {`: nginx rejects the config (reported as a
    parse error), and the block is no route of ours either."""
    return d.name == "location" and not 1 <= len(d.args) <= 2


def build_routes(cfg: NginxConfig, upstreams: Mapping[str, Upstream] | None = None) -> None:
    """Fill cfg.routes (and cfg.upstreams if not done yet) from the spliced tree, HTTP
    context only. `upstreams`: the upstream blocks visible to the config (its own plus
    those of sibling conf.d snippets, which share one http{} at runtime)."""
    if not cfg.upstreams:
        collect_upstreams(cfg)
    passes: list[Directive] = []

    def visit(block: list[Directive]) -> None:
        for d in block:
            if d.block is not None and d.name in NON_HTTP_CONTEXTS | {"upstream"}:
                continue
            if d.name in PASS_KINDS and d.block is None and d.args:  # `proxy_pass;`: no route
                passes.append(d)
            if d.block and d.name in ROUTE_BLOCKS and not _malformed_location(d):
                visit(d.block)

    top = cfg.root.block or []
    if any(d.name == "http" and d.block is not None for d in top):
        # A main config: only what is inside http{} serves HTTP (nginx rejects a
        # location or server at the top level; it is not a route of ours either).
        top = [d for d in top if d.name == "http"]
    visit(top)
    for d in passes:
        route = parse_pass(cfg, d, upstreams)
        route.server = d.enclosing("server")
        route.location_block = d.enclosing("location")
        cfg.routes.append(route)


def _files_matching(base: str, norm: str) -> list[str]:
    """The paths under `base` a root-relative include pattern names, directories left
    out (nginx's glob matches files). Anything else is kept, even a FIFO or a symlink
    leading out of the tree: reading it reports why it was skipped, naming it."""
    if globpat.has_magic(norm):
        paths = globpat.glob_under(base, norm)
    else:
        full = os.path.join(base, norm)
        paths = [full] if os.path.exists(full) else []
    return [p for p in paths if not os.path.isdir(p)]


def link_snippet_siblings(configs: Sequence[NginxConfig]) -> None:
    """Build routes; conf.d snippets in one directory share nginx's http{} at runtime, so an
    upstream block in one of them serves `proxy_pass http://name` in the others."""
    by_dir: dict[str, list[NginxConfig]] = {}
    for cfg in configs:
        collect_upstreams(cfg)
        if cfg.is_snippet:
            by_dir.setdefault(posixpath.dirname(cfg.root_file), []).append(cfg)
    # Per directory, each upstream name's first definition among its snippets, built once
    # (not once per snippet): a snippet sees its own blocks, else that first one.
    shared: dict[str, dict[str, Upstream]] = {}
    for directory, snippets in by_dir.items():
        first = shared[directory] = {}
        for sibling in snippets:
            for name, up in sibling.upstreams.items():
                first.setdefault(name, up)
    for cfg in configs:
        visible: Mapping[str, Upstream] | None = None
        if cfg.is_snippet:
            visible = ChainMap(cfg.upstreams, shared[posixpath.dirname(cfg.root_file)])
        build_routes(cfg, visible)


def load_nginx_configs(
    sources: Sequence[SourceFile],
    reader: SourceReader,
    project_dirs: frozenset[str] = frozenset(),
    containers: ContainerPaths | None = None,
) -> tuple[list[NginxConfig], list[LoadError]]:
    """Parse every nginx file; files included by another one are spliced into it, the
    rest become roots of their own NginxConfig. Never raises for bad input.
    `project_dirs`: directories holding a compose file (include lookups stop there);
    `containers`: where bind mounts and COPY place tree files (includes follow them)."""
    loader = _Loader(sources, reader, project_dirs, containers)
    configs = loader.build()
    link_snippet_siblings(configs)
    return configs, loader.errors


__all__ = [
    "build_routes",
    "collect_upstreams",
    "link_snippet_siblings",
    "load_nginx_configs",
    "parse_pass",
    "parse_upstream",
]
