"""A finding on an anchor or merge key shared by N services is reported once, at the
anchor, with the services listed (issue 10); findings on separate lines stay apart."""

from __future__ import annotations

from pathlib import Path

from infradoctor.config import LintConfig
from infradoctor.engine import lint

ANCHORED = """\
x-app: &app
  image: example/app:1.0
  restart: unless-stopped
  depends_on:
    - db
services:
  db:
    image: example/db:1.0
    restart: unless-stopped
  web:
    <<: *app
  worker:
    <<: *app
  beat:
    <<: *app
  cron:
    image: example/app:1.0
    restart: unless-stopped
    depends_on:
      - db
"""


def test_anchor_finding_reported_once_with_services(tmp_path: Path) -> None:
    (tmp_path / "docker-compose.yml").write_text(ANCHORED)
    found = lint(tmp_path, LintConfig(select=["XF004"])).findings
    at_anchor = [f for f in found if f.location.line == 5]
    assert len(at_anchor) == 1, [f.message for f in found]
    [shared] = at_anchor
    assert shared.data["services"] == ["beat", "web", "worker"]
    assert "shared by 3 services: beat, web, worker" in shared.message
    assert [f.data["service"] for f in found if f.location.line == 20] == ["cron"]


def test_several_findings_for_one_service_on_one_line_stay_apart(tmp_path: Path) -> None:
    """Two CMP008 problems at one healthcheck are two findings, not an anchor echo."""
    (tmp_path / "docker-compose.yml").write_text(
        "services:\n  web:\n    image: example/web:1.0\n    healthcheck:\n"
        '      test: ["CMD", "true"]\n      interval: 99999999999999999999999h\n'
        "      timeout: 99999999999999999999999h\n"
    )
    found = lint(tmp_path, LintConfig(select=["CMP008"])).findings
    assert len({f.message for f in found}) == len(found) >= 2, [f.message for f in found]
