"""Probe results: names nginx proxies to that do not resolve, and 5xx through nginx that no
log line explains (the error log may sit on a full disk, or log at another level)."""

from __future__ import annotations

from infradoctor.diagnose.analyzers.base import Diagnosis, make
from infradoctor.diagnose.analyzers.facts import Facts
from infradoctor.diagnose.evidence import Bundle


def analyze(bundle: Bundle, f: Facts) -> list[Diagnosis]:
    out: list[Diagnosis] = []
    dns = f.json("probes/dns.json", {}) or {}
    proxied = f.proxied_names()
    for name, result in dns.items() if isinstance(dns, dict) else []:
        if not isinstance(result, dict) or not result.get("error") or result.get("addresses"):
            continue
        if proxied and name.lower() not in proxied:
            continue
        c = f.container_by_name(name)
        subject: dict[str, str | None] = {"upstream": name}
        if c is not None:
            subject.update(c.subject())
        d = make(
            "dns-unresolvable",
            "error" if f.errors.failures or c else "warning",
            0.7,
            f"the upstream name {name} does not resolve: {result.get('error')}"
            + (f" ({c.name} is {c.status})" if c else ""),
            subject,
        )
        d.add_evidence("probes/dns.json", None, f"{name}: {result.get('error')}")
        out.append(d)
    probes = f.json("probes/http.json", []) or []
    probes = probes if isinstance(probes, list) else []
    failing = [
        p
        for p in probes
        if isinstance(p, dict) and p.get("via") == "nginx" and p.get("status") in (502, 503, 504)
    ]
    if failing and not f.errors.failures:
        p = failing[0]
        d = make(
            "upstream-refused",
            "warning",
            0.3,
            f"nginx answers {p.get('status')} for {p.get('url')} but its error log shows "
            f"no upstream error in the window (log not collected, on a full disk, or "
            f"error_log level above 'error')",
            {"upstream": str(p.get("name"))},
        )
        for q in failing[:3]:
            d.add_evidence(
                "probes/http.json",
                None,
                f"{q.get('url')} via nginx -> {q.get('status')} {q.get('error') or ''}",
            )
        out.append(d)
    return out
