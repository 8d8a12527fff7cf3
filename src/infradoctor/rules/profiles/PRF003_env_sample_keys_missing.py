"""PRF003: the env file a profile uses lacks keys its sample (`.env.example`) lists."""

from __future__ import annotations

from collections.abc import Iterator

from infradoctor.findings import Finding, Severity
from infradoctor.model.stack import Stack
from infradoctor.rules.base import Example, Rule
from infradoctor.rules.profiles._profiles import env_profiles, profile_env, sample_env


class EnvSampleKeysMissing(Rule):
    code = "PRF003"
    name = "env-sample-keys-missing"
    title = "Env file lacks keys of `.env.example` / `.env.sample`"
    severity = Severity.WARNING
    category = "availability"
    why = (
        "Operations guides say 'copy `.env.example` to `.env` and fill it'. When the sample "
        "grows (a new API key, a new database URL) the copies on the hosts do not: the "
        "variable interpolates to an empty string, the service starts with an empty "
        "password or URL and fails at its first request, or compose refuses to start when "
        "the variable is `:?`-required.\n\n"
        "Checked for every env file the project's profiles use (`.env`, `.env.<profile>`) "
        "that exists next to the sample."
    )
    how_to_fix = (
        "Add the missing keys to the env file (with the values the environment needs), or "
        "remove them from the sample when they are obsolete."
    )
    examples = (
        Example(
            bad={
                "compose.yaml": (
                    "services:\n  api:\n    image: ghcr.io/acme/api:1.2\n    environment:\n"
                    "      STRIPE_KEY: ${STRIPE_KEY}\n"
                ),
                ".env.example": "DB_PASSWORD=\nSTRIPE_KEY=\n",
                ".env": "DB_PASSWORD=devpass\n",
            },
            good={
                "compose.yaml": (
                    "services:\n  api:\n    image: ghcr.io/acme/api:1.2\n    environment:\n"
                    "      STRIPE_KEY: ${STRIPE_KEY}\n"
                ),
                ".env.example": "DB_PASSWORD=\nSTRIPE_KEY=\n",
                ".env": "DB_PASSWORD=devpass\nSTRIPE_KEY=sk_test_x\n",
            },
            description="`.env` was copied before STRIPE_KEY was added to the sample.",
        ),
    )

    def check(self, stack: Stack) -> Iterator[Finding]:
        for project in stack.projects:
            sample = sample_env(stack, project)
            if sample is None:
                continue
            seen: set[str] = set()
            for profile in [None, *env_profiles(stack, project)]:
                env = profile_env(stack, project, profile)
                if env is None or env.path in seen or env.path == sample.path:
                    continue
                seen.add(env.path)
                missing = [k for k in sample.values if k not in env.values]
                if not missing:
                    continue
                shown = ", ".join(missing[:8]) + (" ..." if len(missing) > 8 else "")
                used_by = f" (profile {profile})" if profile else ""
                yield self.finding(
                    env.location(),
                    f"{env.path}{used_by} lacks {len(missing)} key"
                    f"{'' if len(missing) == 1 else 's'} of {sample.path}: {shown}",
                    subject=env.path,
                    related=[sample.location(missing[0])],
                    profile=profile,
                )
