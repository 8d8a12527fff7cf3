"""DKR002: FROM an image without a tag or with `latest`."""

from __future__ import annotations

from collections.abc import Iterator

from infradoctor.facts.dockerfile import stage_named
from infradoctor.facts.images import (
    is_build_context_name,
    parse_image,
    substitute_args,
)
from infradoctor.findings import Finding, Severity
from infradoctor.model.stack import Stack
from infradoctor.records import record
from infradoctor.rules.base import Example, Rule
from infradoctor.subjects import DockerfileSubject


@record(frozen=True)
class UnpinnedBase(DockerfileSubject):
    """The Dockerfile and its base image reference (ARGs substituted)."""

    image: str


class BaseImageUnpinned(Rule):
    code = "DKR002"
    name = "base-image-unpinned"
    title = "Base image has no tag or uses latest"
    severity = Severity.WARNING
    category = "dockerfile"
    why = (
        "`FROM node` builds on whatever `node:latest` is on the day of the build. A rebuild "
        "for an unrelated one-line change can silently move the app to a new major runtime "
        "(Node 20 -> 22, Python 3.12 -> 3.13, Debian bookworm -> trixie): native modules stop "
        "compiling, removed packages break `apt-get install`, and the image that passed CI "
        "yesterday is not the one deployed today. Rollbacks rebuild into the new base too. "
        "`scratch`, references to earlier stages (`FROM build`), bases given by an ARG "
        "without a default, and untagged single-word names that are not Docker Official "
        "Images (`FROM base`: a buildx bake / --build-context name) are not flagged."
    )
    how_to_fix = (
        "Pin at least the major version and the distribution, ideally a digest updated by "
        "Renovate/Dependabot:\n\n"
        "```dockerfile\nFROM node:20.15-bookworm-slim\n"
        "# or: FROM node:20.15-bookworm-slim@sha256:<digest>\n```"
    )
    references = (
        "https://docs.docker.com/build/building/best-practices/#pin-base-image-versions",
        "https://docs.docker.com/reference/dockerfile/#from",
    )
    examples = (
        Example(
            bad={
                "web/Dockerfile": (
                    "FROM node AS build\n"
                    "WORKDIR /app\n"
                    "COPY package*.json ./\n"
                    "RUN npm ci\n"
                    "COPY . .\n"
                    "RUN npm run build\n"
                    "\n"
                    "FROM nginx:latest\n"
                    "COPY --from=build /app/dist /usr/share/nginx/html\n"
                )
            },
            good={
                "web/Dockerfile": (
                    "ARG NODE_VERSION=20.15\n"
                    "FROM node:${NODE_VERSION}-bookworm-slim AS build\n"
                    "WORKDIR /app\n"
                    "COPY package*.json ./\n"
                    "RUN npm ci\n"
                    "COPY . .\n"
                    "RUN npm run build\n"
                    "\n"
                    "FROM nginx:1.27-alpine\n"
                    "COPY --from=build /app/dist /usr/share/nginx/html\n"
                    "\n"
                    "FROM build AS test\n"
                    "RUN npm test\n"
                )
            },
        ),
    )

    def check(self, stack: Stack) -> Iterator[Finding]:
        for path, df in stack.dockerfiles.items():
            for stage in df.stages:
                base = stage.base_image
                if base.lower() == "scratch" or stage_named(df, base, stage) is not None:
                    continue
                resolved = substitute_args(base, df.args)
                if resolved is None or resolved.lower() == "scratch":
                    continue
                if is_build_context_name(resolved):
                    continue
                ref = parse_image(resolved)
                if not ref.unpinned:
                    continue
                what = "the latest tag" if ref.tag == "latest" else "no tag (= latest)"
                yield self.finding(
                    stage.location,
                    f"{path}: FROM {resolved} uses {what}: rebuilds pick up whatever version "
                    "is current (pin a version tag or digest)",
                    subject=path,
                    detail=UnpinnedBase(path, resolved),
                )
