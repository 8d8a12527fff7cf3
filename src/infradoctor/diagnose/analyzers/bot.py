"""Telegram bot conflicts: a 409 "terminated by other getUpdates request" (or the
webhook variant) in a container log, or two running containers with one bot token."""

from __future__ import annotations

import re

from infradoctor.diagnose.analyzers.base import Diagnosis, make
from infradoctor.diagnose.analyzers.facts import Container, Facts
from infradoctor.diagnose.evidence import Bundle

CONFLICT = re.compile(
    r"terminated by other getUpdates request|can't use getUpdates method while webhook is "
    r"active|Conflict: terminated by other|TelegramConflictError|409.{0,40}Conflict",
    re.IGNORECASE,
)


def analyze(bundle: Bundle, f: Facts) -> list[Diagnosis]:
    hits: dict[str, list[tuple[int, str]]] = {}
    for c in f.containers:
        if not c.log_path:
            continue
        for i, ln in enumerate((bundle.read_text(c.log_path) or "").splitlines(), 1):
            if CONFLICT.search(ln):
                hits.setdefault(c.name, []).append((i, ln))
    by_token: dict[str, list[Container]] = {}
    for c in f.containers:
        if c.running and c.bot_token_hash:
            by_token.setdefault(c.bot_token_hash, []).append(c)
    out: list[Diagnosis] = []
    done: set[str] = set()
    for token, group in by_token.items():
        if len(group) < 2:
            continue
        group.sort(key=lambda c: c.name)
        names = [c.name for c in group]
        logged = [n for n in names if n in hits]
        summary = (
            f"{len(group)} running containers poll Telegram with the same bot token "
            f"({', '.join(names)})"
        )
        if logged:
            counts = ", ".join(f"{n} x{len(hits[n])}" for n in logged)
            summary += f"; their logs show the 409 Conflict ({counts})"
        first = next((c for c in group if c.name in hits), group[0])
        subject = first.subject()
        subject["containers"] = ", ".join(names)
        d = make(
            "bot-conflict",
            "error",
            0.95 if logged else 0.8,
            summary,
            subject,
            plan=[f"docker stop {' '.join(names[1:])}  (keep one poller: {names[0]})"],
        )
        for c in group:
            d.add_evidence("docker/containers.json", None, f"{c.name}: running, bot token {token}")
            for i, ln in hits.get(c.name, [])[:2]:
                d.add_evidence(c.log_path or "", i, ln)
        done.update(names)
        out.append(d)
    for name, lines in hits.items():
        if name in done:
            continue
        owner = f.container(name)
        subject = owner.subject() if owner else {"container": name}
        webhook = any("webhook" in ln.lower() for _, ln in lines)
        summary = f"{name} logs Telegram 409 Conflict {len(lines)} times: " + (
            "a webhook is set on the token while it polls"
            if webhook
            else "another process polls getUpdates with the same token"
        )
        plan = (
            ["curl -s https://api.telegram.org/bot<TOKEN>/getWebhookInfo  (webhook set?)"]
            if webhook
            else []
        )
        d = make("bot-conflict", "error", 0.85, summary, subject, plan=plan)
        for i, ln in lines[:3]:
            d.add_evidence(owner.log_path if owner and owner.log_path else name, i, ln)
        out.append(d)
    return out
