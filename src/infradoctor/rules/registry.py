"""The domain rules. Each domain package (rules/<domain>/__init__.py) lists its rule
classes in `RULES`; this module collects and validates them. Lookup and selection live
in `infradoctor.catalogue`."""

from __future__ import annotations

import importlib
from functools import cache

from infradoctor.lazyre import lazy
from infradoctor.rules.base import CATEGORIES, Rule

DOMAINS = (
    "cross",
    "compose",
    "nginx",
    "dockerfile",
    "security",
    "kubernetes",
    "profiles",
    "policy",
)

CODE_RE = lazy(r"^(?:[A-Z]{2,3}|K8S)\d{3}$")  # K8S: the Kubernetes rules
NAME_RE = lazy(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")


@cache
def all_rules() -> tuple[type[Rule], ...]:
    rules: list[type[Rule]] = []
    for domain in DOMAINS:
        try:
            mod = importlib.import_module(f"infradoctor.rules.{domain}")
        except ModuleNotFoundError as exc:
            if exc.name == f"infradoctor.rules.{domain}":
                continue
            raise
        rules.extend(getattr(mod, "RULES", ()))
    validate(rules)
    return tuple(sorted(rules, key=lambda r: r.code))


def validate(rules: list[type[Rule]]) -> None:
    seen_codes: set[str] = set()
    seen_names: set[str] = set()
    for r in rules:
        if not CODE_RE.match(r.code):
            raise ValueError(f"rule code {r.code!r} is not 2-3 capitals (or K8S) + 3 digits")
        if not NAME_RE.match(r.name):
            raise ValueError(f"rule name {r.name!r} is not kebab-case")
        if r.code in seen_codes or r.name in seen_names:
            raise ValueError(f"duplicate rule {r.code} {r.name}")
        if r.category not in CATEGORIES:
            raise ValueError(f"{r.code}: unknown category {r.category!r}")
        for attr in ("title", "why", "how_to_fix"):
            if not getattr(r, attr, "").strip():
                raise ValueError(f"{r.code}: missing {attr}")
        seen_codes.add(r.code)
        seen_names.add(r.name)


def by_code() -> dict[str, type[Rule]]:
    return {r.code: r for r in all_rules()}
