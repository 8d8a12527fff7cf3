"""Small corrections the Docker diagnosis applies around the analyzers (kept out of the
analyzers and reporters so each stays a pure function of its input):

- `strip_probe_lines`: infradoctor's own probe requests (User-Agent `infradoctor-probe`,
  sent through nginx by earlier runs) are not outage impact;
- `advise`: a raw collector error ("GET /version: FileNotFoundError: ...") becomes what to
  do about it;
- `unread_layers` / `lower_confidence`: what could not be read lowers the confidence of
  every diagnosis and is said in the report;
- `nginx_http_port` / `use_listen_port`: verification commands use the port nginx really
  listens on (and the host port a containerized nginx publishes it on)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, TextIO

from infradoctor.diagnose.analyzers.base import Diagnosis
from infradoctor.diagnose.evidence import Bundle

PROBE_AGENT = "infradoctor-probe"
_PROBE_LINE = re.compile(r'(?m)^[^\n]*"infradoctor-probe[^"\n]*"[^\n]*(?:\n|$)')
_PROBE_JSON = re.compile(r"(?m)^\{[^\n]*infradoctor-probe[^\n]*(?:\n|$)")
LAYER_PENALTY = 0.05
MAX_PENALTY = 0.15


def strip_probe_lines(text: str) -> tuple[str, int]:
    """(access log text without infradoctor's probe requests, how many were dropped).
    One substring scan when there are none."""
    if PROBE_AGENT not in text:
        return text, 0
    text, n = _PROBE_LINE.subn("", text)
    text, m = _PROBE_JSON.subn("", text)
    return text, n + m


def advise(name: str, error: str | None, docker_host: str | None = None) -> str | None:
    """A collector's raw error -> the advice a user can act on (None stays None)."""
    if not error:
        return error
    low = error.lower()
    sock = (docker_host or "unix:///var/run/docker.sock").removeprefix("unix://")
    if name == "docker" or "docker" in low or "/version" in low or "/containers" in low:
        if "filenotfounderror" in low or "no such file" in low:
            return (
                f"Docker socket not found at {sock}: is Docker running? set DOCKER_HOST "
                f"(or --docker-host) if it listens elsewhere ({error})"
            )
        if "permissionerror" in low or "permission denied" in low:
            return (
                f"no permission to read the Docker socket {sock}: run as root or as a member of "
                f"the docker group (infradoctor only reads) ({error})"
            )
        if "connectionrefused" in low or "connection refused" in low:
            return f"Docker does not answer on {sock}: is dockerd running? ({error})"
        if "timed out" in low or "timeout" in low:
            return f"Docker did not answer in time on {sock}: raise --timeout ({error})"
    if name == "nginx" and ("filenotfounderror" in low or "no such file" in low):
        return f"nginx or its config was not found: pass --nginx-conf / --error-log ({error})"
    if "permission denied" in low or "permissionerror" in low:
        return f"permission denied: run as root or a user that can read it ({error})"
    return error


def unread_layers(bundle: Bundle, docker_reachable: bool | None) -> list[str]:
    """The layers a diagnosis could not cross-check."""
    layers: list[str] = []
    if not bundle.has("nginx/config.txt") and bundle.has("nginx/process.json"):
        layers.append("nginx configuration")
    logs = bundle.read_json("nginx/logs.json", None)
    if isinstance(logs, list):
        errors = [e for e in logs if isinstance(e, dict) and e.get("kind") == "error"]
        if not any(e.get("status") in ("ok", "truncated", None) for e in errors):
            layers.append("nginx error log")
    if docker_reachable is False:
        layers.append("Docker engine")
    return layers


def lower_confidence(diagnoses: list[Diagnosis], layers: list[str]) -> str | None:
    """Lower every confidence for the layers that could not be read; the note to report."""
    if not layers or not diagnoses:
        return None
    penalty = min(MAX_PENALTY, LAYER_PENALTY * len(layers))
    for d in diagnoses:
        d.confidence = round(max(0.1, d.confidence - penalty), 2)
    return (
        f"confidence lowered by {penalty:.0%}: could not read {', '.join(layers)} "
        "(the diagnoses could not be cross-checked against them)"
    )


def nginx_http_port(bundle: Bundle, containers: list[Any] | None = None) -> int | None:
    """The plain-HTTP port nginx listens on, as reachable from this host: a listen
    directive of nginx/config.txt, mapped to its published host port when nginx runs in a
    container that publishes it."""
    from infradoctor.syntax.nginxdump import facts_from_dump, listen_target

    text = bundle.read_text("nginx/config.txt")
    if not text:
        return None
    try:
        nf = facts_from_dump(text)
    except Exception:  # noqa: BLE001 - a nicety: keep the default port
        return None
    ports: list[int] = []
    for srv in nf.servers:
        for listen in srv.listens:
            lt = listen_target(listen)
            if lt is not None and not lt[2]:
                ports.append(lt[1])
    if not ports:
        return None
    port = ports[0]
    for c in containers or []:
        raw = getattr(c, "raw", None)
        if not isinstance(raw, dict) or not getattr(c, "running", False):
            continue
        image = str((raw.get("Config") or {}).get("Image") or "")
        if "nginx" not in image.lower() and "nginx" not in str(getattr(c, "name", "")).lower():
            continue
        bindings = (raw.get("HostConfig") or {}).get("PortBindings") or {}
        for binding in bindings.get(f"{port}/tcp") or []:
            host_port = str((binding or {}).get("HostPort") or "")
            if host_port.isdigit():
                return int(host_port)
    return port


def use_listen_port(diagnoses: list[Diagnosis], port: int | None) -> None:
    """`http://127.0.0.1/` in plans and verification -> the port nginx listens on."""
    if port is None or port == 80:
        return
    for d in diagnoses:
        d.verify = [s.replace("http://127.0.0.1/", f"http://127.0.0.1:{port}/") for s in d.verify]
        d.plan = [s.replace("http://127.0.0.1/", f"http://127.0.0.1:{port}/") for s in d.plan]


def progress_printer(stream: TextIO) -> Callable[[str], None] | None:
    """A one-line progress display on a TTY (None otherwise); "" clears the line."""
    if not stream.isatty():
        return None

    def show(text: str) -> None:
        stream.write("\r\033[K" + text[:120])
        if not text:
            stream.write("\r\033[K")
        stream.flush()

    return show
