"""PRF004: the compose file interpolates a variable that neither the sample nor the env
file defines."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import PurePosixPath

from infradoctor.findings import Finding, Severity
from infradoctor.model.stack import Stack
from infradoctor.rules.base import Example, Rule
from infradoctor.rules.profiles._profiles import profile_env, sample_env

# set by the shell or by compose itself, never in an env file
_AMBIENT = frozenset(
    {"HOME", "USER", "PWD", "UID", "GID", "HOSTNAME", "PATH", "COMPOSE_PROJECT_NAME", "TZ"}
)


class InterpolatedVariableUndocumented(Rule):
    code = "PRF004"
    name = "interpolated-variable-undocumented"
    title = "Compose interpolates a variable that neither `.env.example` nor `.env` defines"
    severity = Severity.INFO
    category = "availability"
    why = (
        "The sample env file is the contract of what a host must provide. A `${VAR}` without "
        "a default that is in neither the sample nor the env file becomes an empty string on "
        "every host that followed the guide: an empty password, host or URL that fails only "
        "when the service first uses it. Only projects that keep a sample are checked."
    )
    how_to_fix = (
        "Add the variable to the sample (and the env files), or give it a default "
        "(`${LOG_LEVEL:-info}`)."
    )
    examples = (
        Example(
            bad={
                "compose.yaml": (
                    "services:\n  api:\n    image: ghcr.io/acme/api:1.2\n    environment:\n"
                    "      DB_PASSWORD: ${DB_PASSWORD}\n      SMTP_HOST: ${SMTP_HOST}\n"
                ),
                ".env.example": "DB_PASSWORD=\n",
            },
            good={
                "compose.yaml": (
                    "services:\n  api:\n    image: ghcr.io/acme/api:1.2\n    environment:\n"
                    "      DB_PASSWORD: ${DB_PASSWORD}\n      SMTP_HOST: ${SMTP_HOST:-mail}\n"
                    "      HOME_DIR: $${HOME}\n"
                ),
                ".env.example": "DB_PASSWORD=\n",
            },
            description="SMTP_HOST is used but documented nowhere.",
        ),
    )

    def check(self, stack: Stack) -> Iterator[Finding]:
        from infradoctor.rules.profiles._profiles import var_refs

        for project in stack.projects:
            sample = sample_env(stack, project)
            if sample is None:
                continue
            env = profile_env(stack, project, None)
            known = set(sample.values) | (set(env.values) if env else set())
            reported: set[str] = set()
            sample_dir = PurePosixPath(sample.path).parent
            same_dir: dict[str, bool] = {}  # ref.file -> beside the sample (one Path each)
            for ref in var_refs(stack, project):
                beside = same_dir.get(ref.file)
                if beside is None:
                    beside = same_dir[ref.file] = PurePosixPath(ref.file).parent == sample_dir
                if not beside:
                    continue  # an included file: it brings its own env_file
                if ref.op is not None or ref.name in known or ref.name in _AMBIENT:
                    continue
                if ref.name in reported:
                    continue
                reported.add(ref.name)
                where = f"{sample.path}" + (f" or {env.path}" if env else "")
                yield self.finding(
                    ref.location,
                    f"${{{ref.name}}} has no default and is not in {where}: hosts that "
                    "follow the sample run with it empty",
                    subject=ref.name,
                    related=[sample.location()],
                )
