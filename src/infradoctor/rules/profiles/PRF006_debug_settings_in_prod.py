"""PRF006: debug settings in the environment of a service that runs in a prod profile."""

from __future__ import annotations

import re
from collections.abc import Iterator

from infradoctor.findings import Finding, Severity
from infradoctor.lazyre import lazy
from infradoctor.model.stack import Stack
from infradoctor.rules.base import Example, Rule
from infradoctor.rules.compose._util import service_subject
from infradoctor.rules.profiles._profiles import PROD_PROFILES, prod_profiles, services_in

TRUE = {"1", "true", "yes", "on"}
# variable -> predicate on the lower-cased value, and what it means
CHECKS: tuple[tuple[re.Pattern[str], object, str], ...] = (
    (lazy(r"^(APP_DEBUG|DEBUG|FLASK_DEBUG|DJANGO_DEBUG|RAILS_DEBUG)$"), TRUE, "debug mode"),
    (lazy(r"^NODE_ENV$"), {"development", "dev"}, "development mode"),
    (
        lazy(r"^(APP_ENV|RAILS_ENV|FLASK_ENV|ENVIRONMENT|ENV)$"),
        {"development", "dev", "local"},
        "development mode",
    ),
    (
        lazy(r"^SPRING_PROFILES_ACTIVE$"),
        {"dev", "local", "development"},
        "the dev Spring profile",
    ),
    (
        lazy(r"^(LOG_LEVEL|LOGLEVEL|LOGGING_LEVEL_ROOT|APP_LOG_LEVEL)$"),
        {"debug", "trace"},
        "debug logging",
    ),
)


class DebugSettingsInProd(Rule):
    code = "PRF006"
    name = "debug-settings-in-prod"
    title = "Debug settings in a service that runs in a production profile"
    severity = Severity.WARNING
    category = "security"
    why = (
        "`DEBUG=true`, `FLASK_DEBUG=1`, `NODE_ENV=development`, `SPRING_PROFILES_ACTIVE=dev` "
        "or `LOG_LEVEL=DEBUG` in a service that the prod or stage profile starts turns on "
        "interactive debuggers and stack traces in responses (Werkzeug's console is remote "
        "code execution), disables template caching and production optimisations, and "
        "writes every request body (tokens, personal data) into logs that fill the disk.\n\n"
        "Checked for services that run under profiles named prod, production, stage or "
        "staging (option `prod-profiles`); services only in dev profiles are not checked."
    )
    how_to_fix = (
        "Set the variable per environment: keep the debug value in the dev profile's "
        "service or env file and give production `DEBUG=false`, `NODE_ENV=production`, "
        "`LOG_LEVEL=WARN` (e.g. `LOG_LEVEL: ${LOG_LEVEL:-WARN}` with the dev value in `.env`)."
    )
    options = {"prod-profiles": list(PROD_PROFILES)}
    examples = (
        Example(
            bad={
                "compose.yaml": (
                    "services:\n  api:\n    image: ghcr.io/acme/api:1.2\n    environment:\n"
                    '      FLASK_DEBUG: "1"\n      LOG_LEVEL: DEBUG\n'
                    "  monitor:\n    image: ghcr.io/acme/monitor:1.0\n    profiles: [prod]\n"
                ),
            },
            good={
                "compose.yaml": (
                    "services:\n  api:\n    image: ghcr.io/acme/api:1.2\n    environment:\n"
                    '      FLASK_DEBUG: "0"\n      LOG_LEVEL: WARN\n'
                    "  api-dev:\n    image: ghcr.io/acme/api:1.2\n    profiles: [dev]\n"
                    '    environment:\n      FLASK_DEBUG: "1"\n'
                    "  monitor:\n    image: ghcr.io/acme/monitor:1.0\n    profiles: [prod]\n"
                ),
            },
            description="The always-on api runs with the Flask debugger in prod.",
        ),
    )

    def check(self, stack: Stack) -> Iterator[Finding]:
        names = self.opts.get("prod-profiles") or PROD_PROFILES
        for project in stack.projects:
            reported: set[tuple[str, str]] = set()
            for profile in prod_profiles(stack, project, names):
                for svc in services_in(project, profile):
                    for var in svc.environment.values():
                        if var.value is None:
                            continue
                        src = stack.files.get(var.location.file)
                        if src is not None and "$" in src.line_text(var.location.line):
                            continue  # interpolated: the profile's env file decides
                        value = var.value.strip().strip("'\"").lower()
                        for pattern, bad_values, meaning in CHECKS:
                            if not pattern.match(var.name):
                                continue
                            assert isinstance(bad_values, set)
                            if value not in bad_values:
                                continue
                            key = (svc.name, var.name)
                            if key in reported:
                                continue
                            reported.add(key)
                            scope = (
                                f"runs in profile {profile}"
                                if svc.profiles
                                else f"runs in every profile ({profile} included)"
                            )
                            yield self.finding(
                                var.location,
                                f"service '{svc.name}' {scope} with {var.name}={var.value} "
                                f"({meaning})",
                                subject=svc.name,
                                detail=service_subject(svc),
                                profile=profile,
                            )
