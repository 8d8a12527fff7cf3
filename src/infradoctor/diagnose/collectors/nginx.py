"""nginx collector: running masters, the effective config (`nginx -T`, or the files
when nginx cannot run), the `nginx -t` verdict, and windowed tails of every log."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

from infradoctor.diagnose.collectors import logtail
from infradoctor.diagnose.collectors.nginxconf import (
    NginxFacts,
    compiled_defaults,
    facts_from_dump,
    read_config_files,
)
from infradoctor.diagnose.evidence import Bundle

MASTER_MARK = "nginx: master process"


def find_masters(proc: Path = Path("/proc")) -> list[dict[str, Any]]:
    """Running nginx masters from /proc/*/cmdline: pid, binary, -c conf, -p prefix."""
    masters: list[dict[str, Any]] = []
    try:
        entries = list(proc.iterdir())
    except OSError:
        return masters
    for entry in entries:
        if not entry.name.isdigit():
            continue
        try:
            raw = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        text = raw.replace(b"\0", b" ").decode("utf-8", "replace").strip()
        if not text.startswith(MASTER_MARK):
            continue
        argv = text[len(MASTER_MARK) :].split()
        info: dict[str, Any] = {
            "pid": int(entry.name),
            "binary": None,
            "conf": None,
            "prefix": None,
            "cmdline": text,
        }
        if argv:
            info["binary"] = argv[0]
        for k, arg in enumerate(argv[1:], start=1):
            nxt = argv[k + 1] if k + 1 < len(argv) else None
            if arg == "-c" and nxt:
                info["conf"] = nxt
            elif arg == "-p" and nxt:
                info["prefix"] = nxt
        try:
            info["workers"] = _children(proc, int(entry.name))
        except OSError:
            info["workers"] = []
        info["container"] = _foreign_mount_ns(proc, int(entry.name))
        masters.append(info)
    masters.sort(key=lambda m: m["pid"])
    return masters


def effective_conf(master: dict[str, Any], defaults: dict[str, str]) -> str | None:
    """The config file a host master runs: its `-c` (relative to its prefix, as nginx
    resolves it) or the binary's compiled-in conf-path; None inside a container (its
    paths are not this host's)."""
    if master.get("container"):
        return None
    conf = master.get("conf") or defaults.get("conf-path")
    if conf and not os.path.isabs(conf):
        prefix = master.get("prefix") or defaults.get("prefix")
        conf = os.path.join(prefix, conf) if prefix else None
    return conf


def choose_master(
    masters: list[dict[str, Any]],
    conf: str | None,
    defaults_of: Callable[[dict[str, Any]], dict[str, str]],
) -> tuple[dict[str, Any] | None, str | None]:
    """The master to diagnose and, when the choice was not obvious, a note saying which.

    With --nginx-conf: the master running that file, whether named by `-c` or as the
    binary's default (a master started without `-c` runs the compiled-in conf-path: not
    matching it reported a running nginx as down). Without: the first master of this
    host's mount namespace (nginx -T and the logs are readable there), else the first."""
    if conf:
        real = os.path.realpath(conf)
        for m in masters:
            own = None if m.get("container") else effective_conf(m, defaults_of(m))
            if own and os.path.realpath(own) == real:
                return m, None
        if not masters:
            return None, None
        pids = ", ".join(str(m["pid"]) for m in masters)
        return None, f"no running nginx master uses {conf} (masters: pid {pids})"
    if not masters:
        return None, None
    chosen = next((m for m in masters if not m.get("container")), masters[0])
    if len(masters) == 1:
        return chosen, None
    others = ", ".join(str(m["pid"]) for m in masters if m is not chosen)
    where = "in a container" if chosen.get("container") else chosen.get("conf") or "default conf"
    return chosen, (
        f"{len(masters)} nginx masters are running: diagnosed pid {chosen['pid']} ({where}), "
        f"not pid {others}; pass --nginx-conf to choose"
    )


def _foreign_mount_ns(proc: Path, pid: int) -> bool | None:
    """Does `pid` live in another mount namespace (a container)? None if we cannot tell."""
    try:
        return os.readlink(proc / str(pid) / "ns" / "mnt") != os.readlink(
            proc / "self" / "ns" / "mnt"
        )
    except OSError:
        return None


def stream_target(path: str) -> str | None:
    """'/dev/stderr' etc. when a log path is (a symlink to) a process stream: the official
    nginx image links its logs to the container's stdout/stderr."""
    seen = 0
    current = path
    while seen < 8:
        if re.match(r"^/(dev/(stdout|stderr|fd/[12])|proc/self/fd/[12])$", current):
            return current
        try:
            target = os.readlink(current)
        except OSError:
            return None
        current = (
            target if os.path.isabs(target) else os.path.join(os.path.dirname(current), target)
        )
        seen += 1
    return None


def _children(proc: Path, pid: int) -> list[int]:
    kids: list[int] = []
    try:
        text = (proc / str(pid) / "task" / str(pid) / "children").read_text()
        kids = [int(x) for x in text.split()]
    except (OSError, ValueError):
        pass
    return kids


def _nginx_binary(master: dict[str, Any] | None) -> str | None:
    if master and master.get("binary"):
        b = str(master["binary"])
        if os.path.isabs(b) and os.access(b, os.X_OK):
            return b
        found = shutil.which(b)
        if found:
            return found
    return shutil.which("nginx") or (
        "/usr/sbin/nginx" if os.access("/usr/sbin/nginx", os.X_OK) else None
    )


def _run(argv: list[str], timeout: float) -> tuple[int | None, str, str]:
    try:
        proc = subprocess.run(
            argv, capture_output=True, timeout=timeout, check=False, stdin=subprocess.DEVNULL
        )
    except subprocess.TimeoutExpired:
        return None, "", f"timed out after {timeout:g}s"
    except OSError as exc:
        return None, "", f"cannot run {argv[0]}: {exc.strerror}"
    return (
        proc.returncode,
        proc.stdout.decode("utf-8", "replace"),
        proc.stderr.decode("utf-8", "replace"),
    )


def collect(ctx: Any, bundle: Bundle) -> str | None:  # noqa: C901
    """Fill nginx/*; remember facts on ctx for host/probes. Returns a partial note."""
    opts = ctx.opts
    problems: list[str] = []
    masters = find_masters()
    sub_timeout = max(1.0, min(opts.timeout / 2, 8.0))
    compiled: dict[str | None, dict[str, str]] = {}

    def defaults_of(master: dict[str, Any] | None) -> dict[str, str]:
        """`nginx -V` defaults of the binary that runs `master` (run once per binary)."""
        binary = _nginx_binary(master)
        if binary not in compiled:
            compiled[binary] = {}
            if binary:
                compiled[binary] = compiled_defaults(_run([binary, "-V"], sub_timeout)[2])
        return compiled[binary]

    master, note = choose_master(
        masters, str(opts.nginx_conf) if opts.nginx_conf else None, defaults_of
    )
    if note:
        problems.append(note)
    conf = str(opts.nginx_conf) if opts.nginx_conf else (master["conf"] if master else None)
    if master is not None and master.get("container") and not opts.nginx_conf:
        partial = _collect_containerized(ctx, bundle, master, masters)
        return "; ".join([*problems, *([partial] if partial else [])]) or None
    binary = _nginx_binary(master)
    prefix = master["prefix"] if master else None
    defaults = defaults_of(master)
    if prefix is None:
        prefix = defaults.get("prefix")
    if master is not None and conf and not os.path.isabs(conf) and prefix:
        conf = os.path.join(prefix, conf)  # nginx resolves -c against its prefix
    if conf is None and master is None and defaults.get("conf-path"):
        if os.path.exists(defaults["conf-path"]):
            conf = defaults["conf-path"]

    dump = ""
    test: dict[str, Any] = {"ok": None, "output": "", "ran": False}
    if binary and conf is not None:
        argv = [binary, "-T", "-q"]
        if master and master.get("prefix"):
            argv += ["-p", master["prefix"]]
        argv += ["-c", conf]
        rc, out, err = _run(argv, sub_timeout)
        test = {
            "ok": rc == 0 if rc is not None else None,
            "output": err.strip(),
            "ran": rc is not None,
            "argv": argv,
        }
        if rc not in (0, None) and os.geteuid() != 0 and "(13: Permission denied)" in err:
            # nginx -t opens logs and pid paths for writing: as non-root that fails on a
            # perfectly valid config, so the verdict is unknown rather than "invalid"
            test["ok"] = None
            test["inconclusive"] = "nginx -t needs root to open the log/pid files"
            problems.append("nginx -t inconclusive as non-root (permission denied)")
        if rc == 0 and out.strip():
            dump = out
        elif rc is None:
            problems.append(f"nginx -T: {err}")
    elif binary is None:
        test["output"] = "nginx binary not found"
        problems.append("nginx binary not found")
    if not dump and conf is not None:
        dump = read_config_files(Path(conf), Path(prefix) if prefix else None)
    if conf is None:
        problems.append("no nginx config found (no running master, no --nginx-conf)")
    bundle.put_text("nginx/config.txt", dump)
    bundle.put_json("nginx/test.json", test)

    facts = facts_from_dump(dump, prefix) if dump else NginxFacts()
    if dump and not facts.error_logs and defaults.get("error-log-path") not in (None, "stderr"):
        facts.error_logs.append(defaults["error-log-path"])
    if dump and not facts.access_logs and defaults.get("http-log-path"):
        facts.access_logs.append(defaults["http-log-path"])
    for key, directive in (
        ("http-proxy-temp-path", "proxy_temp_path"),
        ("http-client-body-temp-path", "client_body_temp_path"),
    ):
        if directive not in facts.temp_paths and defaults.get(key):
            facts.temp_paths[directive] = [defaults[key]]
    ctx.nginx_config_text = dump
    ctx.nginx_facts = facts
    process = {
        "running": master is not None,
        "pids": [master["pid"]] if master else [],
        "workers": master.get("workers", []) if master else [],
        "conf": conf,
        "binary": binary,
        "prefix": prefix,
        "masters": masters,
    }
    ctx.nginx_process = process
    bundle.put_json("nginx/process.json", process)

    problems += _collect_logs(ctx, bundle, facts)
    return "; ".join(problems) or None


def _collect_containerized(
    ctx: Any, bundle: Bundle, master: dict[str, Any], masters: list[dict[str, Any]]
) -> str | None:
    """nginx in a container: read its config and logs through /proc/<pid>/root (root
    needed). `nginx -t` is not run: it would need `docker exec`, a write to the API."""
    problems: list[str] = []
    root = f"/proc/{master['pid']}/root"
    conf = master.get("conf") or "/etc/nginx/nginx.conf"
    prefix = master.get("prefix") or "/etc/nginx"
    if not os.access(root + conf, os.R_OK):
        problems.append(
            f"cannot read {conf} inside the nginx container (pid {master['pid']}) (needs root)"
        )
    dump = read_config_files(Path(conf), Path(prefix), root=root)
    bundle.put_text("nginx/config.txt", dump)
    bundle.put_json(
        "nginx/test.json",
        {
            "ok": None,
            "output": "",
            "ran": False,
            "inconclusive": "nginx runs in a container; `nginx -t` would need docker exec",
        },
    )
    facts = facts_from_dump(dump, prefix)
    if not facts.error_logs:
        facts.error_logs.append("/var/log/nginx/error.log")
    if not facts.access_logs:
        facts.access_logs.append("/var/log/nginx/access.log")
    if not facts.temp_paths:
        facts.temp_paths["proxy_temp_path"] = ["/var/cache/nginx/proxy_temp"]
        facts.temp_paths["client_body_temp_path"] = ["/var/cache/nginx/client_temp"]
    # make every path host-visible; streams stay as they are (the docker collector
    # splits them out of the container's log)
    facts.error_logs = [_host_path(root, p) for p in facts.error_logs]
    facts.access_logs = [_host_path(root, p) for p in facts.access_logs]
    facts.temp_paths = {k: [root + p for p in v] for k, v in facts.temp_paths.items()}
    ctx.nginx_config_text = dump
    ctx.nginx_facts = facts
    process = {
        "running": True,
        "pids": [master["pid"]],
        "workers": master.get("workers", []),
        "conf": conf,
        "binary": master.get("binary"),
        "prefix": prefix,
        "container_pid": master["pid"],
        "root": root,
        "masters": masters,
    }
    ctx.nginx_process = process
    bundle.put_json("nginx/process.json", process)
    problems += _collect_logs(ctx, bundle, facts)
    return "; ".join(problems) or None


def _host_path(root: str, path: str) -> str:
    target = stream_target(root + path)
    if target is not None:
        return f"stream:{target}"
    return root + path


def _collect_logs(ctx: Any, bundle: Bundle, facts: NginxFacts) -> list[str]:
    opts = ctx.opts
    wanted: list[tuple[str, str]] = []
    seen: set[str] = set()
    for kind, paths in (
        ("error", [*facts.error_logs, *map(str, opts.error_logs)]),
        ("access", [*facts.access_logs, *map(str, opts.access_logs)]),
    ):
        for p in paths:
            key = p if p.startswith(("stream:", "/proc/")) else os.path.realpath(p)
            if key in seen:
                continue
            seen.add(key)
            wanted.append((kind, p))
    entries: list[dict[str, Any]] = []
    problems: list[str] = []
    process = getattr(ctx, "nginx_process", None)
    container_root = process.get("root") if isinstance(process, dict) else None
    for n, (kind, path) in enumerate(wanted):
        stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", Path(path).name)[:60] or "log"
        member = f"nginx/logs/{n}-{stem.removesuffix('.log')}.{kind}.log"
        entry: dict[str, Any] = {
            "kind": kind,
            "path": path,
            "file": None,
            "bytes_total": 0,
            "bytes_read": 0,
            "status": "ok",
            "error": None,
        }
        if path.startswith("stream:") or stream_target(path):
            # the container's stdout/stderr: the docker collector fills this in
            entry.update(status="container-stream", error=None)
            entries.append(entry)
            continue
        try:
            tail = logtail.tail_window(path, ctx.since_epoch, root=container_root)
        except FileNotFoundError:
            entry.update(status="missing", error="no such file")
        except PermissionError:
            entry.update(status="unreadable", error="permission denied")
            problems.append(f"cannot read {path}: permission denied")
        except OSError as exc:
            entry.update(status="unreadable", error=str(exc.strerror or exc))
            problems.append(f"cannot read {path}: {exc.strerror or exc}")
        else:
            bundle.put_bytes(member, tail.data)
            entry.update(
                file=member,
                bytes_total=tail.bytes_total,
                bytes_read=tail.bytes_read,
                status="truncated" if tail.truncated else "ok",
            )
        entries.append(entry)
    bundle.put_json("nginx/logs.json", entries)
    ctx.nginx_logs = entries
    return problems
