"""SEC009: the image is pulled by the moving `latest` tag (or no tag at all)."""

from __future__ import annotations

from collections.abc import Iterator

from infradoctor.facts.images import parse_image
from infradoctor.findings import Finding, Severity
from infradoctor.model.stack import Service, Stack
from infradoctor.records import record
from infradoctor.rules.base import Example, Rule
from infradoctor.subjects import ServiceSubject


def tag_from_variable(stack: Stack, svc: Service) -> bool:
    """`image: acme/api:${TAG:-latest}`: the deploy pipeline chooses the tag."""
    loc = svc.loc("image")
    src = stack.files.get(loc.file)
    if src is None:
        return False
    line = src.line_text(loc.line)
    return "$" in line.split("image", 1)[-1]


@record(frozen=True)
class MutableImage(ServiceSubject):
    """The service and the image reference it runs."""

    image: str | None


class ImageTagLatest(Rule):
    code = "SEC009"
    name = "image-tag-latest"
    title = "Image uses the latest tag or no tag"
    severity = Severity.WARNING
    category = "security"
    why = (
        "`image: redis` means `redis:latest`, a tag that moves with every upstream release. "
        "The next `docker compose pull`, a host rebuild or a new node in the fleet silently "
        "brings a new major version (Postgres 16 -> 17 refuses to start on the old data "
        "directory; Redis 7 -> 8 changes licensing and defaults), and two hosts running the "
        '"same" stack run different code. You also cannot tell which version to roll back '
        "to, and a compromised upstream tag flows straight into production. Services that "
        "also have `build:` are skipped (the image is the name of the local build), and so "
        "are tags that come from a variable (`${TAG:-latest}`)."
    )
    how_to_fix = (
        "Pin a version tag (or a digest for full reproducibility) and upgrade on purpose:\n\n"
        "```yaml\nservices:\n  cache:\n    image: redis:7.2.5-alpine\n  db:\n"
        "    image: postgres:16.4@sha256:<digest>\n```"
    )
    references = (
        "https://docs.docker.com/reference/compose-file/services/#image",
        "https://docs.docker.com/build/building/best-practices/#pin-base-image-versions",
    )
    examples = (
        Example(
            bad={
                "docker-compose.yml": (
                    "services:\n"
                    "  cache:\n"
                    "    image: redis\n"
                    "  storage:\n"
                    "    image: minio/minio:latest\n"
                )
            },
            good={
                "docker-compose.yml": (
                    "services:\n"
                    "  cache:\n"
                    "    image: redis:7.2.5-alpine\n"
                    "  storage:\n"
                    "    image: minio/minio:RELEASE.2024-08-17T01-24-54Z\n"
                    "  api:\n"
                    "    image: acme/api:latest\n"
                    "    build: ./api\n"
                ),
                "api/Dockerfile": (
                    'FROM python:3.12-slim\nCOPY . /app\nCMD ["python", "/app/main.py"]\n'
                ),
            },
        ),
    )

    def check(self, stack: Stack) -> Iterator[Finding]:
        for svc in stack.services:
            if not svc.image or svc.build_context is not None or svc.build_dockerfile:
                continue
            if svc.raw.get("build") is not None:
                continue
            ref = parse_image(svc.image)
            if not ref.unpinned or not ref.path or tag_from_variable(stack, svc):
                continue
            what = "the latest tag" if ref.tag == "latest" else "no tag (= latest)"
            yield self.finding(
                svc.loc("image"),
                f"service '{svc.name}' runs image '{svc.image}' with {what}: every pull may "
                "bring a different, possibly breaking version (pin a version tag or digest)",
                subject=svc.name,
                detail=MutableImage(svc.name, svc.project, svc.image),
            )
