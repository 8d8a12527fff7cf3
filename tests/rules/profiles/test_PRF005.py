"""PRF005 admin-ui-published-in-prod: its tests, gathered from the rule test modules by rule code."""

from __future__ import annotations

from infradoctor.cli.main import main
from infradoctor.findings import Severity
from tests.rules.profiles.test_profiles import PROFILES, _lint


def test_dev_only_services_get_no_production_warnings() -> None:
    findings = _lint(PROFILES, ["all"])
    mailpit = [f for f in findings if f.subject == "mailpit"]
    assert {f.rule for f in mailpit} == {"CMP001", "CMP002"}
    assert all(f.severity is Severity.INFO and f.profile == "dev" for f in mailpit)
    # grafana and mailpit publish ports in dev only: no PRF005
    assert not [f for f in findings if f.rule == "PRF005" and f.subject != "prometheus"]


def test_prod_profile_names_are_configurable(tree) -> None:
    root = tree(
        {
            "compose.yaml": (
                "services:\n  grafana:\n    image: grafana/grafana:11.2.0\n"
                "    profiles: [live]\n    ports: ['3000:3000']\n"
            ),
            ".infradoctor.toml": '[rules.PRF005]\nprod-profiles = ["live"]\n',
        }
    )
    assert main(["lint", str(root), "--select", "PRF005", "-q"]) == 1
    assert _lint(root, ["PRF005"]) == []  # the default names do not include "live"
