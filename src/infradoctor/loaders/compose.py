"""Compose loader: group compose files into projects, merge them as `docker compose` would
(overrides, `-f` lists, `include`, `extends`, anchors, `!reset`/`!override`), interpolate
`${VAR}` from the environment and `.env`, and normalise every service into
`model.stack.Service` with the location of each fact.

Choices a linter has to make differently from `docker compose up`:

* Profiles: with no profile selected, ALL services are loaded (compose would start only
  the services without `profiles:`), because a linter must check every service. With
  profiles selected, services without profiles plus the matching ones are loaded; `*`
  selects all.
* Grouping: per directory, the base file (compose.yaml > compose.yml > docker-compose.yaml >
  docker-compose.yml) plus its standard override is one project named after the directory
  (the root's own name for the root). Every other compose file of that directory (e.g.
  docker-compose.prod.yml) is its own project `<dir>:prod`, merged on top of the base when
  the project runs it that way (`-f base -f variant` in a Makefile/README/script/CI, or a
  file of fragments) and standalone otherwise (loaders/variants.py). Explicit `-f`
  files form one project in their order and are taken out of discovery; files pulled in by
  another file's `include:` are not projects of their own.
* Relative paths (build context, bind mounts, env_file) resolve against the directory of
  the file that set them, which is what compose does for `extends` and `include` and the
  same as compose for files in the project directory.
* A missing `env_file` is skipped silently: `.env` files are usually not committed.
* `${VAR:?message}` with VAR unset is a LoadError kind "interpolation" only when the caller
  passed `env` explicitly (it vouches for the environment being the deployment's). With
  `env=None` the linter runs in whatever shell it was started from, where deployment
  secrets are rightly absent (`${DB_PASSWORD:?}` is what we advise instead of literals),
  so the variable becomes "" as an unset `${VAR}` does. Malformed `${...}` is always an
  error.
"""

from __future__ import annotations

import os
import posixpath
import re
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import field
from pathlib import Path, PurePath, PurePosixPath
from typing import Any

from infradoctor.loaders.files import SourceReader
from infradoctor.loaders.interpolate import (
    EnvFile,
    interpolate_tree,
    parse_env_file,
    project_environment,
)
from infradoctor.model.source import FileKind, LoadError, Location, SourceFile
from infradoctor.model.stack import (
    DependsOn,
    EnvVar,
    Healthcheck,
    Logging,
    MemoryLimit,
    Mount,
    Port,
    Project,
    Service,
)
from infradoctor.parsecache import compose_yaml
from infradoctor.records import record
from infradoctor.syntax.numbers import digits_value, docker_size, parse_int
from infradoctor.syntax.yaml import PEntry, PNode

BASE_NAMES = ("compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml")
# compose applies the first override file found, whichever base file it found.
OVERRIDE_NAMES = (
    "compose.override.yaml",
    "compose.override.yml",
    "docker-compose.override.yaml",
    "docker-compose.override.yml",
)
COMPOSE_TOP_KEYS = frozenset(
    {"services", "version", "include", "networks", "volumes", "secrets", "configs", "name"}
)
MAX_RANGE_EXPANSION = 1024
MAX_PORT = 65535
MAX_INCLUDE_DEPTH = 16

# The shapes the loader can use for the service keys it reads: (node kinds, what to call
# them) for a value, a nested dict for a mapping whose keys are checked too. A value of
# another shape is ignored by the loader, and `check_shapes` reports it. (Keys the
# loader reads leniently, like `ports: 80` or a single `env_file` mapping, are absent.)
_TEXT = ({"scalar"}, "a string")
_BOOL = ({"scalar"}, "true or false")
_SIZE = ({"scalar"}, "a size")
_INT = ({"scalar"}, "an integer")
_TEXT_OR_LIST = ({"scalar", "sequence"}, "a string or a list")
_LIST = ({"scalar", "sequence"}, "a list")
_MAP_OR_LIST = ({"mapping", "sequence"}, "a mapping or a list")
SERVICE_SHAPES: dict[str, Any] = {
    "image": _TEXT,
    "container_name": _TEXT,
    "hostname": _TEXT,
    "restart": _TEXT,
    "user": _TEXT,
    "network_mode": _TEXT,
    "mem_limit": _SIZE,
    "privileged": _BOOL,
    "read_only": _BOOL,
    "scale": _INT,
    "command": _TEXT_OR_LIST,
    "entrypoint": _TEXT_OR_LIST,
    "environment": _MAP_OR_LIST,
    "labels": _MAP_OR_LIST,
    "depends_on": _MAP_OR_LIST,
    "networks": _MAP_OR_LIST,
    "cap_add": _LIST,
    "cap_drop": _LIST,
    "security_opt": _LIST,
    "profiles": _LIST,
    "build": ({"scalar", "mapping"}, "a path or a mapping"),
    "healthcheck": {
        "test": _TEXT_OR_LIST,
        "interval": _TEXT,
        "timeout": _TEXT,
        "start_period": _TEXT,
        "start_interval": _TEXT,
        "retries": _INT,
    },
    "logging": {"driver": _TEXT, "options": {}},
    "deploy": {
        "replicas": _INT,
        "mode": _TEXT,
        "restart_policy": {"condition": _TEXT},
        "resources": {"limits": {"memory": _SIZE, "cpus": _TEXT}, "reservations": {}},
    },
}

# Service keys whose list form `K=V` / mapping form merge by key.
_KEYED_LISTS = frozenset({"environment", "labels", "extra_hosts", "sysctls", "annotations"})
_REPLACED = frozenset({"command", "entrypoint"})
_APPENDED_SCALAR_OR_LIST = frozenset({"dns", "dns_search", "tmpfs", "env_file", "dns_opt"})


# ===================================================================== small readers


def _live(node: PNode | None) -> PNode | None:
    """`node` unless it is absent, null, or `!reset`."""
    if node is None or node.tag == "!reset":
        return None
    if node.kind == "scalar" and node.scalar is None:
        return None
    return node


def _text(node: PNode | None) -> str | None:
    """A live scalar as text (bools as true/false, numbers as written); None otherwise."""
    if node is None or node.kind != "scalar" or node.tag == "!reset":
        return None
    scalar = node.scalar
    if scalar.__class__ is str:  # the usual case, first
        return scalar  # type: ignore[no-any-return]
    if scalar is None:
        return None
    if isinstance(scalar, bool):
        return "true" if scalar else "false"
    if isinstance(scalar, str):
        return scalar
    return node.raw if node.raw is not None else str(scalar)


def _int(node: PNode | None) -> int | None:
    """An integer scalar (or integer text), clamped to +-numbers.HUGE; None otherwise."""
    node = _live(node)
    if node is None or node.kind != "scalar":
        return None
    return parse_int(node.scalar)


def _memory_limit(node: PNode | None, key: str) -> MemoryLimit | None:
    """A positive size (`512m`, `1.5g`, 268435456) as the service's memory limit."""
    node = _live(node)
    if node is None or node.kind != "scalar":
        return None
    size = docker_size(node.scalar)
    text = _text(node)
    return MemoryLimit(size, text, key) if size and size > 0 and text else None


def _bool(node: PNode | None) -> bool:
    node = _live(node)
    if node is None or node.kind != "scalar":
        return False
    if isinstance(node.scalar, bool):
        return node.scalar
    return str(node.scalar).strip().lower() in ("true", "yes", "on", "1")


def _str_list(node: PNode | None) -> list[str]:
    node = _live(node)
    if node is None:
        return []
    if node.kind == "sequence":
        return [t for t in (_text(i) for i in node.items) if t is not None]
    text = _text(node)
    return [text] if text is not None else []


def _command(node: PNode | None) -> list[str] | str | None:
    node = _live(node)
    if node is None:
        return None
    if node.kind == "sequence":
        return [_text(i) or "" for i in node.items]
    return _text(node)


def _to_int(text: str) -> int | None:
    return digits_value(text.strip())


# ===================================================================== merging


def _keyed_mapping(node: PNode, key: str) -> PNode:
    """List form of environment/labels/extra_hosts/... as a mapping node (by key)."""
    if node.kind != "sequence":
        return node
    entries: dict[Hashable, PEntry] = {}
    for item in node.items:
        text = _text(item)
        if text is None:
            continue
        sep = "="
        if key == "extra_hosts" and "=" not in text:
            sep = ":"
        name, has_value, value = text.partition(sep)
        name = name.strip()
        if not name:
            continue
        vnode = PNode.new_scalar(
            value if has_value else None, item.location, raw=value if has_value else ""
        )
        entries[name] = PEntry(name, item.location, vnode)
    return PNode.new_mapping(entries, node.location, tag=node.tag)


def _key_values(node: PNode) -> Iterator[tuple[str, str | None, Location]]:
    """The `NAME=value` / `NAME` items of a list-form environment or labels as (name,
    value or None, location): what `_keyed_mapping` makes of them, without the nodes."""
    for item in node.items:
        text = _text(item)
        if text is None:
            continue
        name, has_value, value = text.partition("=")
        name = name.strip()
        if name:
            yield name, value if has_value else None, item.location


def _names_mapping(node: PNode) -> PNode:
    """List form of depends_on/networks as a mapping whose values are null (short form)."""
    if node.kind != "sequence":
        return node
    entries: dict[Hashable, PEntry] = {}
    for item in node.items:
        text = _text(item)
        if text is not None:
            entries[text] = PEntry(
                text, item.location, PNode.new_scalar(None, item.location, raw="")
            )
    return PNode.new_mapping(entries, node.location, tag=node.tag)


def _service_key(services: PNode | None, name: str) -> Hashable:
    """The key of service `name` in a `services` mapping: service names are text, but a
    YAML key like `1:` or `true:` is a number/bool until we read it as the name "1"."""
    if services is None or name in services:
        return name
    for key in services.keys():
        if str(key) == name:
            return key
    return name


def _as_list(node: PNode) -> PNode:
    if node.kind == "sequence":
        return node
    return PNode.new_sequence([node], node.location, tag=node.tag)


def _build_mapping(node: PNode) -> PNode:
    if node.kind == "scalar":
        entries: dict[Hashable, PEntry] = {"context": PEntry("context", node.location, node)}
        return PNode.new_mapping(entries, node.location)
    return node


def _volume_target(item: PNode) -> str | None:
    if item.kind == "mapping":
        return _text(item.get("target"))
    text = _text(item)
    if text is None:
        return None
    parts = _split_volume(text)
    return parts[1] if len(parts) >= 2 else parts[0]


def _append_unique(base: PNode, over: PNode, key_of: Any) -> PNode:
    items = list(base.items)
    seen = {key_of(i) for i in items}
    for item in over.items:
        k = key_of(item)
        if k not in seen:
            items.append(item)
            seen.add(k)
    return PNode.new_sequence(items, over.location, tag=over.tag)


def _plain_key(item: PNode) -> Hashable:
    value = item.value
    if isinstance(value, dict):
        return tuple(sorted((str(k), str(v)) for k, v in value.items()))
    return str(value)


def _merge_by_target(base: PNode, over: PNode) -> PNode:
    items = list(base.items)
    index = {t: i for i, t in enumerate(_volume_target(x) for x in items) if t is not None}
    for item in over.items:
        target = _volume_target(item)
        if target is not None and target in index:
            items[index[target]] = item
        else:
            if target is not None:
                index[target] = len(items)
            items.append(item)
    return PNode.new_sequence(items, over.location, tag=over.tag)


def _merge_entries(
    base: PNode, over: PNode, merge_value: Callable[[str, PNode, PNode], PNode]
) -> PNode:
    """Mapping `over` laid on mapping `base`: a `!reset` value drops the key, a new key is
    taken as is, a key in both gets `merge_value(key, old, new)` and `over`'s key location."""
    entries = dict(base.entries)
    for key, entry in over.entries.items():
        if entry.value.tag == "!reset":
            entries.pop(key, None)
            continue
        old = entries.get(key)
        if old is None:
            entries[key] = entry
        else:
            value = merge_value(str(key), old.value, entry.value)
            entries[key] = PEntry(key, entry.key_location, value, entry.merged)
    return PNode.new_mapping(entries, over.location, tag=over.tag)


def _merge_generic(base: PNode, over: PNode) -> PNode:
    """Compose's default merge: mappings recursively, sequences appended, scalars replaced."""
    if over.tag == "!override":
        return over
    if base.kind == "mapping" and over.kind == "mapping":
        return _merge_entries(base, over, lambda _key, old, new: _merge_generic(old, new))
    if base.kind == "sequence" and over.kind == "sequence":
        return PNode.new_sequence(base.items + over.items, over.location, tag=over.tag)
    return over


def _merge_key(key: str, base: PNode, over: PNode) -> PNode:
    """Merge one top-level service key as the compose specification says."""
    if over.tag == "!override" or key in _REPLACED:
        return over
    if _live(base) is None:
        return over
    if _live(over) is None:
        return over if over.tag == "!reset" else base
    if key in _KEYED_LISTS:
        return _merge_generic(_keyed_mapping(base, key), _keyed_mapping(over, key))
    if key in ("depends_on", "networks"):
        return _merge_generic(_names_mapping(base), _names_mapping(over))
    if key in ("ports", "expose") and base.kind == "sequence" and over.kind == "sequence":
        return _append_unique(base, over, _plain_key)
    if key == "volumes" and base.kind == "sequence" and over.kind == "sequence":
        return _merge_by_target(base, over)
    if key in ("secrets", "configs") and base.kind == "sequence" and over.kind == "sequence":
        return _append_unique(base, over, _plain_key)
    if key in _APPENDED_SCALAR_OR_LIST:
        return _append_unique(_as_list(base), _as_list(over), _plain_key)
    if key == "build":
        return _merge_generic(_build_mapping(base), _build_mapping(over))
    if key == "logging" and base.kind == "mapping" and over.kind == "mapping":
        old_driver, new_driver = _text(base.get("driver")), _text(over.get("driver"))
        if new_driver is not None and old_driver is not None and new_driver != old_driver:
            return over
    if key == "healthcheck" and base.kind == "mapping" and over.kind == "mapping":
        merged = _merge_generic(base, over)
        test = over.entry("test")
        if test is not None and test.value.tag != "!reset":
            merged.entries["test"] = test  # healthcheck.test replaces
        return merged
    return _merge_generic(base, over)


def merge_service(base: PNode, over: PNode) -> PNode:
    """`over` (a later file, or the extending service) merged on top of `base`.
    Each top-level key keeps the key location of the layer that last set it."""
    if base.kind != "mapping":
        return over
    if over.kind != "mapping":
        return base if over.tag != "!reset" else over
    return _merge_entries(base, over, _merge_key)


# ===================================================================== parsing helpers


def _split_volume(text: str) -> list[str]:
    """Split a short volume spec on ':' keeping Windows drive letters (C:\\x) whole."""
    parts = text.split(":")
    if all(len(part) != 1 for part in parts[:-1]):
        return parts  # no drive letter to keep (only a part before another can be one)
    out: list[str] = []
    i = 0
    while i < len(parts):
        part = parts[i]
        if (
            len(part) == 1
            and part.isalpha()
            and i + 1 < len(parts)
            and parts[i + 1][:1] in ("\\", "/")
        ):
            out.append(part + ":" + parts[i + 1])
            i += 2
            continue
        out.append(part)
        i += 1
    return out


def _is_path(source: str) -> bool:
    """compose's rule: a volume source is a host path if it starts with '.', '/' or '~'
    (or is a Windows absolute path); anything else names a volume."""
    if not source:
        return False
    if source[0] in "./~":
        return True
    if source[1:2] == ":":  # `C:\x` or `C:/x`: the regex only where it can match
        return bool(re.match(r"^[A-Za-z]:[\\/]", source))
    return source.startswith("\\\\")


def _parse_range(text: str) -> tuple[int, int] | None:
    """`8080` or `8000-8010` as (low, high); None unless both are port numbers (0-65535)
    in order. Only the two ends are kept: callers expand at most MAX_RANGE_EXPANSION."""
    text = text.strip()
    lo, sep, hi = text.partition("-")
    lo_i = _to_int(lo)
    if lo_i is None or lo_i > MAX_PORT:
        return None
    if not sep:
        return lo_i, lo_i
    hi_i = _to_int(hi)
    if hi_i is None or hi_i < lo_i or hi_i > MAX_PORT:
        return None
    return lo_i, hi_i


def parse_port_spec(text: str, location: Location) -> list[Port] | str:
    """A short-syntax `ports:` entry ("[ip:][host[-range]:]container[-range][/proto]") as
    Ports (container ranges expanded one Port per port), or an error message."""
    raw = text
    spec = text.strip()
    protocol = "tcp"
    if "/" in spec:
        spec, protocol = spec.rsplit("/", 1)
        protocol = protocol.strip().lower() or "tcp"
    host_ip: str | None = None
    if spec.startswith("["):
        close = spec.find("]")
        if close == -1:
            return f"invalid port {raw!r}: unclosed '['"
        host_ip = spec[1:close]
        rest = spec[close + 1 :].lstrip(":")
        parts = rest.split(":")
        if len(parts) == 1:
            parts = ["", parts[0]]
    else:
        parts = spec.split(":")
        if len(parts) > 3:
            host_ip = ":".join(parts[:-2])
            parts = parts[-2:]
        elif len(parts) == 3:
            host_ip = parts[0]
            parts = parts[1:]
    if len(parts) == 1:
        host_part, container_part = "", parts[0]
    else:
        host_part, container_part = parts[0], parts[1]
    container = _parse_range(container_part)
    if container is None:
        return f"invalid port {raw!r}: container port {container_part!r} is not a port number"
    host: tuple[int, int] | None = None
    if host_part.strip():
        host = _parse_range(host_part)
        if host is None:
            return f"invalid port {raw!r}: host port {host_part!r} is not a port number"
    host_ip = host_ip.strip() or None if host_ip is not None else None
    c_lo, c_hi = container
    count = c_hi - c_lo + 1
    ports: list[Port] = []
    if count == 1:
        if host is None:
            ports.append(Port(c_lo, None, None, host_ip, protocol, location, raw))
        elif host[0] == host[1]:
            ports.append(Port(c_lo, host[0], None, host_ip, protocol, location, raw))
        else:
            ports.append(Port(c_lo, host[0], host, host_ip, protocol, location, raw))
        return ports
    if host is not None and host[1] - host[0] + 1 != count:
        return f"invalid port {raw!r}: host and container ranges differ in size"
    for i in range(min(count, MAX_RANGE_EXPANSION)):
        published = host[0] + i if host is not None else None
        ports.append(Port(c_lo + i, published, None, host_ip, protocol, location, raw))
    return ports


def parse_volume_spec(text: str, location: Location, base_dir: str | Path) -> Mount:
    """A short-syntax volume ("src:dst[:mode]" or "dst") as a Mount; bind sources are
    resolved against `base_dir` into `host_path`."""
    parts = _split_volume(text.strip())
    source: str | None
    mode = ""
    if len(parts) == 1:
        source, target = None, parts[0]
    elif len(parts) == 2:
        source, target = parts
    else:
        source, target, mode = parts[0], parts[1], ":".join(parts[2:])
    options = {o.strip() for o in mode.split(",") if o.strip()}
    read_only = "ro" in options or "readonly" in options
    if source is None or source == "":
        return Mount("volume", None, target, read_only, location)
    if _is_path(source):
        return Mount("bind", source, target, read_only, location, _host_path(source, base_dir))
    return Mount("volume", source, target, read_only, location)


def _host_path(source: str, base_dir: str | Path) -> Path:
    if source.startswith("~"):
        return Path(os.path.expanduser(source))
    return Path(os.path.normpath(os.path.join(base_dir, source)))  # join keeps an absolute one


def variant_name(filename: str) -> str:
    """'docker-compose.prod.yml' -> 'prod', 'compose-dev.yaml' -> 'dev'."""
    stem = re.sub(r"\.ya?ml$", "", filename, flags=re.IGNORECASE)
    name = re.sub(r"(^|[-._])(docker[-_])?compose([-._]|$)", "\\1", stem, flags=re.IGNORECASE)
    name = name.strip("-._")
    return name or stem


def looks_like_compose(root: PNode | None) -> bool:
    """A mapping with a `services` key, or with compose top-level keys only."""
    if root is None or root.kind != "mapping":
        return False
    if "services" in root:
        return True
    keys = [str(k) for k in root.keys()]
    return (
        bool(keys)
        and any(k in COMPOSE_TOP_KEYS for k in keys)
        and all(k in COMPOSE_TOP_KEYS or k.startswith("x-") for k in keys)
    )


def _no_dollar(text: str) -> bool:
    """No scalar of this YAML can hold a `$`: none written, none escaped (`"\\x24"`)."""
    return "$" not in text and ("\\" not in text or not re.search(r"\\(x24|u0024|U00000024)", text))


def _plain_path(path: str) -> bool:
    """No empty or `.` part: posixpath's dirname/basename say what PurePosixPath would."""
    return "//" not in path and "/./" not in path and path[:2] != "./" and path[-2:] != "/."


def _parent(path: str) -> str:
    """`PurePosixPath(path).parent.as_posix()` without building the path object."""
    if path and path[-1] != "/" and _plain_path(path):
        return posixpath.dirname(path) or "."
    return PurePosixPath(path).parent.as_posix()


def _name(path: str) -> str:
    """`PurePosixPath(path).name` without building the path object."""
    if path and path[-1] != "/" and _plain_path(path):
        return posixpath.basename(path)
    return PurePosixPath(path).name


def _looks_templated(text: str) -> bool:
    return "{{" in text or "{%" in text


# ===================================================================== the loader


@record(hot=True)
class _Svc:
    node: PNode
    location: Location  # the service key where it was first defined
    file: str


@record(hot=True)
class _Model:
    services: dict[str, _Svc] = field(default_factory=dict)
    networks: dict[str, Location] = field(default_factory=dict)
    volumes: dict[str, Location] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)

    def add_file(self, path: str) -> None:
        if path not in self.files:
            self.files.append(path)


class _ComposeLoader:
    def __init__(
        self, reader: SourceReader, env: Mapping[str, str] | None, profiles: Sequence[str]
    ) -> None:
        self.reader = reader
        self.root = reader.root
        self.env = env
        # the process environment, copied once (never written): os.environ decodes per key
        self.process: dict[str, str] = dict(os.environ if env is None else env)
        self.profiles = list(profiles)
        self.errors: list[LoadError] = []
        self.parsed: dict[str, PNode | None] = {}
        self.interpolated: dict[tuple[str, str], PNode] = {}
        self.unset_marked: dict[int, str] = {}  # id(interpolated scalar) -> marked text
        self.marked_files: set[str] = set()  # files with a scalar in unset_marked
        self.marks_here = False  # the project being normalised reads such a file
        self.env_files: dict[tuple[str, str], EnvFile] = {}  # (env_file, project dir)
        self.envs: dict[str, dict[str, str]] = {}
        self.included_at: dict[str, str] = {}  # file -> "file:line" of its include (project)
        self.dirs: dict[str, str] = {}  # file -> its directory (dir_of)
        self.root_text = root = str(self.root)
        self.root_prefix = root if root.endswith("/") else root + "/"  # for rel()

    # ------------------------------------------------------------ files
    def abspath(self, rel: str) -> str:
        """The file's absolute path (an absolute `rel` stays itself), as text."""
        if rel and rel[-1] != "/" and rel[0] != "/" and _plain_path(rel) and rel != ".":
            return os.path.join(self.root_text, rel)  # what Path would say, without one
        return str(self.root / rel)

    def dir_of(self, rel: str) -> str:
        """The absolute directory of file `rel` (relative to the root, or absolute), as
        text: once per file (asked for per service and key), no Path per question."""
        found = self.dirs.get(rel)
        if found is None:
            found = self.dirs[rel] = os.path.dirname(self.abspath(rel))
        return found

    def parse(self, src: SourceFile) -> PNode | None:
        """The compose root of a file (None when empty, not compose, or broken); once."""
        if src.path in self.parsed:
            return self.parsed[src.path]
        root, errors = compose_yaml(src)  # load_positioned; the fixers read its nodes
        fatal = [e for e in errors if e.kind != "invalid" or "duplicate key" not in e.message]
        if fatal and _looks_templated(src.text):
            errors = []  # a template (Helm, Jinja): not ours to judge
            root = None
        if root is not None and not looks_like_compose(root):
            root, errors = None, []  # YAML that only shares the name: not ours to judge
        self.errors.extend(errors)
        if root is not None:
            services = root.get("services")
            if services is not None and services.kind != "mapping" and _live(services):
                loc = root.key_location("services") or root.location
                self.errors.append(
                    LoadError(
                        src.path, "`services` must be a mapping", "invalid", loc.line, loc.column
                    )
                )
        self.parsed[src.path] = root
        return root

    def read(self, path: Path) -> SourceFile | LoadError:
        return self.reader.read(path, FileKind.COMPOSE)

    def project_env(self, project_dir: str) -> dict[str, str]:
        """Process environment over the project directory's `.env` (parsed once)."""
        key = project_dir
        env = self.envs.get(key)
        if env is None:
            process = self.process
            dotenv: EnvFile | None = None
            res = self.reader.read_optional(Path(project_dir, ".env"), FileKind.ENV)
            if isinstance(res, SourceFile):
                dotenv = self.env_file(res, process)
            elif res is not None:
                self.errors.append(res)
            env = project_environment(dotenv, process)
            self.envs[key] = env
        return env

    def env_file(self, src: SourceFile, env: Mapping[str, str]) -> EnvFile:
        """Parse a dotenv file, reporting its problems with file and line."""
        parsed = parse_env_file(src.text, env)
        for line, msg in parsed.errors:
            self.errors.append(LoadError(src.path, msg, "invalid", line, 1))
        for line, msg in parsed.interpolation_errors:
            self.errors.append(LoadError(src.path, msg, "interpolation", line, 1))
        return parsed

    def tree(self, src: SourceFile, project_dir: str, env_key: str | None = None) -> PNode | None:
        """The file interpolated with its project's environment (`env_key` names an
        environment built from an include's `env_file`), once per environment."""
        root = self.parse(src)
        if root is None:
            return None
        key = (src.path, env_key or project_dir)
        done = self.interpolated.get(key)
        if done is None:
            env = self.envs[env_key] if env_key else self.project_env(project_dir)
            marks = len(self.unset_marked)
            done = (
                root
                if _no_dollar(src.text)
                else interpolate_tree(
                    root,
                    env,
                    self.errors,
                    report_required=self.env is not None,
                    unset_marked=self.unset_marked,
                )
            )
            self.interpolated[key] = done
            if len(self.unset_marked) > marks:
                self.marked_files.add(src.path)
        return done

    def include_env(self, src: SourceFile, files: list[PNode]) -> str | None:
        """Register the environment of an include with `env_file:`; return its key."""
        base_dir = self.dir_of(src.path)
        paths = [t for t in (_text(f) for f in files) if t]
        if not paths:
            return None
        key = "include-env:" + "|".join(os.path.normpath(os.path.join(base_dir, p)) for p in paths)
        if key not in self.envs:
            process = self.process
            merged: dict[str, str] = {}
            for text in paths:
                path = Path(os.path.normpath(os.path.join(base_dir, text)))
                res = self.reader.read_optional(path, FileKind.ENV)
                if res is None:
                    continue  # like a service env_file: usually not committed
                if isinstance(res, LoadError):
                    self.errors.append(res)
                    continue
                merged.update(self.env_file(res, {**process, **merged}).values)
            merged.update(process)
            self.envs[key] = merged
        return key

    # ------------------------------------------------------------ layers
    def load_layers(
        self,
        srcs: Sequence[SourceFile],
        project_dir: str,
        chain: tuple[str, ...] = (),
        env_key: str | None = None,
    ) -> _Model:
        model = _Model()
        for src in srcs:
            tree = self.tree(src, project_dir, env_key)
            if tree is None:
                continue
            model.add_file(src.path)
            include = _live(tree.get("include"))
            if include is not None:
                self.load_includes(src, include, model, chain + (src.path,))
            services = _live(tree.get("services"))
            if services is not None and services.kind == "mapping":
                for name, entry in services.entries.items():
                    sname = str(name)
                    if sname.startswith("x-"):
                        continue
                    if entry.value.tag == "!reset":
                        model.services.pop(sname, None)
                        continue
                    node = entry.value
                    if not (  # the usual service: a mapping without `extends`, as is
                        isinstance(name, str) and node.kind == "mapping" and "extends" not in node
                    ):
                        node = self.resolve_extends(
                            src, tree, sname, project_dir, model, (), env_key
                        )
                    old = model.services.get(sname)
                    if old is None:
                        model.services[sname] = _Svc(node, entry.key_location, src.path)
                    else:
                        old.node = merge_service(old.node, node)
            for section, target in (("networks", model.networks), ("volumes", model.volumes)):
                sect = _live(tree.get(section))
                if sect is not None and sect.kind == "mapping":
                    for key, entry in sect.entries.items():
                        target.setdefault(str(key), entry.key_location)
        return model

    def load_includes(
        self, src: SourceFile, include: PNode, model: _Model, chain: tuple[str, ...]
    ) -> None:
        if len(chain) > MAX_INCLUDE_DEPTH:
            loc = include.location
            self.errors.append(
                LoadError(src.path, "include nested too deeply", "invalid", loc.line, loc.column)
            )
            return
        base_dir = self.dir_of(src.path)
        for item in _as_list(include).items:
            paths: list[PNode] = []
            project_dir_text: str | None = None
            env_key: str | None = None
            if item.kind == "mapping":
                path_node = _live(item.get("path"))
                if path_node is not None:
                    paths = path_node.items if path_node.kind == "sequence" else [path_node]
                project_dir_text = _text(item.get("project_directory"))
                env_files = _live(item.get("env_file"))
                if env_files is not None:
                    env_key = self.include_env(src, _as_list(env_files).items)
            elif item.kind == "scalar":
                paths = [item]
            files: list[SourceFile] = []
            for pnode in paths:
                text = _text(pnode)
                if not text:
                    continue
                res = self.resolve_file(src, base_dir, text, pnode.location, "include")
                if res is None:
                    continue
                if res.path in chain:
                    self.errors.append(
                        LoadError(
                            src.path,
                            f"include cycle: {' -> '.join(chain + (res.path,))}; not followed",
                            "include-cycle",
                            pnode.location.line,
                            pnode.location.column,
                        )
                    )
                    continue
                first = self.included_at.get(res.path)
                if first is not None:
                    # Compose loads an include as a whole model; a second copy only
                    # conflicts with the first (and a fan-out would be exponential).
                    self.errors.append(
                        LoadError(
                            src.path,
                            f"{res.path} is included again (first included at {first}); "
                            "not loaded twice",
                            "include-repeated",
                            pnode.location.line,
                            pnode.location.column,
                        )
                    )
                    continue
                self.included_at[res.path] = f"{src.path}:{pnode.location.line}"
                files.append(res)
            if not files:
                continue
            first_dir = self.dir_of(files[0].path)
            project_dir = (
                os.path.join(base_dir, project_dir_text) if project_dir_text else first_dir
            )
            sub = self.load_layers(files, os.path.normpath(project_dir), chain, env_key)
            for path in sub.files:
                model.add_file(path)
            for name, svc in sub.services.items():
                if name in model.services:
                    self.errors.append(
                        LoadError(
                            src.path,
                            f"service {name!r} from included {svc.file} conflicts with "
                            "one already defined",
                            "invalid",
                            item.location.line,
                            item.location.column,
                        )
                    )
                    continue
                model.services[name] = svc
            for name, loc in sub.networks.items():
                model.networks.setdefault(name, loc)
            for name, loc in sub.volumes.items():
                model.volumes.setdefault(name, loc)

    def resolve_file(
        self, src: SourceFile, base_dir: str, text: str, location: Location, what: str
    ) -> SourceFile | None:
        path = Path(os.path.normpath(os.path.join(base_dir, os.path.expanduser(text))))
        if not self.reader.lexically_inside(path):
            self.errors.append(
                LoadError(
                    src.path,
                    f"{what} {text!r} points outside the scanned tree",
                    "include-outside",
                    location.line,
                    location.column,
                )
            )
            return None
        if not self.reader.exists(path):
            self.errors.append(
                LoadError(
                    src.path,
                    f"{what} {text!r} not found",
                    "include-missing",
                    location.line,
                    location.column,
                )
            )
            return None
        res = self.read(path)
        if isinstance(res, LoadError):
            # At the directive (file:line), with the reason the file itself was not read.
            self.errors.append(
                LoadError(
                    src.path,
                    f"{what} {text!r} not read: {res.message}",
                    res.kind,
                    location.line,
                    location.column,
                )
            )
            return None
        return res

    def resolve_extends(
        self,
        src: SourceFile,
        tree: PNode,
        name: str,
        project_dir: str,
        model: _Model,
        seen: tuple[tuple[str, str], ...],
        env_key: str | None = None,
    ) -> PNode:
        services = _live(tree.get("services"))
        skey = _service_key(services, name)
        node = services.get(skey) if services is not None else None
        if node is None or node.kind != "mapping":
            loc = services.key_location(skey) if services is not None else None
            if node is not None and _live(node) is not None and not seen:
                self.error(node.location, f"service {name!r} must be a mapping")
            return PNode.new_mapping({}, loc or tree.location)
        ext = _live(node.get("extends"))
        if ext is None:
            return node
        own = PNode.new_mapping(
            {k: e for k, e in node.entries.items() if k != "extends"}, node.location, tag=node.tag
        )
        if ext.kind == "mapping":
            base_name = _text(ext.get("service"))
            file_text = _text(ext.get("file"))
        else:
            base_name, file_text = _text(ext), None
        loc = ext.location
        if not base_name:
            self.errors.append(
                LoadError(
                    src.path, "extends without a service name", "invalid", loc.line, loc.column
                )
            )
            return own
        base_src, base_tree = src, tree
        if file_text:
            res = self.resolve_file(src, self.dir_of(src.path), file_text, loc, "extends file")
            if res is None:
                return own
            loaded = self.tree(res, project_dir, env_key)
            if loaded is None:
                return own
            base_src, base_tree = res, loaded
            model.add_file(res.path)
        key = (base_src.path, base_name)
        if key in seen or (base_src.path == src.path and base_name == name):
            self.errors.append(
                LoadError(
                    src.path,
                    f"extends cycle through service {base_name!r}",
                    "invalid",
                    loc.line,
                    loc.column,
                )
            )
            return own
        base_services = _live(base_tree.get("services"))
        if base_services is None or _service_key(base_services, base_name) not in base_services:
            self.errors.append(
                LoadError(
                    src.path,
                    f"extends: service {base_name!r} not found in {base_src.path}",
                    "invalid",
                    loc.line,
                    loc.column,
                )
            )
            return own
        base = self.resolve_extends(
            base_src, base_tree, base_name, project_dir, model, seen + ((src.path, name),), env_key
        )
        return merge_service(base, own)

    # ------------------------------------------------------------ projects
    def active(self, node: PNode) -> bool:
        if not self.profiles or "*" in self.profiles:
            return True
        mine = _str_list(node.get("profiles"))
        return not mine or any(p in self.profiles for p in mine)

    def project(self, name: str, srcs: Sequence[SourceFile]) -> Project | None:
        roots = [s for s in srcs if self.parse(s) is not None]
        if not roots:
            return None
        project_dir = self.dir_of(roots[0].path)
        self.included_at = {}
        model = self.load_layers(roots, project_dir)
        rel_dir = _parent(roots[0].path)
        project = Project(name=name, directory=rel_dir, compose_files=list(model.files))
        # every tree a service node can come from is in model.files
        self.marks_here = not self.marked_files.isdisjoint(model.files)
        for sname, svc in model.services.items():
            if not self.active(svc.node):
                continue
            project.services[sname] = self.service(sname, svc, name)
        project.networks = dict(model.networks)
        project.volumes = dict(model.volumes)
        return project

    # ------------------------------------------------------------ normalisation
    def base_dir(self, location: Location) -> str:
        return self.dir_of(location.file)

    def rel(self, path: str) -> str:
        """`path` (absolute, normalised) relative to the root, posix."""
        if path.startswith(self.root_prefix) and os.sep == "/":
            return path[len(self.root_prefix) :]  # what relpath says, without its work
        try:  # relpath gives a normalised path: the same text as Path(...).as_posix()
            return os.path.relpath(path, self.root).replace(os.sep, "/")
        except ValueError:
            return PurePath(path).as_posix()

    def service(self, name: str, svc: _Svc, project: str) -> Service:
        node = svc.node
        service = Service(name=name, project=project, file=svc.file, location=svc.location)
        service.key_locations = {str(k): e.key_location for k, e in node.entries.items()}
        try:
            raw = node.value
        except RecursionError:
            raw = {}
        service.raw = raw if isinstance(raw, dict) else {}
        # one C-level look-up per key (node.get is a Python call; ~20 per service)
        get = {k: e.value for k, e in node.entries.items()}.get
        service.image = _text(get("image"))
        service.container_name = _text(get("container_name"))
        service.hostname = _text(get("hostname"))
        service.command = _command(get("command"))
        service.entrypoint = _command(get("entrypoint"))
        service.restart = _text(get("restart"))
        service.network_mode = _text(get("network_mode"))
        service.user = _text(get("user"))
        service.privileged = _bool(get("privileged"))
        service.read_only = _bool(get("read_only"))
        service.cap_drop = _str_list(get("cap_drop"))
        service.cap_add = _str_list(get("cap_add"))
        service.security_opt = _str_list(get("security_opt"))
        service.profiles = _str_list(get("profiles"))
        self.build(service, get("build"))
        self.environment(service, node)
        self.ports(service, get("ports"))
        self.expose(service, get("expose"))
        self.healthcheck(service, node)
        self.depends_on(service, get("depends_on"))
        self.logging(service, node)
        self.deploy(service, node)
        self.volumes(service, get("volumes"), get("tmpfs"))
        self.networks(service, get("networks"))
        labels = _live(get("labels"))
        if labels is not None and labels.kind == "sequence":  # as _keyed_mapping reads it
            for name, value, _ in _key_values(labels):
                service.labels[name] = value or ""
        elif labels is not None:
            service.labels = {str(k): _text(v) or "" for k, v in labels.pairs()}
        if self.marks_here:  # else no scalar of this service is in unset_marked
            service.unset_values = self.unset_values(node)
        self.check_shapes(name, node)
        return service

    def check_shapes(self, name: str, node: PNode) -> None:
        """A LoadError (file:line) for each service value of a shape compose refuses
        (`environment: 5`, `healthcheck: "yes"`, `deploy: [1]`, `replicas: true`): the
        model has already ignored it, and this says so instead of staying silent."""
        pending: list[tuple[str, PNode | None, Mapping[str, Any]]] = [("", node, SERVICE_SHAPES)]
        while pending:
            prefix, parent, shapes = pending.pop()
            if parent is None or parent.kind != "mapping":
                continue
            for key, entry in parent.entries.items():
                shape = shapes.get(key)  # type: ignore[call-overload]  # no other type equals text
                if shape is None:
                    continue  # most keys: nothing to check
                value = _live(entry.value)
                if value is None:
                    continue
                path = f"{prefix}{key}"
                if isinstance(shape, dict):
                    if value.kind != "mapping":
                        self._shape_error(name, path, value, "a mapping")
                    else:
                        pending.append((path + ".", value, shape))
                    continue
                kinds, expected = shape
                if value.kind not in kinds:
                    self._shape_error(name, path, value, expected)
                elif (
                    expected == "an integer"
                    and _int(value) is None
                    and "$" not in (value.raw or "")
                ):
                    self._shape_error(name, path, value, expected)

    def _shape_error(self, name: str, path: str, value: PNode, expected: str) -> None:
        shown = (
            "a list"
            if value.kind == "sequence"
            else "a mapping"
            if value.kind == "mapping"
            else repr(_text(value))[:40]
        )
        loc = value.location
        self.errors.append(
            LoadError(
                loc.file,
                f"service {name!r}: `{path}` must be {expected}, not {shown}; ignored",
                "invalid",
                loc.line,
                loc.column,
            )
        )

    def unset_values(self, node: PNode) -> dict[str, str]:
        """Interpolated text -> marked text of the service's scalars that used an unset
        variable (see `Service.unset_values`)."""
        out: dict[str, str] = {}
        seen: set[int] = set()
        marked_of = self.unset_marked.get
        stack = [node]
        pop, push, visit = stack.pop, stack.extend, seen.add
        while stack:
            n = pop()
            key = id(n)
            if key in seen:
                continue
            visit(key)
            kind = n.kind
            if kind == "scalar":
                marked = marked_of(key)
                if marked is not None and isinstance(n.scalar, str):
                    out[n.scalar] = marked
            elif kind == "sequence":
                push(n.items)
            else:
                push([e.value for e in n.entries.values()])
        return out

    def error(
        self, location: Location, message: str, kind: str = "invalid", node: PNode | None = None
    ) -> None:
        if node is not None and node.raw is not None and "$" in node.raw:
            return  # broken only because a variable is unset here: not the file's fault
        self.errors.append(LoadError(location.file, message, kind, location.line, location.column))

    def build(self, service: Service, node: PNode | None) -> None:
        node = _live(node)
        if node is None:
            return
        node = _build_mapping(node)
        if node.kind != "mapping":
            return
        ctx_node = _live(node.get("context"))
        context = _text(ctx_node) or "."
        if ("://" in context or context.startswith(("git@", "github.com/"))) and re.match(
            r"^([a-z][a-z0-9+.-]*://|git@|github\.com/)", context
        ):
            return  # a remote context: nothing on disk to link
        base = self.base_dir(ctx_node.location if ctx_node is not None else node.location)
        ctx_path = os.path.normpath(os.path.join(base, context))
        service.build_context = self.rel(ctx_path)
        if _live(node.get("dockerfile_inline")) is not None:
            return
        dockerfile = _text(node.get("dockerfile")) or "Dockerfile"
        service.build_dockerfile = self.rel(os.path.normpath(os.path.join(ctx_path, dockerfile)))

    def environment(self, service: Service, node: PNode) -> None:
        env_files = _live(node.get("env_file"))
        if env_files is not None:
            for item in _as_list(env_files).items:
                if item.kind == "mapping":  # long syntax: {path, required, format}
                    path_text = _text(item.get("path"))
                else:
                    path_text = _text(item)
                if not path_text:
                    continue
                path = os.path.normpath(os.path.join(self.base_dir(item.location), path_text))
                rel = self.rel(path)
                service.env_files.append(rel)
                res = self.reader.read_optional(Path(path), FileKind.ENV)
                if res is None:
                    continue  # required or not: .env files are rarely committed
                if isinstance(res, LoadError):
                    self.errors.append(res)
                    continue
                project_dir = self.dir_of(service.file)
                parsed = self.env_files.get((res.path, project_dir))
                if parsed is None:  # once per file and project, not per service
                    parsed = self.env_files[res.path, project_dir] = self.env_file(
                        res, self.project_env(project_dir)
                    )
                for key, value in parsed.values.items():
                    start = res.offset_of(parsed.lines[key], 1)
                    service.environment[key] = EnvVar(
                        key, value, res.location(start), from_file=res.path
                    )
        env_node = _live(node.get("environment"))
        if env_node is None:
            return
        if env_node.kind == "sequence":
            self.environment_list(service, env_node)
            return
        if env_node.kind != "mapping":
            return
        for env_key, env_entry in env_node.entries.items():
            env_value = _live(env_entry.value)
            text = None if env_value is None else _text(env_value)
            if env_value is not None and env_value.kind != "scalar":
                text = str(env_value.value)
            service.environment[str(env_key)] = EnvVar(str(env_key), text, env_entry.key_location)

    @staticmethod
    def environment_list(service: Service, node: PNode) -> None:
        """`environment:` in list form (`- NAME=value`, `- NAME`), read as
        `_keyed_mapping` would have it (a later NAME wins, in the first one's place),
        without building a node per item."""
        for name, value, location in _key_values(node):
            service.environment[name] = EnvVar(name, value, location)

    def ports(self, service: Service, node: PNode | None) -> None:
        node = _live(node)
        if node is None:
            return
        for item in _as_list(node).items:
            if item.kind == "mapping":
                self.long_port(service, item)
                continue
            text = _text(item)
            if text is None:
                continue
            parsed = parse_port_spec(text, item.location)
            if isinstance(parsed, str):
                self.error(item.location, parsed, node=item)
            else:
                service.ports.extend(parsed)

    def long_port(self, service: Service, item: PNode) -> None:
        target_text = _text(item.get("target"))
        target = _to_int(target_text) if target_text else None
        if target is None or target > MAX_PORT:
            self.error(item.location, f"port without a valid target: {target_text!r}")
            return
        published_text = _text(item.get("published"))
        published: int | None = None
        prange: tuple[int, int] | None = None
        if published_text and published_text.strip():
            rng = _parse_range(published_text)
            if rng is None:
                self.error(item.location, f"invalid published port {published_text!r}")
                return
            published = rng[0]
            prange = rng if rng[0] != rng[1] else None
        host_ip = _text(item.get("host_ip")) or None
        protocol = (_text(item.get("protocol")) or "tcp").lower()
        raw = f"{host_ip + ':' if host_ip else ''}{published_text or ''}:{target}/{protocol}"
        service.ports.append(Port(target, published, prange, host_ip, protocol, item.location, raw))

    def expose(self, service: Service, node: PNode | None) -> None:
        node = _live(node)
        if node is None:
            return
        for item in _as_list(node).items:
            text = _text(item)
            if text is None:
                continue
            rng = _parse_range(text.split("/", 1)[0])
            if rng is None:
                self.error(item.location, f"invalid expose entry {text!r}", node=item)
                continue
            for port in range(rng[0], min(rng[1], rng[0] + MAX_RANGE_EXPANSION - 1) + 1):
                service.expose.append((port, item.location))

    def healthcheck(self, service: Service, node: PNode) -> None:
        hc = _live(node.get("healthcheck"))
        if hc is None or hc.kind != "mapping":
            return
        location = node.key_location("healthcheck") or hc.location
        test_node = _live(hc.get("test"))
        test: list[str] | str | None = None
        if test_node is not None:
            test = _command(test_node)
        disabled = _bool(hc.get("disable"))
        if isinstance(test, list) and test and test[0].upper() == "NONE":
            disabled = True
        if isinstance(test, str) and test.strip().upper() == "NONE":
            disabled = True
        service.healthcheck = Healthcheck(
            test,
            disabled,
            "compose",
            location,
            interval=_text(hc.get("interval")),
            timeout=_text(hc.get("timeout")),
            retries=_int(hc.get("retries")),
            start_period=_text(hc.get("start_period")),
            start_interval=_text(hc.get("start_interval")),
        )

    def depends_on(self, service: Service, node: PNode | None) -> None:
        node = _live(node)
        if node is None:
            return
        if node.kind == "sequence":
            for item in node.items:
                text = _text(item)
                if text:
                    service.depends_on.append(DependsOn(text, "service_started", item.location))
            return
        if node.kind != "mapping":
            return
        for key, entry in node.entries.items():
            value = _live(entry.value)
            if value is None or value.kind != "mapping":
                service.depends_on.append(
                    DependsOn(str(key), "service_started", entry.key_location)
                )
                continue
            condition = _text(value.get("condition")) or "service_started"
            required_node = _live(value.get("required"))
            required = True if required_node is None else _bool(required_node)
            service.depends_on.append(
                DependsOn(
                    str(key), condition, entry.key_location, long_syntax=True, required=required
                )
            )

    def logging(self, service: Service, node: PNode) -> None:
        lg = _live(node.get("logging"))
        if lg is None or lg.kind != "mapping":
            return
        options: dict[str, str] = {}
        opts = _live(lg.get("options"))
        if opts is not None and opts.kind == "mapping":
            options = {str(k): _text(v) or "" for k, v in opts.pairs()}
        service.logging = Logging(
            _text(lg.get("driver")), options, node.key_location("logging") or lg.location
        )

    def deploy(self, service: Service, node: PNode) -> None:
        deploy = _live(node.get("deploy"))
        mem = _text(node.get("mem_limit"))
        replicas: int | None = None
        if deploy is not None and deploy.kind == "mapping":
            replicas = _int(deploy.get("replicas"))
            policy = _live(deploy.get("restart_policy"))
            if policy is not None and policy.kind == "mapping":
                service.deploy_restart_condition = _text(policy.get("condition"))
            resources = _live(deploy.get("resources"))
            limits = _live(resources.get("limits")) if resources is not None else None
            if limits is not None and limits.kind == "mapping":
                if mem is None:
                    mem = _text(limits.get("memory"))
                service.memory_limit = _memory_limit(limits.get("memory"), "deploy")
        if replicas is None:
            replicas = _int(node.get("scale"))
        service.replicas = replicas
        service.mem_limit = mem
        if service.memory_limit is None:
            service.memory_limit = _memory_limit(node.get("mem_limit"), "mem_limit")

    def volumes(self, service: Service, node: PNode | None, tmpfs: PNode | None) -> None:
        node = _live(node)
        if node is not None:
            for item in _as_list(node).items:
                base = self.base_dir(item.location)
                if item.kind == "mapping":
                    target = _text(item.get("target"))
                    if not target:
                        self.error(item.location, "volume without a target")
                        continue
                    source = _text(item.get("source"))
                    vtype = _text(item.get("type")) or (
                        "bind" if source and _is_path(source) else "volume"
                    )
                    host_path = _host_path(source, base) if vtype == "bind" and source else None
                    service.volumes.append(
                        Mount(
                            vtype,
                            source,
                            target,
                            _bool(item.get("read_only")),
                            item.location,
                            host_path,
                        )
                    )
                    continue
                text = _text(item)
                if text:
                    service.volumes.append(parse_volume_spec(text, item.location, base))
        tmpfs = _live(tmpfs)
        if tmpfs is not None:
            for item in _as_list(tmpfs).items:
                text = _text(item)
                if text:
                    service.volumes.append(
                        Mount("tmpfs", None, text.split(":", 1)[0], False, item.location)
                    )

    def networks(self, service: Service, node: PNode | None) -> None:
        node = _live(node)
        if node is None:
            return
        if node.kind == "sequence":  # short form: names, no aliases (as _names_mapping)
            for item in node.items:
                text = _text(item)
                if text is not None:
                    service.networks[text] = []
            return
        if node.kind != "mapping":
            return
        for key, net in node.pairs():
            aliases: list[str] = []
            live = _live(net)
            if live is not None and live.kind == "mapping":
                aliases = _str_list(live.get("aliases"))
            service.networks[str(key)] = aliases


# ===================================================================== grouping


Readings = Callable[[SourceFile, SourceFile], tuple[bool, ...]]


def _group(
    srcs: Iterable[SourceFile], layer: Readings | None = None
) -> list[tuple[str, str, list[SourceFile]]]:
    """(directory, suffix, files) per project: the base file and the first override file;
    other base-named files stand alone (compose would ignore them, we still lint them);
    every other file is a variant, merged on top of the base and/or standalone as
    `layer(base, variant)` says the project runs it (loaders.variants)."""
    by_dir: dict[str, list[SourceFile]] = {}
    for src in srcs:
        by_dir.setdefault(_parent(src.path), []).append(src)
    groups: list[tuple[str, str, list[SourceFile]]] = []
    for directory in sorted(by_dir):
        files = sorted(by_dir[directory], key=lambda s: s.path)
        by_name = {_name(s.path).lower(): s for s in files}
        bases = [by_name[n] for n in BASE_NAMES if n in by_name]
        overrides = [by_name[n] for n in OVERRIDE_NAMES if n in by_name]
        primary = bases[0] if bases else None
        used: set[str] = set()
        if primary is not None:
            layers = [primary, *overrides[:1]]
            used.update(s.path for s in layers)
            groups.append((directory, "", layers))
        for other in bases[1:]:
            used.add(other.path)
            name = _name(other.path)
            groups.append((directory, variant_name(name), [other]))
        for src in files:
            if src.path in used:
                continue
            suffix = variant_name(_name(src.path))
            ways = (True,) if primary is None or layer is None else layer(primary, src)
            for on_base in ways:
                groups.append((directory, suffix, [primary, src] if on_base and primary else [src]))
    return groups


def _variant_reading(loader: _ComposeLoader, reader: SourceReader) -> Readings:
    """`layer(base, variant)` for `_group`, reading each directory's hints once."""
    from infradoctor.loaders.variants import compose_file_lists, readings

    hints: dict[Path, list[list[str]]] = {}
    per_file: dict[Path, list[list[str]]] = {}
    listed: dict[Path, list[Path]] = {}

    def layer(base: SourceFile, variant: SourceFile) -> tuple[bool, ...]:
        directory = Path(loader.dir_of(variant.path))
        if directory not in hints:
            hints[directory] = compose_file_lists(reader.root, directory, per_file, listed)
        names = _name(base.path), _name(variant.path)
        return readings(names[1], names[0], hints[directory], loader.parse(variant))

    return layer


def _cycle_roots(
    paths: Sequence[str], edges: Mapping[str, list[str]], included: set[str]
) -> set[str]:
    """Files only ever included from an include cycle are reached from no project root:
    make the first of each such group a root, so that its cycle is reported and its
    services are checked rather than silently dropped."""
    reached: set[str] = set()

    def reach(start: str) -> None:
        todo = [start]
        while todo:
            cur = todo.pop()
            if cur in reached:
                continue
            reached.add(cur)
            todo.extend(edges.get(cur, ()))

    for path in paths:
        if path not in included:
            reach(path)
    extra: set[str] = set()
    for path in paths:
        if path not in reached:
            extra.add(path)
            reach(path)
    return extra


def load_compose_projects(
    sources: Sequence[SourceFile],
    reader: SourceReader,
    *,
    explicit_files: Sequence[str] = (),
    env: Mapping[str, str] | None = None,
    profiles: Sequence[str] = (),
) -> tuple[list[Project], list[LoadError]]:
    """Group compose files into projects (base + overrides per directory, variants on top
    of their base, or the explicit `-f` list), merge, interpolate and normalise them into
    Services. With no profile selected every service is loaded (a linter checks them all).
    Never raises for bad input: problems come back as LoadErrors."""
    loader = _ComposeLoader(reader, env, profiles)
    by_path = {s.path: s for s in sources}
    sources = list(by_path.values())  # the same file given twice is one file
    projects: list[Project] = []
    names: set[str] = set()
    root_name = reader.root.name or "root"

    def unique(name: str) -> str:
        candidate, n = name, 2
        while candidate in names:
            candidate = f"{name}#{n}"
            n += 1
        names.add(candidate)
        return candidate

    def dir_name(directory: str) -> str:
        return root_name if directory in (".", "") else directory

    def build(name: str, files: list[SourceFile]) -> None:
        try:
            project = loader.project(name, files)
        except RecursionError:
            loader.errors.append(
                LoadError(files[0].path, "compose files nested too deeply", "invalid")
            )
            return
        if project is not None:
            projects.append(project)
        else:
            names.discard(name)

    explicit = [by_path[p] for p in explicit_files if p in by_path]
    for src in sources:  # parse everything once, up front
        loader.parse(src)

    edges: dict[str, list[str]] = {}  # file -> files it includes (not itself)
    for src in sources:
        root = loader.parse(src)
        include = _live(root.get("include")) if root is not None else None
        if include is None:
            continue
        base_dir = loader.dir_of(src.path)
        for item in _as_list(include).items:
            node = _live(item.get("path")) if item.kind == "mapping" else item
            for p in [] if node is None else node.items if node.kind == "sequence" else [node]:
                text = _text(p)
                if text:
                    rel = reader.relpath(Path(os.path.normpath(os.path.join(base_dir, text))))
                    if rel != src.path:  # a self-include is a cycle, reported when loading
                        edges.setdefault(src.path, []).append(rel)
    included = {k for targets in edges.values() for k in targets}
    included -= {s.path for s in explicit}
    included -= _cycle_roots([s.path for s in sources], edges, included)

    if explicit:
        directory = _parent(explicit[0].path)
        build(unique(dir_name(directory)), explicit)
    covered = {s.path for s in explicit} | included
    rest = [s for s in sources if s.path not in covered and loader.parse(s) is not None]
    for directory, suffix, files in _group(rest, _variant_reading(loader, reader)):
        base_name = dir_name(directory)
        build(unique(f"{base_name}:{suffix}" if suffix else base_name), files)

    seen: set[LoadError] = set()
    errors: list[LoadError] = []
    for err in loader.errors:
        if err not in seen:
            seen.add(err)
            errors.append(err)
    return projects, errors


__all__ = [
    "load_compose_projects",
    "looks_like_compose",
    "merge_service",
    "parse_port_spec",
    "parse_volume_spec",
    "variant_name",
]
