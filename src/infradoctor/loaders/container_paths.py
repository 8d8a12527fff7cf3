"""Where tree files land inside containers: compose bind mounts and Dockerfile COPY/ADD
from the build context, as (container path -> tree path) per container. The nginx loader
resolves an `include` through the container that holds the including file, as nginx in
that container would: `COPY sites/ /etc/nginx/conf.d/` makes `include
/etc/nginx/conf.d/*.conf;` mean `sites/*.conf`, whatever the tree's layout."""

from __future__ import annotations

import os
import posixpath
import stat
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import field

from infradoctor import parsecache
from infradoctor.model.stack import Dockerfile, Instruction, Project, Service
from infradoctor.records import record
from infradoctor.syntax import globpat
from infradoctor.syntax.jsondoc import loads_bounded
from infradoctor.syntax.shell import split_words

# The official image's prefix: a relative include in a file placed under it is relative
# to it (nginx resolves relative paths against the directory of nginx.conf).
NGINX_PREFIX = "/etc/nginx"
# Destinations images already hold as directories: `COPY x.conf /etc/nginx/conf.d` lands
# in the directory, not on a file called conf.d.
KNOWN_DIRS = frozenset(
    {"conf.d", "http.d", "sites-enabled", "sites-available", "snippets", "nginx", "templates"}
)
MAX_PLACEMENTS = 10_000  # per run: a Dockerfile of a million COPY sources must stay linear
MAX_GLOB_MATCHES = 200  # files one COPY glob source may place


@record(frozen=True, hot=True)
class Placement:
    """A tree file or directory seen at `container` inside one container."""

    container: str  # absolute, normalised
    host: str  # root-relative posix path ("" for the scanned root itself)
    is_dir: bool

    def holds(self, key: str) -> bool:
        if key == self.host:
            return True
        return self.is_dir and (not self.host or key.startswith(self.host + "/"))

    def below(self, key: str) -> str:
        """`key`'s path inside this placed directory."""
        return key[len(self.host) + 1 :] if self.host else key


@record
class ContainerPaths:
    """Every container's placements, and which containers hold each tree path."""

    containers: list[list[Placement]] = field(default_factory=list)
    _by_host: dict[str, list[tuple[int, Placement]]] | None = None

    def holding(self, key: str) -> Iterable[tuple[list[Placement], Placement]]:
        """(container, placement) for each container where tree file `key` is placed,
        looked up by `key` and its parent directories (not by scanning every container)."""
        if self._by_host is None:
            self._by_host = {}
            for i, placements in enumerate(self.containers):
                for p in placements:
                    self._by_host.setdefault(p.host, []).append((i, p))
        seen: set[int] = set()
        path = key
        while True:
            for i, p in self._by_host.get(path, ()):
                if i not in seen and p.holds(key):
                    seen.add(i)
                    yield self.containers[i], p
            if not path:
                return
            path = posixpath.dirname(path)

    def resolve(self, key: str, pattern: str) -> list[str]:
        """Root-relative paths (globs kept) an include `pattern` in tree file `key` names
        in the containers that hold `key`; [] when no container places `key` or the
        pattern reaches nothing placed from the tree."""
        out: list[str] = []
        for placements, placed in self.holding(key):
            target = _container_pattern(key, pattern, placed)
            if target is not None:
                out += _reach(placements, target)
        return list(dict.fromkeys(out))


def _container_pattern(key: str, pattern: str, placed: Placement) -> str | None:
    """The include as an absolute container path; a relative one only when the including
    file sits under /etc/nginx in the container (the prefix nginx resolves it against)."""
    if pattern.startswith("/"):
        return posixpath.normpath(pattern)
    where = placed.container
    if placed.is_dir:
        where = posixpath.join(where, placed.below(key))
    if where != NGINX_PREFIX and not where.startswith(NGINX_PREFIX + "/"):
        return None
    return posixpath.normpath(posixpath.join(NGINX_PREFIX, pattern))


def _reach(placements: Sequence[Placement], target: str) -> list[str]:
    """Tree paths one container's placements give the container path `target`."""
    out: list[str] = []
    want = target.split("/")
    for p in placements:
        if p.is_dir and (target == p.container or target.startswith(p.container + "/")):
            rest = target[len(p.container) :].lstrip("/")
            out.append(posixpath.join(p.host, rest) if rest else p.host)
        elif not p.is_dir and _matches(p.container.split("/"), want):
            out.append(p.host)
    return out


def _matches(parts: list[str], want: list[str]) -> bool:
    """Component by component, as nginx's glob (a `*` never crosses a `/`)."""
    return len(parts) == len(want) and all(
        globpat.fnmatchcase(a, b) for a, b in zip(parts, want, strict=True)
    )


# ---------------------------------------------------------------- building


def container_paths(
    root: str,
    projects: Sequence[Project],
    dockerfiles: Mapping[str, Dockerfile],
) -> ContainerPaths:
    """One container per compose service (its bind mounts, and the COPY/ADD of the
    Dockerfile it builds, from its build context), plus one per Dockerfile no service
    builds (its directory taken as the build context)."""
    by_path = {posixpath.normpath(k): v for k, v in dockerfiles.items()}
    built: set[str] = set()
    budget = [MAX_PLACEMENTS]
    out = ContainerPaths()
    for project in projects:
        base = os.path.join(root, project.directory)  # relative bind sources start here
        for svc in project.services.values():
            placements = _mounts(root, base, svc, budget) if svc.volumes else []
            dockerfile = _built_from(svc, by_path)
            if dockerfile is not None and svc.build_context is not None:
                built.add(posixpath.normpath(dockerfile.path))
                placements += _copies(root, svc.build_context, dockerfile, budget)
            if placements:
                out.containers.append(placements)
    for path, dockerfile in by_path.items():
        if path not in built:
            placements = _copies(root, posixpath.dirname(path), dockerfile, budget)
            if placements:
                out.containers.append(placements)
    return out


def _built_from(svc: Service, by_path: Mapping[str, Dockerfile]) -> Dockerfile | None:
    candidates = [svc.build_dockerfile]
    if svc.build_context is not None:
        candidates.append(posixpath.join(svc.build_context, "Dockerfile"))
    for c in candidates:
        if c is not None and posixpath.normpath(c) in by_path:
            return by_path[posixpath.normpath(c)]
    return None


def _inside(root: str, absolute: str) -> str | None:
    """`absolute` as a root-relative posix path ("" for the root), None when it is
    outside the root."""
    if absolute == root:
        return ""
    prefix = root.rstrip(os.sep) + os.sep
    if not absolute.startswith(prefix):
        return None
    return absolute[len(prefix) :].replace(os.sep, "/")


def _mounts(root: str, base: str, svc: Service, budget: list[int]) -> list[Placement]:
    out: list[Placement] = []
    for m in svc.volumes:
        if m.type != "bind" or not m.target.startswith("/") or budget[0] <= 0:
            continue
        if m.host_path is not None:
            host = os.path.normpath(m.host_path)
        elif m.source and not m.source.startswith(("~", "$")):
            host = os.path.normpath(os.path.join(base, m.source))
        else:
            continue
        rel = _inside(root, host)
        if rel is not None and (is_dir := _is_dir(host)) is not None:
            budget[0] -= 1
            out.append(Placement(posixpath.normpath(m.target), rel, is_dir))
    return out


def _copies(root: str, context: str, dockerfile: Dockerfile, budget: list[int]) -> list[Placement]:
    """COPY/ADD from the build context (not `--from` a stage or image, not URLs), with
    relative destinations resolved against the stage's WORKDIR."""
    ctx = os.path.normpath(os.path.join(root, context))
    out: list[Placement] = []
    for stage in dockerfile.stages:
        workdir = "/"
        for ins in stage.instructions:
            if ins.keyword == "WORKDIR" and ins.value.strip():
                workdir = posixpath.join(workdir, ins.value.strip().strip("'\""))
            elif ins.keyword in ("COPY", "ADD") and "from" not in ins.flags:
                out += _copy(root, ctx, workdir, ins, budget)
    return out


def _copy(
    root: str, ctx: str, workdir: str, ins: Instruction, budget: list[int]
) -> list[Placement]:
    words = _copy_words(ins)
    if len(words) < 2 or "$" in words[-1]:
        return []
    sources, dest = list(dict.fromkeys(words[:-1])), words[-1]
    into_dir = dest.endswith("/") or len(sources) > 1 or posixpath.basename(dest) in KNOWN_DIRS
    dest = posixpath.normpath(posixpath.join(workdir, dest))
    out: list[Placement] = []
    for src in sources:
        if "://" in src or "$" in src:
            continue
        for host, is_dir in _expand(ctx, src):
            rel = _inside(root, host)
            if rel is None or budget[0] <= 0:
                continue
            budget[0] -= 1
            if is_dir:
                out.append(Placement(dest, rel, True))  # a directory's contents
            elif into_dir or globpat.has_magic(src):
                out.append(Placement(posixpath.join(dest, posixpath.basename(rel)), rel, False))
            else:
                out.append(Placement(dest, rel, False))
    return out


def _copy_words(ins: Instruction) -> list[str]:
    """Sources and destination of a COPY/ADD, shell or JSON form (flags already split)."""
    if ins.exec_form is not None:
        return list(ins.exec_form)
    text = ins.value.strip()
    if text.startswith("["):
        try:
            words = loads_bounded(text)  # `[[[[...` never reaches the decoder
        except ValueError:
            return []
        ok = isinstance(words, list) and all(isinstance(w, str) for w in words)
        return list(words) if ok else []
    return [w for w in split_words(text) if not w.startswith("--")]


def _expand(ctx: str, src: str) -> list[tuple[str, bool]]:
    """Absolute paths a COPY source names in the build context (globs expanded), each
    with whether it is a directory (asked once per `fix --diff`: parsecache.on_disk)."""
    return list(parsecache.on_disk("copy", (ctx, src), lambda: _expand_now(ctx, src)))


def _expand_now(ctx: str, src: str) -> list[tuple[str, bool]]:
    rel = posixpath.normpath(src.lstrip("/"))
    if rel.startswith("../") or rel == "..":
        return []
    if globpat.has_magic(rel):
        found = sorted(globpat.glob_under(ctx, rel))[:MAX_GLOB_MATCHES]
        return [(p, os.path.isdir(p)) for p in found]
    full = os.path.join(ctx, rel)
    is_dir = _is_dir(full)
    return [] if is_dir is None else [(full, is_dir)]


def _is_dir(path: str) -> bool | None:
    """Whether `path` is a directory (symlinks followed); None when nothing is there:
    one stat for `exists` and `isdir` (once per `fix --diff`: parsecache.on_disk)."""
    return parsecache.on_disk("is_dir", path, lambda: _is_dir_now(path))


def _is_dir_now(path: str) -> bool | None:
    try:
        mode = os.stat(path).st_mode
    except (OSError, ValueError):
        return None
    return stat.S_ISDIR(mode)
