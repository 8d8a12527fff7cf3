"""A stand-in `kubectl` for the live-mode tests: serves a recording directory (contract (b)
of docs/diagnose.md) the way kubectl prints it, honours the flags infradoctor uses and
appends its argv to a file so tests can assert that only read-only verbs were called."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

SCRIPT = r"""
import json, os, sys
from pathlib import Path

argv = sys.argv[1:]
with open(os.environ["FAKE_KUBECTL_ARGV"], "a") as fh:
    fh.write(json.dumps(argv) + "\n")
root = Path(os.environ["FAKE_KUBECTL_DIR"])
args, flags = [], {}
i = 0
while i < len(argv):
    a = argv[i]
    if a.startswith("--") and "=" in a:
        k, v = a[2:].split("=", 1)
        flags[{"namespace": "n", "container": "c", "selector": "l", "output": "o"}.get(k, k)] = v
    elif a in ("-n", "--namespace", "-c", "--container", "-l", "--selector", "-o", "--output", "--context"):
        key = a.lstrip("-")
        flags[{"namespace": "n", "container": "c", "selector": "l", "output": "o"}.get(key, key)] = argv[i + 1]
        i += 1
    elif a in ("-A", "--all-namespaces", "--previous"):
        flags[a.lstrip("-")] = True
    elif a.startswith("--tail"):
        pass
    else:
        args.append(a)
    i += 1
if os.environ.get("FAKE_KUBECTL_DOWN"):
    sys.stderr.write('E1206 21:40:00.000000 1 memcache.go:265] couldn\'t get current server API group list: Get "https://127.0.0.1:6443/api?timeout=10s": dial tcp 127.0.0.1:6443: connect: connection refused\n')
    sys.stderr.write("The connection to the server 127.0.0.1:6443 was refused - did you specify the right host or port?\n")
    sys.exit(1)
verb = args[0] if args else ""
slow = os.environ.get("FAKE_KUBECTL_SLOW")  # "<resource>:<seconds>"
if slow and verb == "get" and args[1:2] == [slow.split(":")[0]]:
    import time
    time.sleep(float(slow.split(":")[1]))
if verb == "config" and args[1:] == ["current-context"]:
    print("recorded")
    sys.exit(0)
if verb == "version":
    print(json.dumps({"clientVersion": {"gitVersion": "v1.30.6"}, "serverVersion": {"gitVersion": "v1.30.6+k3s1"}}))
    sys.exit(0)
if verb == "get" and len(args) == 2:
    resource = args[1]
    if resource in os.environ.get("FAKE_KUBECTL_FORBID", "").split(","):
        sys.stderr.write(
            f'Error from server (Forbidden): {resource} is forbidden: User "viewer" cannot list '
            f'resource "{resource}" in API group "" at the cluster scope\n'
        )
        sys.exit(1)
    path = root / f"{resource}.json"
    if not path.is_file():
        sys.stderr.write(f'error: the server doesn\'t have a resource type "{resource}"\n')
        sys.exit(1)
    doc = json.loads(path.read_text())
    ns = flags.get("n")
    sel = flags.get("l")
    items = doc.get("items", [])
    if ns and not flags.get("A") and resource != "nodes":
        items = [x for x in items if x.get("metadata", {}).get("namespace") == ns]
    if sel:
        want = dict(kv.split("=", 1) for kv in sel.split(","))
        items = [x for x in items if all(x.get("metadata", {}).get("labels", {}).get(k) == v for k, v in want.items())]
    doc["items"] = items
    if str(flags.get("o", "")).startswith("jsonpath=") and resource == "pods":
        # the one jsonpath scripts/record-k8s.sh uses: namespace, name, container names
        for x in items:
            names = " ".join(c["name"] for c in x["spec"]["containers"])
            print(f'{x["metadata"]["namespace"]} {x["metadata"]["name"]} {names}')
        sys.exit(0)
    print(json.dumps(doc, indent=4))
    sys.exit(0)
if verb == "logs" and len(args) == 2:
    ns = flags.get("n")
    container = flags.get("c")
    suffix = ".previous.log" if flags.get("previous") else ".log"
    path = root / "logs" / ns / args[1] / f"{container}{suffix}"
    if not path.is_file():
        what = "previous terminated container" if flags.get("previous") else "container"
        sys.stderr.write(f'Error from server (BadRequest): {what} "{container}" in pod "{args[1]}" not found\n')
        sys.exit(1)
    sys.stdout.write(path.read_text())
    sys.exit(0)
sys.stderr.write(f"fake kubectl: unsupported {argv}\n")
sys.exit(3)
"""


def install(bin_dir: Path) -> Path:
    """Write `kubectl` into bin_dir (run by this interpreter) and return its path."""
    bin_dir.mkdir(parents=True, exist_ok=True)
    path = bin_dir / "kubectl"
    path.write_text(f"#!{sys.executable}\n{SCRIPT}")
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path


def env_for(bin_dir: Path, recording: Path, argv_log: Path) -> dict[str, str]:
    return {
        "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
        "FAKE_KUBECTL_DIR": str(recording),
        "FAKE_KUBECTL_ARGV": str(argv_log),
    }
