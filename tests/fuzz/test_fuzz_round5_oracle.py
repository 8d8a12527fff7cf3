"""The fix oracle of bench/fuzz.py (round 5): two `location = /rtcstats-ws/` blocks share
a label, so their findings share a key. In pass 2 NGX003 is fixed on the first while
XF007's fix gives the second its own headers, which makes NGX003 appear there. The
oracle follows each fixed finding's line through the pass's edits: a finding at another
place is new, one at the fixed place is a re-report."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from tests.fuzz.harness import bench_fuzz, check

NGINX = (
    "include /*;location = /rtcstats-ws/{proxy_pass {{}};}\n"
    "location = /rtcstats-ws/{proxy_pass {{ }}/;\n}\n"
)


def test_same_label_locations_fixed_over_passes_are_no_re_report(tmp_path: Path) -> None:
    project = tmp_path / "p"
    project.mkdir()
    (project / "site.conf").write_text(NGINX)
    files = {str(f.relative_to(project)): f.read_text() for f in project.rglob("*") if f.is_file()}
    assert check(files, "fix") == []


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
    inserted_above = _Edit("f", 0, 0, "x\ny\n")  # two lines above line 3
    assert _moved(inserted_above, 3) == {("NGX003", "f", "/x"): {5}}
    inserted_below = _Edit("f", 6, 6, "x\ny\n")  # after line 3 starts
    assert _moved(inserted_below, 3) == {("NGX003", "f", "/x"): {3}}


def test_finding_at_the_fixed_place_is_a_re_report_and_elsewhere_is_not() -> None:
    fuzz = bench_fuzz()
    key = ("NGX003", "f", "/x")
    moved = {key: {5}}
    assert fuzz._at_fixed_place(key, moved, [_Finding("NGX003", _Loc("f", 5), "/x")])
    assert not fuzz._at_fixed_place(key, moved, [_Finding("NGX003", _Loc("f", 7), "/x")])
