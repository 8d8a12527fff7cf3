"""XF004 with image facts: the curated table, a Dockerfile elsewhere in the repository
that builds the image, apps that wait for their dependency themselves, and "unknown"
(never an error) for a registry image the table does not describe."""

from __future__ import annotations

from infradoctor.findings import Severity
from tests.rules.cross._topology_support import Tree, run


def _compose(target_image: str, condition: str | None = None, app: str = "") -> str:
    dep = (
        f"    depends_on:\n      db:\n        condition: {condition}\n"
        if condition
        else "    depends_on:\n      - db\n"
    )
    return (
        "services:\n  api:\n    image: example/api:1\n"
        + app
        + dep
        + f"  db:\n    image: {target_image}\n"
    )


def test_unknown_registry_image_is_a_warning_that_says_unknown(tree: Tree) -> None:
    [f] = run(tree, {"compose.yml": _compose("ghcr.io/acme/db:1", "service_healthy")}, "XF004")
    assert f.severity == Severity.WARNING
    assert "may define a HEALTHCHECK" in f.message and "unknown" in f.message
    assert "has no healthcheck configured" not in f.message


def test_unknown_image_plain_depends_on_says_unknown(tree: Tree) -> None:
    [f] = run(tree, {"compose.yml": _compose("ghcr.io/acme/db:1")}, "XF004")
    assert f.severity == Severity.INFO  # a plain depends_on is info (issue 10 precision)
    assert "image 'ghcr.io/acme/db:1' may define a HEALTHCHECK" in f.message


def test_known_image_without_healthcheck_stays_an_error(tree: Tree) -> None:
    [f] = run(tree, {"compose.yml": _compose("postgres:16", "service_healthy")}, "XF004")
    assert f.severity == Severity.ERROR
    assert "may define" not in f.message


def test_image_with_a_healthcheck_in_the_table_is_fine(tree: Tree) -> None:
    image = "ghcr.io/goauthentik/server:2024.6"
    assert run(tree, {"compose.yml": _compose(image, "service_healthy")}, "XF004") == []
    assert run(tree, {"compose.yml": _compose(image)}, "XF004") == []


UNBOUND_DOCKERFILE = """\
FROM alpine:3.20
RUN apk add --no-cache unbound drill
HEALTHCHECK --interval=30s CMD drill @127.0.0.1 example.org || exit 1
CMD ["unbound", "-d"]
"""


def test_image_built_by_an_override_elsewhere_in_the_repo(tree: Tree) -> None:
    """mailcow: the service runs ghcr.io/mailcow/unbound, and a build-flags override
    file builds the same service from data/Dockerfiles/unbound (HEALTHCHECK there)."""
    files = {
        "docker-compose.yml": _compose("ghcr.io/mailcow/unbound:1.25", "service_healthy"),
        "helper-scripts/build/docker-compose.override.yml": (
            "services:\n  db:\n    build: ../../data/Dockerfiles/unbound\n"
        ),
        "data/Dockerfiles/unbound/Dockerfile": UNBOUND_DOCKERFILE,
    }
    assert run(tree, files, "XF004") == []


def test_image_tagged_by_a_service_that_builds_it(tree: Tree) -> None:
    compose = (
        "services:\n"
        "  builder:\n    image: registry.example.com/acme/db:2\n    build: ./db\n"
        "    profiles: [build]\n"
        "  api:\n    image: example/api:1\n    depends_on:\n      - db\n"
        "  db:\n    image: registry.example.com/acme/db:2\n"
    )
    files = {"compose.yml": compose, "db/Dockerfile": UNBOUND_DOCKERFILE}
    assert [f.subject for f in run(tree, files, "XF004")] == []
    no_hc = UNBOUND_DOCKERFILE.replace("HEALTHCHECK", "# HEALTHCHECK")
    [f] = run(tree, {"compose.yml": compose, "db/Dockerfile": no_hc}, "XF004")
    assert "may define" not in f.message


def test_app_that_waits_in_its_command(tree: Tree) -> None:
    app = '    command: ["./wait-for-it.sh", "db:5432", "--", "gunicorn", "app:app"]\n'
    assert run(tree, {"compose.yml": _compose("postgres:16", app=app)}, "XF004") == []
    app = "    command: sh -c 'dockerize -wait tcp://db:5432 -timeout 60s ./serve'\n"
    assert run(tree, {"compose.yml": _compose("postgres:16", app=app)}, "XF004") == []


ENTRYPOINT_WAITS = """\
#!/bin/sh
until pg_isready -h "$DB_HOST" -U app; do
  sleep 1
done
exec "$@"
"""

APP_DOCKERFILE = """\
FROM python:3.12-slim
COPY . /app
ENTRYPOINT ["/app/docker-entrypoint.sh"]
CMD ["gunicorn", "app:app"]
"""


def _built_app(script: str) -> dict[str, str]:
    compose = (
        "services:\n  api:\n    build: ./api\n    depends_on:\n      - db\n"
        "  db:\n    image: postgres:16\n"
    )
    return {
        "compose.yml": compose,
        "api/Dockerfile": APP_DOCKERFILE,
        "api/docker-entrypoint.sh": script,
    }


def test_entrypoint_script_in_the_repo_that_waits(tree: Tree) -> None:
    assert run(tree, _built_app(ENTRYPOINT_WAITS), "XF004") == []
    nc_loop = '#!/bin/sh\nwhile ! nc -z db 5432; do sleep 1; done\nexec "$@"\n'
    assert run(tree, _built_app(nc_loop), "XF004") == []


def test_entrypoint_script_that_does_not_wait_is_reported(tree: Tree) -> None:
    [f] = run(tree, _built_app('#!/bin/sh\npython manage.py migrate\nexec "$@"\n'), "XF004")
    assert f.subject == "api->db"


def test_a_service_healthy_wait_is_still_judged_when_the_app_waits(tree: Tree) -> None:
    """compose refuses service_healthy without a healthcheck whatever the app does."""
    app = '    command: ["./wait-for-it.sh", "db:5432", "--", "gunicorn", "app:app"]\n'
    [f] = run(tree, {"compose.yml": _compose("postgres:16", "service_healthy", app)}, "XF004")
    assert f.severity == Severity.ERROR


def test_official_image_is_not_matched_to_a_same_named_directory(tree: Tree) -> None:
    files = {
        "compose.yml": _compose("postgres:16", "service_healthy"),
        "docker/postgres/Dockerfile": "FROM postgres:16\nHEALTHCHECK CMD pg_isready\n",
    }
    [f] = run(tree, files, "XF004")
    assert f.severity == Severity.ERROR


def test_two_candidate_dockerfiles_are_not_guessed(tree: Tree) -> None:
    files = {
        "compose.yml": _compose("ghcr.io/acme/unbound:1", "service_healthy"),
        "a/unbound/Dockerfile": UNBOUND_DOCKERFILE,
        "b/unbound/Dockerfile": UNBOUND_DOCKERFILE.replace("HEALTHCHECK", "# no"),
    }
    [f] = run(tree, files, "XF004")
    assert "may define a HEALTHCHECK" in f.message


NEXTCLOUD = """\
services:
  app:
    image: nextcloud:29-apache
    depends_on:
      - db
      - redis
  cron:
    image: nextcloud:29-apache
    entrypoint: /cron.sh
    depends_on:
      - db
  db:
    image: mariadb:11
  redis:
    image: redis:7-alpine
"""


def test_an_image_that_waits_for_its_database(tree: Tree) -> None:
    """nextcloud's entrypoint retries its install until the database answers; that says
    nothing about redis, nor about a service that replaces the entrypoint."""
    subjects = sorted(f.subject for f in run(tree, {"compose.yml": NEXTCLOUD}, "XF004"))
    assert subjects == ["app->redis", "cron->db"]
