"""PRF002: `${VAR:?message}` whose variable the profile's env file does not provide."""

from __future__ import annotations

from collections.abc import Iterator

from infradoctor.findings import Finding, Severity
from infradoctor.model.stack import Stack
from infradoctor.rules.base import Example, Rule
from infradoctor.rules.profiles._profiles import (
    env_profiles,
    profile_env,
    runs_in,
    var_refs,
)


class RequiredVariableUnset(Rule):
    code = "PRF002"
    name = "required-variable-unset"
    title = "`${VAR:?}` not provided by the env file the profile runs with"
    severity = Severity.ERROR
    category = "availability"
    why = (
        "`${VAR:?message}` makes `docker compose up` stop with `required variable VAR is "
        "missing a value: message` when VAR is unset or empty. A team that keeps one env file "
        "per environment (`.env` for dev, `.env.stage` passed with `--env-file` for stage) "
        "adds a required variable to one of them and forgets the other: the next deploy of "
        "that environment fails before any container starts.\n\n"
        "The env file of a profile is `.env.<profile>` next to the compose file when it "
        "exists, else `.env`. Nothing is reported when that file is not in the tree (secrets "
        "then come from the deploy environment, which is what `:?` is for) or when the "
        "variable is only used by services that do not run in the profile, nor for a "
        "variant file (`compose.deploy.yml`, run with `-f`) checked against the plain `.env`: "
        "deploy files get their variables from the deploy environment."
    )
    how_to_fix = (
        "Add the variable to the profile's env file (`DB_PASSWORD=...` in `.env.stage`), or "
        "give it a safe default with `${VAR:-default}` when it is not a secret."
    )
    references = (
        "https://docs.docker.com/reference/compose-file/interpolation/",
        "https://docs.docker.com/compose/how-tos/environment-variables/variable-interpolation/",
    )
    examples = (
        Example(
            bad={
                "compose.yaml": (
                    "services:\n  api:\n    image: ghcr.io/acme/api:1.2\n    environment:\n"
                    "      DB_PASSWORD: ${DB_PASSWORD:?set DB_PASSWORD}\n"
                    "      SENTRY_DSN: ${SENTRY_DSN:?}\n"
                    "  monitor:\n    image: ghcr.io/acme/monitor:1.0\n    profiles: [stage]\n"
                ),
                ".env": "DB_PASSWORD=dev-only\nSENTRY_DSN=https://k@sentry.example.com/1\n",
                ".env.stage": "DB_PASSWORD=from-vault\n",
            },
            good={
                "compose.yaml": (
                    "services:\n  api:\n    image: ghcr.io/acme/api:1.2\n    environment:\n"
                    "      DB_PASSWORD: ${DB_PASSWORD:?set DB_PASSWORD}\n"
                    "  monitor:\n    image: ghcr.io/acme/monitor:1.0\n    profiles: [stage]\n"
                    "    environment:\n      TOKEN: ${MONITOR_TOKEN:?}\n"
                ),
                ".env": "DB_PASSWORD=dev-only\n",
                ".env.stage": "DB_PASSWORD=from-vault\nMONITOR_TOKEN=abc\n",
            },
            description="`.env.stage` lacks SENTRY_DSN: `--profile stage` fails to start.",
        ),
    )

    def check(self, stack: Stack) -> Iterator[Finding]:
        for project in stack.projects:
            refs = [r for r in var_refs(stack, project) if r.required]
            if not refs:
                continue
            profiles: list[str | None] = [None, *env_profiles(stack, project)]
            reported: set[tuple[str, str | None]] = set()
            for profile in profiles:
                env = profile_env(stack, project, profile)
                if env is None:
                    continue
                if ":" in project.name and not env.path.rsplit("/", 1)[-1].startswith(".env."):
                    # a `-f` variant (compose.deploy.yml) run with the plain .env: deploy
                    # files get their variables from the deploy environment (CI secrets)
                    continue
                for ref in refs:
                    svc = project.services.get(ref.service) if ref.service else None
                    if svc is not None and not runs_in(svc, profile):
                        continue
                    if profile is not None and svc is not None and not svc.profiles:
                        # an always-on service: the no-profile run already covers it unless
                        # this profile reads another env file
                        if env.path.rsplit("/", 1)[-1] == ".env":
                            continue
                    if env.values.get(ref.name):
                        continue
                    key = (ref.name, env.path)
                    if key in reported:
                        continue
                    reported.add(key)
                    who = f"service '{svc.name}'" if svc is not None else "the project"
                    run = f"--profile {profile} " if profile else ""
                    yield self.finding(
                        ref.location,
                        f"{who} requires ${{{ref.name}:?}} but {env.path} (the env file "
                        f"of `docker compose {run}up`) does not set it: compose refuses to "
                        "start",
                        subject=ref.name,
                        related=[env.location()],
                        profile=profile,
                    )
