"""DKR006: a secret is baked into the Dockerfile (ENV/ARG)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from infradoctor.facts.images import stage_chain
from infradoctor.findings import Finding, Severity
from infradoctor.model.stack import Instruction, Stack, Stage
from infradoctor.records import record
from infradoctor.rules.base import Example, Rule
from infradoctor.rules.security._secrets import (
    is_literal_secret_value,
    is_reference,
    is_secret_name,
    url_with_password,
)
from infradoctor.subjects import DockerfileSubject


def used_later(stage: Stage, after: Instruction, name: str) -> bool:
    """A RUN after `after` in the same stage expands $name (the value lands in history)."""
    pattern = re.compile(rf"\$\{{?{re.escape(name)}\b")
    seen = False
    for ins in stage.instructions:
        if ins is after:
            seen = True
        elif seen and ins.keyword == "RUN" and pattern.search(ins.value):
            return True
    return False


@record(frozen=True)
class SecretVariable(DockerfileSubject):
    """The Dockerfile and the name (never the value) of the variable holding a secret."""

    variable: str


class SecretInDockerfile(Rule):
    code = "DKR006"
    name = "secret-in-dockerfile"
    title = "Secret in a Dockerfile ENV or ARG"
    severity = Severity.WARNING
    category = "security"
    why = (
        "Values written into a Dockerfile are in git. `ENV` values are also stored in the "
        "image config, so anyone who can pull the image reads them with `docker inspect`, "
        "even when they came from a build arg (`ENV NPM_TOKEN=$NPM_TOKEN`). A build `ARG` "
        "used by a RUN is recorded in the layer history (`docker history --no-trunc`). "
        "Images get pushed to registries, cached in CI and shared far more widely than the "
        "secret was meant to be. Reported: literal secret values in ENV/ARG anywhere; ENV "
        "with a secret name in the final image's stages; ARG with a secret name consumed by "
        "a RUN in the final image's stages. Builder stages that are discarded only count "
        "for literal values. Values are never printed."
    )
    how_to_fix = (
        "Use BuildKit secret mounts for build-time credentials and pass runtime secrets "
        "through the environment or Docker secrets:\n\n"
        "```dockerfile\n# syntax=docker/dockerfile:1\nFROM node:20-slim\n"
        "RUN --mount=type=secret,id=npm_token \\\n"
        "    NPM_TOKEN=$(cat /run/secrets/npm_token) npm ci\n```\n\n"
        "build with `docker build --secret id=npm_token,env=NPM_TOKEN .` (compose: "
        "`build.secrets`). Rotate any secret that was already committed or pushed."
    )
    references = (
        "https://docs.docker.com/build/building/secrets/",
        "https://docs.docker.com/reference/build-checks/secrets-used-in-arg-or-env/",
    )
    examples = (
        Example(
            bad={
                "api/Dockerfile": (
                    "FROM node:20-slim\n"
                    "ARG NPM_TOKEN\n"
                    "ENV DATABASE_URL=postgres://app:s3cretpw@db:5432/app\n"
                    "WORKDIR /app\n"
                    "COPY package*.json ./\n"
                    'RUN echo "//registry.npmjs.org/:_authToken=${NPM_TOKEN}" > .npmrc && npm ci\n'
                    "COPY . .\n"
                    'CMD ["node", "server.js"]\n'
                )
            },
            good={
                "api/Dockerfile": (
                    "# syntax=docker/dockerfile:1\n"
                    "FROM node:20-slim\n"
                    "ENV NODE_ENV=production\n"
                    "WORKDIR /app\n"
                    "COPY package*.json ./\n"
                    "RUN --mount=type=secret,id=npm_token \\\n"
                    "    NPM_TOKEN=$(cat /run/secrets/npm_token) npm ci\n"
                    "COPY . .\n"
                    'CMD ["node", "server.js"]\n'
                )
            },
        ),
    )

    def check(self, stack: Stack) -> Iterator[Finding]:
        for path, df in stack.dockerfiles.items():
            final_chain = {id(s) for s in stage_chain(df)}
            for stage in df.stages:
                in_final = id(stage) in final_chain
                for ins in stage.instructions:
                    if ins.keyword == "ENV":
                        for name, value in ins.env:
                            reason = self._env_reason(name, value or "", in_final)
                            if reason:
                                yield self._finding(path, ins, name, reason)
                    elif ins.keyword == "ARG":
                        for name, default in ins.env:
                            reason = self._arg_reason(stage, ins, name, default, in_final)
                            if reason:
                                yield self._finding(path, ins, name, reason)

    @staticmethod
    def _env_reason(name: str, value: str, in_final: bool) -> str | None:
        literal = not is_reference(value)
        if is_secret_name(name):
            if literal and is_literal_secret_value(value):
                return "a literal value in the Dockerfile (git) and the image config"
            if not literal and in_final:
                return "baked into the image config (visible with docker inspect)"
            return None
        if literal and url_with_password(value):
            return "a URL with a literal password in the Dockerfile and the image config"
        return None

    @staticmethod
    def _arg_reason(
        stage: Stage, ins: Instruction, name: str, default: str | None, in_final: bool
    ) -> str | None:
        if not is_secret_name(name):
            if default and not is_reference(default) and url_with_password(default):
                return "a build-arg default URL with a literal password"
            return None
        if default is not None and not is_reference(default) and is_literal_secret_value(default):
            return "a literal build-arg default in the Dockerfile (git)"
        if in_final and used_later(stage, ins, name):
            return "a build arg used by RUN: recorded in the image history"
        return None

    def _finding(self, path: str, ins: Instruction, name: str, reason: str) -> Finding:
        return self.finding(
            ins.location,
            f"{path}: {ins.keyword} {name} holds a secret ({reason}; value redacted); use "
            "RUN --mount=type=secret or pass it at runtime",
            subject=path,
            detail=SecretVariable(path, name),
        )
