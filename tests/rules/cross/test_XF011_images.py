"""XF011 with image facts: an image whose HEALTHCHECK the table (or a Dockerfile in the
repository) knows is fine; an unknown image is reported as "may define" one."""

from __future__ import annotations

from pathlib import Path

from infradoctor.config import LintConfig
from infradoctor.engine import lint
from infradoctor.findings import Applicability
from tests.conftest import write_tree
from tests.rules.cross._topology_support import NGINX, Tree, loc, run, site


def _files(image: str) -> dict[str, str]:
    compose = f"services:\n{NGINX}  app:\n    image: {image}\n    expose: ['8000']\n"
    return {
        "compose.yml": compose,
        "nginx/conf.d/default.conf": site(loc("/", "http://app:8000")),
    }


def test_unknown_image_says_it_may_define_a_healthcheck(tree: Tree) -> None:
    [f] = run(tree, _files("ghcr.io/acme/app:1"), "XF011")
    assert "image 'ghcr.io/acme/app:1' may define a HEALTHCHECK" in f.message


def test_known_image_without_healthcheck_is_asserted(tree: Tree) -> None:
    [f] = run(tree, _files("grafana/grafana:11.0.0"), "XF011")
    assert "has no healthcheck (compose or Dockerfile HEALTHCHECK)" in f.message


def test_image_with_a_healthcheck_is_not_reported(tree: Tree) -> None:
    assert run(tree, _files("louislam/uptime-kuma:1.23.13"), "XF011") == []


def test_healthcheck_fix_never_safe_with_a_tool_the_image_lacks(tmp_path: Path) -> None:
    """The image *name* says alpine, but the Dockerfile builds on debian slim (no wget):
    DKR005's knowledge of the base wins, so the probe is only a template."""
    root = write_tree(
        tmp_path / "s",
        {
            "docker-compose.yml": (
                "services:\n"
                "  nginx:\n"
                "    image: nginx:1.27-alpine\n"
                "    volumes:\n"
                "      - ./nginx/default.conf:/etc/nginx/conf.d/default.conf:ro\n"
                "  api:\n"
                "    image: example/api:1.0-alpine\n"
                "    build: ./api\n"
                '    expose: ["8080"]\n'
            ),
            "api/Dockerfile": 'FROM debian:bookworm-slim\nCMD ["/app/server"]\n',
            "nginx/default.conf": (
                "server {\n    listen 80;\n    location = /healthz {\n"
                "        proxy_pass http://api:8080;\n    }\n}\n"
            ),
        },
    )
    (xf011,) = [f for f in lint(root, LintConfig(select=["XF011"])).findings if f.rule == "XF011"]
    assert xf011.fix is not None
    assert xf011.fix.applicability is Applicability.DISPLAY_ONLY
    assert "not in image debian:bookworm-slim" in xf011.fix.title
