"""The fix oracle of bench/fuzz.py: how it tells a finding a fix should have cleared (a
re-report) from a new or deferred one. Each case is an oracle false alarm a long fuzz
round hit (rounds 3, 5 and 6)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from tests.fuzz.harness import bench_fuzz, check


def _check_fix(tmp_path: Path, files: dict[str, str]) -> list[str]:
    """The oracle's verdict on `fix` over `files` written as a project."""
    project = tmp_path / "p"
    project.mkdir()
    for name, text in files.items():
        (project / name).write_text(text)
    found = {str(f.relative_to(project)): f.read_text() for f in project.rglob("*") if f.is_file()}
    return check(found, "fix")


# ---------------------------------------------------------------- round 3: a deferred finding

DEFERRED_NGINX = (
    "http { location / {\nproxy_pass h;\n}\nupstream app {80; keepalive 16; }\n"
    "server {\n location / { proxy_pass http://app; }\n}\n}\n"
)


def test_deferred_finding_under_a_new_subject_is_no_re_report(tmp_path: Path) -> None:
    """Round 3: a finding whose fix waited a pass (NGX003 on a server, deferred while
    NGX011 gives its location its own proxy_set_header set) comes back under the
    location's subject; that is the deferred finding, not a re-report of the NGX003
    fixed in the same pass on another `location /`."""
    assert _check_fix(tmp_path, {"nginx.conf": DEFERRED_NGINX}) == []


def test_both_locations_get_their_headers(tmp_path: Path) -> None:
    """What the oracle accepts: two passes leave every proxying location with Host, and
    a second run changes nothing."""
    from infradoctor.config import LintConfig
    from infradoctor.fixes.apply import run_fixes

    config = LintConfig(report_unused_suppressions=False, extend_select=["hardening"])
    (tmp_path / "nginx.conf").write_text(DEFERRED_NGINX)
    run_fixes(tmp_path, config, unsafe=True)
    text = (tmp_path / "nginx.conf").read_text()
    server_location = text.split("server {", 1)[1]
    assert "proxy_set_header Host $host;" in text.split("upstream", 1)[0]
    assert "proxy_set_header Host $host;" in server_location.split("location /", 1)[1]
    assert not run_fixes(tmp_path, config, unsafe=True).applied


# ---------------------------------------------------------------- round 5: same-label locations

SAME_LABEL_NGINX = (
    "include /*;location = /rtcstats-ws/{proxy_pass {{}};}\n"
    "location = /rtcstats-ws/{proxy_pass {{ }}/;\n}\n"
)


def test_same_label_locations_fixed_over_passes_are_no_re_report(tmp_path: Path) -> None:
    """Round 5: two `location = /rtcstats-ws/` blocks share a label, so their findings
    share a key. In pass 2 NGX003 is fixed on the first while XF007's fix gives the
    second its own headers, which makes NGX003 appear there: a new finding, since the
    oracle follows each fixed finding's line through the pass's edits."""
    assert _check_fix(tmp_path, {"site.conf": SAME_LABEL_NGINX}) == []


@dataclass(frozen=True)
class _Loc:
    file: str
    line: int


@dataclass(frozen=True)
class _Finding:
    rule: str
    location: _Loc
    subject: str
    message: str = ""


@dataclass(frozen=True)
class _Edit:
    file: str
    start: int
    end: int
    replacement: str


@dataclass(frozen=True)
class _Fix:
    edits: tuple[_Edit, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class _Src:
    text: str


TEXT = "a\nb\nc\nd\n"


def _moved(edit: _Edit, line: int) -> dict[tuple[str, str, str], set[int]]:
    found = _Finding("NGX003", _Loc("f", line), "/x")
    return bench_fuzz()._lines_after_pass({"f": _Src(TEXT)}, [(_Fix((edit,)), [found])])


def test_lines_shift_by_the_lines_an_earlier_edit_inserts() -> None:
    """Round 5: a fixed finding's line moves by the lines an edit above it inserts."""
    inserted_above = _Edit("f", 0, 0, "x\ny\n")  # two lines above line 3
    assert _moved(inserted_above, 3) == {("NGX003", "f", "/x"): {5}}
    inserted_below = _Edit("f", 6, 6, "x\ny\n")  # after line 3 starts
    assert _moved(inserted_below, 3) == {("NGX003", "f", "/x"): {3}}


def test_finding_at_the_fixed_place_is_a_re_report_and_elsewhere_is_not() -> None:
    """Round 5: only a finding at the (moved) fixed place counts as a re-report."""
    fuzz = bench_fuzz()
    key = ("NGX003", "f", "/x")
    moved = {key: {5}}
    assert fuzz._at_fixed_place(key, moved, [_Finding("NGX003", _Loc("f", 5), "/x")])
    assert not fuzz._at_fixed_place(key, moved, [_Finding("NGX003", _Loc("f", 7), "/x")])


# ---------------------------------------------------------------- round 6: a declined fix

DECLINED_FIX_FILES = {
    "compose.override.yml": 'services:\n proxy:\n  depends_on:\n      - backend\n      - ""',
    "compose.yml": (
        "services:\n  proxy:\n   image:\n  backend:\n    image:\n    healthcheck:\n      t:"
    ),
}


def test_a_declined_fix_does_not_misalign_the_passes(tmp_path: Path) -> None:
    """Round 6 (seed 2035, input #104927): the fix loop lints to judge fixes too, so when
    it declines one (XF005 turning `- ""` into a key CMP003 rejects) the recorded lints
    no longer lined up with the passes and the oracle spliced pass 1's edits into an
    already edited text ("fix-unparsable"). Each pass is now paired with its stack."""
    assert _check_fix(tmp_path, DECLINED_FIX_FILES) == []
