"""The nginx part of the stack model: a directive tree with includes spliced in, plus
helpers that apply nginx's real inheritance rules."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import field

from infradoctor.model.embedded import EmbeddedText
from infradoctor.model.source import Location
from infradoctor.records import record

# Directives that nginx treats as arrays: a level that defines any of them replaces
# (not extends) the whole inherited set.
ARRAY_DIRECTIVES = frozenset(
    {
        "proxy_set_header",
        "proxy_hide_header",
        "proxy_pass_header",
        "add_header",
        "fastcgi_param",
        "uwsgi_param",
        "grpc_set_header",
        "proxy_next_upstream",
        "fastcgi_next_upstream",
        "grpc_next_upstream",
        # Same "defined here replaces inherited" merge in nginx's sources:
        "uwsgi_next_upstream",
        "scgi_param",
        "add_trailer",
        "fastcgi_hide_header",
        "fastcgi_pass_header",
        "uwsgi_hide_header",
        "uwsgi_pass_header",
        "grpc_hide_header",
        "grpc_pass_header",
        "proxy_cookie_path",
        "proxy_cookie_domain",
        "proxy_cache_valid",
        "fastcgi_cache_valid",
        "uwsgi_cache_valid",
        "access_log",
        "error_page",
        "index",
        "limit_req",
        "limit_conn",
        "set_real_ip_from",
        "sub_filter",
        "ssl_certificate",
        "ssl_certificate_key",
        "ssl_conf_command",
        "proxy_ssl_conf_command",
    }
)


@record(eq=False, hot=True)
class Directive:
    """One nginx directive. `block` is None for simple directives and a list for block
    directives (`server { ... }`). `location.offset`/`end_offset` cover the whole directive
    including its `;` or closing `}`; `block_open`/`block_close` are the offsets of `{`/`}`
    in the file named by `location.file` (for inserting directives into a block)."""

    name: str
    args: list[str]
    location: Location
    block: list[Directive] | None = None
    parent: Directive | None = field(default=None, repr=False)
    block_open: int | None = None
    block_close: int | None = None
    comment: str | None = None  # trailing comment on the same line, if any
    # Lazily built name -> children index for big blocks (an http{} with thousands of
    # servers is asked for its proxy_* settings once per route); rebuilt if the block grows.
    _index: tuple[int, dict[str, list[Directive]]] | None = field(
        default=None, repr=False, compare=False
    )

    @property
    def file(self) -> str:
        return self.location.file

    def children(self, name: str | None = None) -> list[Directive]:
        block = self.block
        if not block:
            return []
        if name is None:
            return list(block)
        if len(block) < 32:
            return [d for d in block if d.name == name]
        index = self._index
        if index is None or index[0] != len(block):
            by_name: dict[str, list[Directive]] = {}
            for d in block:
                by_name.setdefault(d.name, []).append(d)
            index = self._index = (len(block), by_name)
        return list(index[1].get(name, ()))

    def child(self, name: str) -> Directive | None:
        found = self.children(name)
        return found[-1] if found else None

    def walk(self) -> Iterator[Directive]:
        """Every directive below this one, depth first in file order. One loop with a
        stack of iterators: nested `yield from` generators cost a frame per level for
        every directive (125,000 resumptions per corpus lint)."""
        if not self.block:
            return
        stack = [iter(self.block)]
        while stack:
            for d in stack[-1]:
                yield d
                if d.block:
                    stack.append(iter(d.block))
                    break
            else:
                stack.pop()

    def ancestors(self) -> Iterator[Directive]:
        p = self.parent
        while p is not None:
            yield p
            p = p.parent

    def enclosing(self, name: str) -> Directive | None:
        for a in self.ancestors():
            if a.name == name:
                return a
        return None


@record
class UpstreamServer:
    """A `server` line inside an `upstream` block."""

    address: str
    host: str | None
    port: int | None
    unix: str | None
    params: dict[str, str]
    location: Location


@record
class Upstream:
    name: str
    servers: list[UpstreamServer]
    directive: Directive

    @property
    def location(self) -> Location:
        return self.directive.location

    @property
    def keepalive(self) -> Directive | None:
        return self.directive.child("keepalive")


@record
class ProxyTarget:
    """One host:port (or unix socket) a pass directive can send traffic to."""

    host: str | None
    port: int | None
    unix: str | None = None
    has_variables: bool = False
    location: Location | None = None  # of the upstream `server` line or the pass directive


@record
class ProxyRoute:
    """A proxy_pass / fastcgi_pass / uwsgi_pass / grpc_pass inside a server (and location)."""

    config: NginxConfig
    directive: Directive  # the *_pass directive
    kind: str  # proxy | fastcgi | uwsgi | grpc
    scheme: str | None  # http, https, grpc, grpcs, ... (None for fastcgi/uwsgi)
    raw: str  # the argument as written
    uri: str | None  # URI part after host:port, if any
    upstream: Upstream | None  # when the target names an upstream block
    targets: list[ProxyTarget]
    server: Directive | None
    location_block: Directive | None

    @property
    def path(self) -> str | None:
        if self.location_block is None:
            return None
        return " ".join(self.location_block.args)

    @property
    def server_names(self) -> list[str]:
        if self.server is None:
            return []
        return [a for d in self.server.children("server_name") for a in d.args]

    @property
    def listens(self) -> list[str]:
        if self.server is None:
            return []
        return [" ".join(d.args) for d in self.server.children("listen")]

    @property
    def context(self) -> Directive:
        """The innermost block holding the pass directive (for inheritance lookups)."""
        assert self.directive.parent is not None
        return self.directive.parent


@record
class NginxConfig:
    """One nginx configuration tree, rooted at `root_file` (nginx.conf, a conf.d snippet
    loaded standalone, or `nginx -T` output). Includes are spliced in: a directive's
    `location.file` is the file it really sits in. `root` is a synthetic block directive
    named "" holding the top-level (main context) directives."""

    root_file: str
    root: Directive
    files: list[str]
    is_snippet: bool = False  # a conf.d/sites file with no http{} (assumed inside http)
    template: bool = False  # *.template or contains ${VAR}
    upstreams: dict[str, Upstream] = field(default_factory=dict)
    routes: list[ProxyRoute] = field(default_factory=list)
    # `include` directives of this spliced tree whose content the loader knows: they pulled
    # files in, or are a glob that adds nothing (matched no member of a complete `nginx -T`
    # dump; an http-level site wildcard like conf.d/*.conf matching nothing in the tree).
    # None when not recorded (a config built by hand): rules guess from base names.
    known_includes: set[Directive] | None = None
    # set when the config is text inside another file (a ConfigMap value, a heredoc):
    # Locations name that file; fixes are display-only
    embedded: EmbeddedText | None = None

    def walk(self) -> Iterator[Directive]:
        return self.root.walk()

    def find(self, name: str) -> list[Directive]:
        """Every directive named `name`, in `walk` order (collected in one loop: rules
        ask each config for several names, a generator resumption per directive each)."""
        out: list[Directive] = []
        if not self.root.block:
            return out
        stack = [iter(self.root.block)]
        while stack:
            for d in stack[-1]:
                if d.name == name:
                    out.append(d)
                if d.block:
                    stack.append(iter(d.block))
                    break
            else:
                stack.pop()
        return out

    @property
    def http(self) -> Directive | None:
        for d in self.root.children("http"):
            return d
        return None

    @property
    def servers(self) -> list[Directive]:
        return [
            d
            for d in self.find("server")
            if d.block is not None and (d.parent is None or d.parent.name in ("http", ""))
        ]

    def effective(self, block: Directive, name: str) -> list[Directive]:
        """The directives named `name` in effect in `block`, with nginx's inheritance:
        the nearest enclosing level that defines the directive wins as a whole (for array
        directives like proxy_set_header that is *all* of that level's entries; for simple
        directives the last one at that level)."""
        node: Directive | None = block
        while node is not None:
            found = node.children(name)
            if found:
                return found if name in ARRAY_DIRECTIVES else [found[-1]]
            node = node.parent
        return []

    def effective_value(self, block: Directive, name: str) -> Directive | None:
        found = self.effective(block, name)
        return found[-1] if found else None
