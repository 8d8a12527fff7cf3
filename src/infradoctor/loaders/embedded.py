"""nginx text embedded in other files (model/embedded.py) parsed as nginx.

Where the text is verbatim in the outer file (a literal block scalar, a heredoc), it is
parsed from a copy of the outer file with everything else blanked out, so every line,
column and offset is the outer file's. Otherwise (a quoted or folded value) every
directive points at the value's start. Configs built here are never attached to compose
projects; `NginxConfig.embedded` marks them (fixes are display-only)."""

from __future__ import annotations

import posixpath
import re
from collections import ChainMap
from collections.abc import Iterable, Mapping
from pathlib import Path

from infradoctor.lazyre import lazy
from infradoctor.model.embedded import EmbeddedText
from infradoctor.model.k8s import K8sObject
from infradoctor.model.nginx import Directive, NginxConfig, Upstream
from infradoctor.model.source import FileKind, LoadError, Location, SourceFile
from infradoctor.syntax.nginx import parse_nginx

# A value is nginx when a line opens one of nginx's blocks (the discovery sniff).
NGINX_BLOCK_RE = re.compile(
    r"^\s*(server|http|upstream\s+[^\s{]+|location\s+[^\n{]*|events|map\s+\S+\s+\S+)\s*\{",
    re.MULTILINE,
)
MAX_EMBEDDED_CHARS = 1024 * 1024
# The rest of a literal block scalar's header line: anchors/tags, `|`, indicators, comment.
BLOCK_HEADER_RE = lazy(r"(?:[&!]\S*\s+)*\|[-+0-9]*\s*(?:#.*)?$")
# The end of an HCL line opening a heredoc (`<<EOT`, `<<-EOT`): its text starts below.
HEREDOC_HEADER_RE = lazy(r"<<-?[A-Za-z_][\w-]*\s*$")


def looks_like_nginx(key: str, text: str) -> bool:
    """A ConfigMap value holding nginx: an nginx block opener and a `;`-terminated
    directive. The key alone is not enough (fluent-bit.conf, redis.conf are not nginx)."""
    if len(text) > MAX_EMBEDDED_CHARS or ";" not in text:
        return False
    return NGINX_BLOCK_RE.search(text) is not None


def _literal_block(src: SourceFile, loc: Location, value: str) -> tuple[int, int] | None:
    """(first content line, indentation) when `value` is a literal block scalar written
    verbatim at `loc` (the `|` indicator, after any anchor or tag); None for any other
    style or layout."""
    if loc.offset is None:
        return None
    if BLOCK_HEADER_RE.match(src.line_text(loc.line)[loc.column - 1 :]):
        first = loc.line + 1
    elif loc.column == 1 and (
        loc.line == 1 or HEREDOC_HEADER_RE.search(src.line_text(loc.line - 1))
    ):
        first = loc.line  # a heredoc's first content line, or a whole file()
    else:
        return None
    lines = value.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    indent: int | None = None
    for i, content in enumerate(lines):
        outer = src.line_text(first + i)
        if not content:
            if outer.strip():
                return None
            continue
        if indent is None:
            indent = len(outer) - len(content)
        if indent < 0 or outer != " " * indent + content:
            return None
    return (first, indent) if indent is not None else None


def configmap_texts(
    objects: Iterable[K8sObject], files: Mapping[str, SourceFile]
) -> list[EmbeddedText]:
    """Every ConfigMap value that holds nginx, located in its manifest."""
    out: list[EmbeddedText] = []
    for obj in objects:
        if not obj.config_data:
            continue
        for key, (value, loc) in obj.config_data.items():
            # loc.file: a file() / templatefile() value is located in that file
            src = files.get(loc.file)
            if src is None or not looks_like_nginx(key, value):
                continue
            origin = f"{obj.ref} key {key}"
            block = _literal_block(src, loc, value)
            if block is not None:
                out.append(
                    EmbeddedText(
                        loc.file, value, block[0], block[1] + 1, origin, True, key, obj.namespace
                    )
                )
            else:
                out.append(
                    EmbeddedText(
                        loc.file, value, loc.line, loc.column, origin, False, key, obj.namespace
                    )
                )
    return out


def _masked(src: SourceFile, item: EmbeddedText) -> SourceFile:
    """The outer file with every line outside the embedded text blanked (same length, so
    offsets stay the outer file's)."""
    last = item.last_line
    parts: list[str] = []
    for number in range(1, len(src.line_starts) + 1):
        line = src.line_text(number)
        parts.append(line if item.line <= number <= last else " " * len(line))
    return SourceFile(src.path, src.abspath, FileKind.NGINX, "\n".join(parts))


def _relocate(directives: list[Directive], where: Location) -> None:
    for d in directives:
        d.location = where
        d.block_open = d.block_close = None
        if d.block:
            _relocate(d.block, where)


def parse_embedded(
    item: EmbeddedText, src: SourceFile | None
) -> tuple[NginxConfig, list[LoadError]]:
    """One embedded text as an NginxConfig rooted at `path::origin`."""
    where = Location(item.path, item.line, item.column)
    if item.exact and src is not None:
        parsed = parse_nginx(_masked(src, item))
        errors = list(parsed.errors)
    else:
        parsed = parse_nginx(SourceFile(item.path, Path(item.path), FileKind.NGINX, item.text))
        _relocate(parsed.directives, where)
        errors = [
            LoadError(e.file, e.message, e.kind, item.line, item.column) for e in parsed.errors
        ]
    errors = [
        LoadError(e.file, f"nginx in {item.origin}: {e.message}", e.kind, e.line, e.column)
        for e in errors
    ]
    root = Directive("", [], where, block=parsed.directives)
    for d in parsed.directives:
        d.parent = root
    top = {d.name for d in parsed.directives}
    cfg = NginxConfig(
        f"{item.path}::{item.origin.replace(' key ', '/')}",
        root,
        [item.path],
        is_snippet="http" not in top and bool(top & {"server", "upstream", "location", "map"}),
        template=parsed.template,
        known_includes=set(),
        embedded=item,
    )
    return cfg, errors


def load_embedded_nginx(
    items: Iterable[EmbeddedText], files: Mapping[str, SourceFile]
) -> tuple[list[NginxConfig], list[LoadError]]:
    """Parse each embedded text and build its routes; the keys of one ConfigMap are
    mounted side by side, so their upstream blocks are shared like conf.d snippets'."""
    from infradoctor.loaders.nginx import build_routes, collect_upstreams

    configs: list[NginxConfig] = []
    errors: list[LoadError] = []
    for item in items:
        cfg, errs = parse_embedded(item, files.get(item.path))
        configs.append(cfg)
        errors.extend(errs)
    shared: dict[str, dict[str, Upstream]] = {}
    for cfg in configs:
        collect_upstreams(cfg)
        group = shared.setdefault(posixpath.dirname(cfg.root_file), {})
        for name, up in cfg.upstreams.items():
            group.setdefault(name, up)
    for cfg in configs:
        build_routes(cfg, ChainMap(cfg.upstreams, shared[posixpath.dirname(cfg.root_file)]))
    return configs, errors


__all__ = ["configmap_texts", "load_embedded_nginx", "looks_like_nginx", "parse_embedded"]
