"""nginx error.log, step 2 of 3: classify one parsed line (kind, reference id, status).

The classification follows shared/reference/nginx-upstream-errors.md: match on the errno
*number* (the strerror text differs between glibc and musl) and on the phase (`while
<action>`). Every class carries the reference id (C1, H2, F2, ...) and the status the
client got. Parsing is errorparse.py, grouping and counting errorlog.py."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from infradoctor.diagnose.errorline import parse_peer

if TYPE_CHECKING:
    from infradoctor.diagnose.errorline import ErrorLine

_RESOLVE_NAME = re.compile(r"^(\S+) could not be resolved \((\d+): ([^)]*)\)")


_HOST_NOT_FOUND = re.compile(r'host not found in upstream "([^"]+)"')


_NO_RESOLVER = re.compile(r"no resolver defined to resolve (\S+)")


_FILE_PATH = re.compile(r'(?:open|pwritev?|write|mkdir)\(\) "([^"]+)" failed')


_TEMP_FILE = re.compile(r"buffered to a temporary file (\S+)")


def classify(line: ErrorLine) -> None:  # noqa: C901 - one branch per error.log message family
    """Set kind, ref (reference table id) and status from message, errno and phase."""
    msg = line.message
    err = line.errno
    action = line.action or ""
    unix = (line.upstream or "").find("unix:") != -1 or "to unix:" in msg

    def set_(kind: str, ref: str | None, status: int | None) -> None:
        line.kind, line.ref, line.status = kind, ref, status

    if "upstream timed out" in msg or (err == 110 and "could not be resolved" not in msg):
        if "connecting" in action:
            set_("timeout", "C3", 504)
        elif "SSL handshaking" in action:
            set_("timeout", "T5", 504)
        elif "sending request" in action:
            set_("timeout", "S1", 504)
        elif "reading response header" in action:
            set_("timeout", "H1", 504)
        elif action == "reading upstream":
            set_("timeout", "B2", None)
        else:
            set_("timeout", None, 504)
        return
    if "could not be resolved" in msg:
        rm = _RESOLVE_NAME.match(msg)
        line.name = rm.group(1) if rm else msg.split(" ", 1)[0]
        ref = {3: "D1", 110: "D2"}.get(err or 0, "D3")
        set_("dns", ref, 502)
        return
    if "host not found in upstream" in msg:
        hm = _HOST_NOT_FOUND.search(msg)
        line.name = hm.group(1) if hm else None
        set_("host-not-found", "D6", None)
        return
    if "no resolver defined" in msg:
        nm = _NO_RESOLVER.search(msg)
        line.name = nm.group(1) if nm else None
        set_("no-resolver", "D4", 502)
        return
    if "while resolving" in msg or action.startswith("resolving"):
        set_("dns", "D5", None)
        return
    if msg.startswith("no port in upstream"):
        set_("no-port", "D7", 500)
        return
    if msg.startswith("no live upstreams"):
        peer = parse_peer(line.upstream) if line.upstream else None
        line.name = peer.host if peer else None
        set_("no-live-upstreams", "C8", 502)
        return
    if "upstream server temporarily disabled" in msg:
        set_("disabled", "C9", None)
        return
    if err == 28:
        fm = _FILE_PATH.search(msg)
        line.path = fm.group(1) if fm else None
        status = 500 if line.path and "client" in line.path else None
        set_("disk-full", "F5" if status == 500 else ("F2" if line.path else "F6"), status)
        return
    if err == 24:
        set_(
            "fd-exhausted",
            "C10" if "socket()" in msg else "accept",
            500 if "socket()" in msg else None,
        )
        return
    if "worker_connections are not enough" in msg:
        set_("worker-connections", "C11", 500)
        return
    if msg.startswith(("client prematurely closed", "client closed")):
        set_("client-closed", None, 499)
        return
    if "upstream prematurely closed connection" in msg:
        set_(
            "closed",
            "B1" if action == "reading upstream" else "H2",
            None if action == "reading upstream" else 502,
        )
        return
    if "client prematurely closed" in msg or "client closed" in msg:
        set_("client-closed", None, 499)
        return
    if "too big header" in msg:
        set_("too-big-header", "H4", 502)
        return
    if "SSL" in msg and ("upstream" in action or "upstream" in msg):
        set_(
            "ssl",
            "T1"
            if "wrong version number" in msg
            else (
                "T2"
                if "peer closed connection in SSL handshake" in msg
                else ("T3" if "verify error" in msg else ("T4" if "does not match" in msg else "T"))
            ),
            502,
        )
        return
    if err == 111:
        set_("socket-missing" if unix else "refused", "C1", 502)
        return
    if err == 2 and ("connect()" in msg or unix):
        set_("socket-missing", "C4", 502)
        return
    if err in (113, 101):
        set_("unreachable", "C2", 502)
        return
    if err in (104, 32):
        if action == "reading upstream":
            set_("reset", "B3", None)
        elif "sending request" in action:
            set_("reset", "S2", 502)
        elif "upstream" in action:
            set_("reset", "H3", 502)
        else:
            set_("client-closed" if "client" in action else "reset", None, None)
        return
    if err == 13:
        fm = _FILE_PATH.search(msg)
        line.path = fm.group(1) if fm else None
        set_("permission", "F3" if line.path else "C5", 502)
        return
    if err == 30:
        fm = _FILE_PATH.search(msg)
        line.path = fm.group(1) if fm else None
        set_("readonly", "F3", None)
        return
    if err == 11 and unix:
        set_("backlog", "C6", 502)
        return
    if err == 99:
        set_("ephemeral-ports", "C7", 502)
        return
    if msg.startswith("upstream sent") and (
        "invalid" in msg or "no valid" in msg or "Transfer-Encoding" in msg
    ):
        ref = (
            "H7"
            if "no valid" in msg
            else ("B4" if "chunked" in msg else ("H6" if "Transfer-Encoding" in msg else "H5"))
        )
        set_("invalid-header", ref, 200 if ref == "H7" else (None if ref == "B4" else 502))
        return
    if "buffered to a temporary file" in msg:
        tm = _TEMP_FILE.search(msg)
        line.path = tm.group(1) if tm else None
        set_("buffered", "F4" if "client request body" in msg else "F1", None)
        return
    if msg.startswith("limiting requests"):
        set_("limit-req", None, 503)
        return
    if msg.startswith("limiting connections"):
        set_("limit-conn", None, 503)
        return
    if "client intended to send too large body" in msg:
        set_("body-too-large", None, 413)
        return
    if "FastCGI sent in stderr" in msg:
        set_("fastcgi-stderr", None, None)
        return
    set_("other", None, None)
