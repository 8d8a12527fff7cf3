"""The fix oracle of bench/fuzz.py (round 3): a finding whose fix waited a pass (NGX003
on a server, deferred while NGX011 gives its location its own proxy_set_header set)
comes back under the location's subject; that is the deferred finding, not a re-report
of the NGX003 fixed in the same pass on another `location /`."""

from __future__ import annotations

from pathlib import Path

from tests.fuzz.harness import check

NGINX = (
    "http { location / {\nproxy_pass h;\n}\nupstream app {80; keepalive 16; }\n"
    "server {\n location / { proxy_pass http://app; }\n}\n}\n"
)


def test_deferred_finding_under_a_new_subject_is_no_re_report(tmp_path: Path) -> None:
    project = tmp_path / "p"
    project.mkdir()
    (project / "nginx.conf").write_text(NGINX)
    files = {str(f.relative_to(project)): f.read_text() for f in project.rglob("*") if f.is_file()}
    assert check(files, "fix") == []


def test_both_locations_get_their_headers(tmp_path: Path) -> None:
    """What the oracle accepts: two passes leave every proxying location with Host, and
    a second run changes nothing."""
    from infradoctor.config import LintConfig
    from infradoctor.fixes.apply import run_fixes

    config = LintConfig(report_unused_suppressions=False, extend_select=["hardening"])
    (tmp_path / "nginx.conf").write_text(NGINX)
    run_fixes(tmp_path, config, unsafe=True)
    text = (tmp_path / "nginx.conf").read_text()
    server_location = text.split("server {", 1)[1]
    assert "proxy_set_header Host $host;" in text.split("upstream", 1)[0]
    assert "proxy_set_header Host $host;" in server_location.split("location /", 1)[1]
    assert not run_fixes(tmp_path, config, unsafe=True).applied
