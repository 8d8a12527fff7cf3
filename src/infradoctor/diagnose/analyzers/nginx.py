"""nginx itself: does the config pass `nginx -t`, is a master process running."""

from __future__ import annotations

import re
from typing import Any

from infradoctor.diagnose.analyzers.base import Diagnosis, make
from infradoctor.diagnose.analyzers.facts import Facts
from infradoctor.diagnose.evidence import Bundle

_WHERE = re.compile(r" in (\S+):(\d+)\s*$")


def analyze(bundle: Bundle, f: Facts) -> list[Diagnosis]:
    out: list[Diagnosis] = []
    test = bundle.read_json("nginx/test.json")
    if isinstance(test, dict) and test.get("ok") is False:
        output = str(test.get("output") or "")
        bad = [
            ln for ln in output.splitlines() if "[emerg]" in ln or "[alert]" in ln or "failed" in ln
        ] or output.splitlines()[:3]
        first = bad[0] if bad else "nginx -t failed"
        m = _WHERE.search(first)
        plan = (
            [
                f"open {m.group(1)} at line {m.group(2)} and fix the directive named in: "
                f"{first.strip()}"
            ]
            if m
            else []
        )
        d = make(
            "nginx-config-invalid",
            "error",
            0.95,
            f"`nginx -t` fails: {first.strip()}",
            {"upstream": None},
            plan=plan,
        )
        for ln in bad[:4]:
            d.add_evidence("nginx/test.json", None, ln.strip())
        out.append(d)
    proc = bundle.read_json("nginx/process.json")
    if isinstance(proc, dict) and proc.get("running") is False:
        compose_nginx = _compose_nginx_services(f.stack)
        nginx_containers = [
            c
            for c in f.containers
            if "nginx" in c.image.lower()
            or "nginx" in c.name.lower()
            or (c.project, c.service) in compose_nginx
        ]
        # nginx declared in the compose project and Docker not readable: no master process
        # on this host says nothing (it runs in a container we cannot see)
        unseen = bool(compose_nginx) and not f.docker_reachable
        if not any(c.running for c in nginx_containers) and not unseen:
            subject: dict[str, str | None] = {}
            if nginx_containers:
                subject.update(nginx_containers[0].subject())
            d = make(
                "nginx-down",
                "error",
                0.9,
                "no nginx master process is running"
                + (
                    f"; container {nginx_containers[0].name} is {nginx_containers[0].status}"
                    if nginx_containers
                    else ""
                ),
                subject,
            )
            d.add_evidence(
                "nginx/process.json",
                None,
                f"running=false conf={proc.get('conf')} binary={proc.get('binary')}",
            )
            out.append(d)
    return out


def _compose_nginx_services(stack: Any) -> set[tuple[str | None, str | None]]:
    """(project, service) of the compose services that run nginx (by image or name)."""
    out: set[tuple[str | None, str | None]] = set()
    for project in getattr(stack, "projects", None) or []:
        for name, svc in (getattr(project, "services", None) or {}).items():
            image = str(getattr(svc, "image", "") or "").lower()
            if "nginx" in image or "openresty" in image or "nginx" in str(name).lower():
                out.add((getattr(project, "name", None), str(name)))
    return out
