"""PRF007: a secret variable's interpolation default is a weak, well-known value."""

from __future__ import annotations

import re
from collections.abc import Iterator

from infradoctor.findings import Finding, Severity
from infradoctor.lazyre import lazy
from infradoctor.model.stack import Stack
from infradoctor.redact import is_secret_name
from infradoctor.rules.base import Example, Rule
from infradoctor.rules.profiles._profiles import (
    PROD_PROFILES,
    prod_profiles,
    runs_in,
    var_refs,
)

WEAK = frozenset(
    {
        "password", "passwd", "pass", "secret", "changeme", "change-me", "change_me",
        "changeit", "admin", "root", "postgres", "mysql", "redis", "guest", "test", "example",
        "default", "123456", "12345678", "password123", "qwerty", "letmein", "minio",
        "minioadmin", "minio123", "user", "demo", "dev", "devpassword", "secret123",
        "supersecret", "keycloak", "rabbitmq", "mongo", "elastic", "grafana", "app",
    }
)  # fmt: skip
_SECRETISH = lazy(r"(PASSWORD|PASSWD|SECRET|_KEY$|^KEY$|TOKEN|_PASS$|^PASS$)", re.I)


class WeakDefaultSecret(Rule):
    code = "PRF007"
    name = "weak-default-secret"
    title = "Weak default for a secret in `${VAR:-default}` where a production profile runs"
    severity = Severity.WARNING
    category = "security"
    why = (
        "`${DB_PASSWORD:-postgres}` starts fine when the variable is missing, which is exactly "
        "the problem: a production host whose env file lacks DB_PASSWORD silently runs with "
        "the password every scanner tries first. Production runbooks ask for strong secrets; "
        "a default makes forgetting them invisible.\n\n"
        "Reported in projects with a profile named prod, production, stage or staging "
        "(option `prod-profiles`) for variables used by services that run there, when the "
        "variable name looks secret and the default is a well-known value (postgres, "
        "changeme, admin, secret, 123456, minioadmin, ...) or shorter than 8 characters."
    )
    how_to_fix = (
        "Require the secret instead: `${DB_PASSWORD:?set DB_PASSWORD}` (compose refuses to "
        "start without it), and keep development values in the dev `.env`."
    )
    options = {"prod-profiles": list(PROD_PROFILES)}
    examples = (
        Example(
            bad={
                "compose.yaml": (
                    "services:\n  db:\n    image: postgres:16\n    environment:\n"
                    "      POSTGRES_PASSWORD: ${DB_PASSWORD:-postgres}\n"
                    "  backup:\n    image: ghcr.io/acme/backup:1.0\n    profiles: [prod]\n"
                ),
            },
            good={
                "compose.yaml": (
                    "services:\n  db:\n    image: postgres:16\n    environment:\n"
                    "      POSTGRES_PASSWORD: ${DB_PASSWORD:?set DB_PASSWORD}\n"
                    "      POSTGRES_USER: ${DB_USER:-postgres}\n"
                    "  backup:\n    image: ghcr.io/acme/backup:1.0\n    profiles: [prod]\n"
                ),
            },
            description="Without DB_PASSWORD in prod's env, Postgres runs with `postgres`.",
        ),
    )

    def check(self, stack: Stack) -> Iterator[Finding]:
        names = self.opts.get("prod-profiles") or PROD_PROFILES
        for project in stack.projects:
            profiles = prod_profiles(stack, project, names)
            if not profiles:
                continue
            for ref in var_refs(stack, project):
                if not ref.has_default or not (
                    _SECRETISH.search(ref.name) or is_secret_name(ref.name)
                ):
                    continue
                default = ref.word.strip().strip("'\"")
                if "$" in default or not default:
                    continue
                if default.lower() not in WEAK and len(default) >= 8:
                    continue
                svc = project.services.get(ref.service) if ref.service else None
                runs = [p for p in profiles if svc is None or runs_in(svc, p)]
                if not runs:
                    continue
                yield self.finding(
                    ref.location,
                    f"${{{ref.name}:-...}} falls back to a weak well-known value where "
                    f"profile {runs[0]} runs: a host without {ref.name} starts with it "
                    f"(use ${{{ref.name}:?}})",
                    subject=ref.name,
                    profile=runs[0],
                )
