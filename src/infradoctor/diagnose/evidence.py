"""Evidence bundles: what collectors saw on a live host, as files in a directory or a
.tar.gz, so the same analysis can run later on another machine (`diagnose --from`).

Layout (all paths are posix, relative to the bundle root):

    manifest.json              {"format": 1, "created", "host", "since", "tool_version",
                                "collectors": [{"name","status","error","seconds"}],
                                "utc_offset": seconds east of UTC of the host's local
                                time (error.log times are local; set by the CLI)}
    nginx/config.txt           `nginx -T` output (or concatenated config files)
    nginx/test.json            {"ok": bool|None, "output": str, "ran": bool, "argv": [...],
                                "inconclusive": str (only when ok is None for a reason)}
    nginx/process.json         {"running": bool, "pids": [...], "conf": str|None,
                                "binary": str|None, "prefix", "workers": [pids],
                                "masters": [{"pid","binary","conf","prefix","cmdline",
                                "container": bool|None (another mount namespace)}],
                                "container_pid", "root" (/proc/<pid>/root) when nginx
                                runs in a container: its paths are read through root}
    nginx/logs/<n>.error.log   windowed tail of each error_log (name in logs.json)
    nginx/logs/<n>.access.log  windowed tail of each access_log
    nginx/logs.json            [{"kind": "error"|"access", "path": original path,
                                 "file": bundle path, "bytes_total": int,
                                 "bytes_read": int, "status": ..., "error": ...}]
                                status: ok | truncated (byte cap hit) | missing | unreadable
                                | container-stream (nginx logs to a container's stdout/
                                stderr and no container log could be split); entries split
                                from a container log carry "container": name
    docker/engine.json         {"reachable": bool, "host": str, "error": str|None,
                                "root_dir": str|None, "version": str|None}
    docker/containers.json     [trimmed `docker inspect` objects (Id, Name without "/",
                                Created, State incl. Health.Log, RestartCount, LogPath,
                                HostConfig.{RestartPolicy,Memory,MemorySwap,LogConfig,
                                PortBindings,NetworkMode,Binds}, NetworkSettings.{IPAddress,
                                Ports,Networks.<net>.{IPAddress,IPAMConfig,Aliases,DNSNames,
                                Gateway,NetworkID}},
                                Config.{Image,Labels,Env,Cmd,Entrypoint,ExposedPorts,
                                Healthcheck,User,Hostname}, Mounts) + "LogSize": int|None
                                + "ComposeProject"/"ComposeService": str|None (labels)
                                + "BotTokenHash": "[REDACTED:bot-token:<12 hex>]"|None
                                (sha256 prefix of a Telegram-token-looking Env value)]
    docker/logs/<name>.log     tail of each container's log (stdout+stderr)
    docker/listening/<name>.json [{"proto","address","port"}] from the container's netns
    host/disk.json             [{"path","mount","device","fstype","total","used","avail",
                                 "inodes_total","inodes_free","purposes":[...],
                                 "paths": {purpose: [paths]}}] one entry per filesystem;
                                purposes: nginx-log, nginx-temp, docker-root, var-log
    host/largest.json          [{"path","bytes","what"}]
    host/oom.txt               kernel OOM-killer lines (`dmesg --time-format iso`: each
                                line starts with an ISO timestamp)
    host/limits.json           {"nginx_worker_rlimit_nofile", "open_files": ..., ...}
    probes/http.json           [{"name","url","via":"direct"|"nginx","status","error",
                                 "seconds","body_excerpt"}]
    probes/dns.json            {"<name>": {"addresses": [...], "error": str|None,
                                 "source": "host"|"docker", "host": {...}}} "docker": as
                                Docker's embedded DNS answers a containerized nginx (from
                                container aliases), "host" the host's getaddrinfo view
    files/<relpath>            the compose/nginx/Dockerfile files under PATH (static model)

Everything written here has already been redacted (see redact.py).
"""

from __future__ import annotations

import io
import json
import os
import tarfile
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from infradoctor.syntax.jsondoc import loads_bounded

BUNDLE_FORMAT = 1
MAX_MEMBER_BYTES = 256 * 1024 * 1024


class BundleError(Exception):
    """A bundle that cannot be read (exit code 2)."""


@dataclass(slots=True)
class CollectorStatus:
    name: str
    status: str  # ok | error | skipped | partial
    error: str | None = None
    seconds: float = 0.0


@dataclass(slots=True)
class Bundle:
    """In-memory evidence: path -> bytes, plus collector statuses and metadata."""

    files: dict[str, bytes] = field(default_factory=dict)
    collectors: list[CollectorStatus] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)

    # -- writing ---------------------------------------------------------------
    def put_bytes(self, path: str, data: bytes) -> None:
        self.files[_clean(path)] = data

    def put_text(self, path: str, text: str) -> None:
        self.put_bytes(path, text.encode("utf-8", "replace"))

    def put_json(self, path: str, obj: Any) -> None:
        self.put_text(path, json.dumps(obj, indent=1, sort_keys=True, default=str))

    def record(self, status: CollectorStatus) -> None:
        self.collectors.append(status)

    # -- reading ---------------------------------------------------------------
    def has(self, path: str) -> bool:
        return _clean(path) in self.files

    def read_bytes(self, path: str) -> bytes | None:
        return self.files.get(_clean(path))

    def read_text(self, path: str) -> str | None:
        data = self.read_bytes(path)
        return None if data is None else data.decode("utf-8", "replace")

    def read_json(self, path: str, default: Any = None) -> Any:
        text = self.read_text(path)
        if text is None:
            return default
        try:
            return loads_bounded(text)
        except ValueError:
            return default

    def glob(self, pattern: str) -> Iterator[str]:
        for name in sorted(self.files):
            if PurePosixPath(name).match(pattern):
                yield name

    def collector(self, name: str) -> CollectorStatus | None:
        for c in self.collectors:
            if c.name == name:
                return c
        return None

    # -- persistence -----------------------------------------------------------
    def manifest(self) -> dict[str, Any]:
        return {
            "format": BUNDLE_FORMAT,
            **self.meta,
            "collectors": [asdict(c) for c in self.collectors],
        }

    def save(self, target: Path) -> None:
        """Write as .tar.gz (by suffix) or as a directory."""
        manifest = json.dumps(self.manifest(), indent=1, sort_keys=True).encode()
        if target.name.endswith((".tar.gz", ".tgz")):
            tmp = target.with_name(target.name + ".part")
            with tarfile.open(tmp, "w:gz") as tar:
                for name, data in [("manifest.json", manifest), *sorted(self.files.items())]:
                    info = tarfile.TarInfo(f"bundle/{name}")
                    info.size = len(data)
                    info.mtime = int(time.time())
                    info.mode = 0o600
                    tar.addfile(info, io.BytesIO(data))
            tmp.replace(target)
            return
        target.mkdir(parents=True, exist_ok=True)
        (target / "manifest.json").write_bytes(manifest)
        for name, data in self.files.items():
            p = target / name
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_bytes(data)

    @classmethod
    def load(cls, source: Path) -> Bundle:
        files: dict[str, bytes] = {}
        try:
            if source.is_dir():
                files = _load_dir(source)
            else:
                with tarfile.open(source, "r:*") as tar:
                    for m in tar.getmembers():
                        if not m.isfile() or m.size > MAX_MEMBER_BYTES:
                            continue
                        name = m.name.split("/", 1)[1] if m.name.startswith("bundle/") else m.name
                        name = _clean(name)
                        fh = tar.extractfile(m)
                        if fh is not None:
                            files[name] = fh.read()
        except (OSError, tarfile.TarError, ValueError) as exc:
            raise BundleError(f"{source}: cannot read bundle: {exc}") from exc
        raw = files.pop("manifest.json", None)
        if raw is None:
            raise BundleError(f"{source}: not an infradoctor bundle (no manifest.json)")
        try:
            manifest = loads_bounded(raw)
        except ValueError as exc:
            raise BundleError(f"{source}: manifest.json is not JSON: {exc}") from exc
        if not isinstance(manifest, dict):
            raise BundleError(f"{source}: manifest.json is not a JSON object")
        raw_collectors = manifest.pop("collectors", [])
        collectors = [
            status
            for status in map(_collector_status, raw_collectors)
            if isinstance(raw_collectors, list) and status is not None
        ]
        manifest.pop("format", None)
        return cls(files, collectors, _typed_meta(manifest))


def _collector_status(item: object) -> CollectorStatus | None:
    """A manifest `collectors` entry as a CollectorStatus; None when it is not an object
    with a name. Fields of the wrong type become their defaults; unknown keys are ignored."""
    if not isinstance(item, dict) or not isinstance(item.get("name"), str):
        return None
    status = item.get("status")
    error = item.get("error")
    seconds = item.get("seconds")
    return CollectorStatus(
        item["name"],
        status if isinstance(status, str) else "error",
        error if isinstance(error, str) else None,
        float(seconds) if isinstance(seconds, int | float) and _finite_number(seconds) else 0.0,
    )


# Manifest metadata the analyzers and reporters read, and the type each must have.
MAX_UTC_OFFSET = 26 * 3600  # the widest real UTC offset is +14:00


def _typed_meta(manifest: dict[str, Any]) -> dict[str, Any]:
    """The manifest metadata with a value of the wrong type (or out of range) for a key
    we read dropped, so analyzers never see `since: "x"` or `utc_offset: 1e308`."""
    meta = dict(manifest)
    for key in ("created", "host", "tool_version"):
        if key in meta and not isinstance(meta[key], str):
            del meta[key]
    if "since" in meta and not (_finite_number(meta["since"]) and 0 <= meta["since"] <= 10**10):
        del meta["since"]
    if "utc_offset" in meta and not (
        _finite_number(meta["utc_offset"]) and abs(meta["utc_offset"]) <= MAX_UTC_OFFSET
    ):
        del meta["utc_offset"]
    if "uid" in meta and (isinstance(meta["uid"], bool) or not isinstance(meta["uid"], int)):
        del meta["uid"]
    return meta


def _finite_number(value: object) -> bool:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and abs(value) < 10**18
        and value == value
    )


def _clean(path: str) -> str:
    """Normalise a member path and refuse anything that would escape the bundle."""
    p = PurePosixPath(path.replace("\\", "/"))
    parts = [x for x in p.parts if x not in ("", ".", "/")]
    if any(x == ".." for x in parts) or not parts:
        raise ValueError(f"unsafe bundle path {path!r}")
    return "/".join(parts)


def _load_dir(source: Path) -> dict[str, bytes]:
    """An unpacked bundle's files: regular files only, read without blocking, no symlink
    followed (a bundle may come from elsewhere: it must not make us read other files)."""
    from infradoctor.loaders.files import Refusal, read_regular

    real = source.resolve()
    files: dict[str, bytes] = {}
    for dirpath, dirnames, filenames in os.walk(real):  # never into symlinked dirs
        dirnames.sort()
        for name in sorted(filenames):
            path = Path(dirpath) / name
            if path.is_symlink():
                continue
            data = read_regular(path, MAX_MEMBER_BYTES, real)
            if not isinstance(data, Refusal):
                files[path.relative_to(real).as_posix()] = data
    return files
