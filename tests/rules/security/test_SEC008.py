"""SEC008 docker-socket-mounted: its tests, gathered from the rule test modules by rule code."""

from __future__ import annotations

from infradoctor.findings import Severity
from tests.rules.security.test_security_helpers import Tree, compose, findings


def test_sec008_read_only_socket_still_flagged_proxy_skipped(tree: Tree) -> None:
    files = compose(
        "  traefik:\n    image: traefik:v3.1\n    volumes:\n"
        "      - /var/run/docker.sock:/var/run/docker.sock:ro\n"
        "  watchtower:\n    image: containrrr/watchtower:1.7.1\n    volumes:\n"
        "      - type: bind\n        source: /run/docker.sock\n        target: /var/run/docker.sock\n"
        "  proxy:\n    image: tecnativa/docker-socket-proxy:0.2\n    volumes:\n"
        "      - /var/run/docker.sock:/var/run/docker.sock:ro\n"
    )
    hits = findings(tree, files, "SEC008")
    assert sorted(f.data["service"] for f in hits) == ["traefik", "watchtower"]
    traefik = next(f for f in hits if f.data["service"] == "traefik")
    assert "read-only does not help" in traefik.message
    assert traefik.severity is Severity.INFO and traefik.location.line == 5
