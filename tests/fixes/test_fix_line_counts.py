"""The summary's "+A -R lines" counts the lines the diff adds and removes, from the
diff's hunks (one diff per run, no second unredacted one to count): a line whose text
starts with "--" or "++" counts like any other (it was missed when counting "+"/"-"
lines of the printed diff, where it reads like a file header)."""

from __future__ import annotations

from pathlib import Path

from infradoctor.fixes.apply import FixRun


def _run(before: dict[str, str], after: dict[str, str]) -> FixRun:
    run = FixRun(Path("."))
    run.originals.update(before)
    run.results.update(after)
    return run


def _printed_counts(diff: str) -> tuple[int, int]:
    body = [line for line in diff.splitlines() if not line.startswith(("--- a/", "+++ b/"))]
    return (
        sum(1 for line in body if line.startswith("+")),
        sum(1 for line in body if line.startswith("-")),
    )


def test_counts_match_the_printed_diff() -> None:
    run = _run(
        {"a.yaml": "x: 1\ny: 2\nz: 3\n", "b.conf": "events {}\n"},
        {"a.yaml": "x: 1\ny: 5\nz: 3\nw: 4\n", "b.conf": "events {}\nhttp {}\n"},
    )
    assert run.changed_lines() == (3, 1)
    assert run.changed_lines() == _printed_counts(run.diff())


def test_lines_that_look_like_headers_are_counted() -> None:
    run = _run(
        {"k.yaml": "a: 1\n---\nb: 2\n"},
        {"k.yaml": "a: 1\nb: 2\n++c\n"},
    )
    assert run.changed_lines() == (1, 1)
    assert "\n----\n" in run.diff() and "\n+++c\n" in run.diff()


def test_unchanged_files_count_nothing() -> None:
    run = _run({"a.yaml": "x: 1\n"}, {"a.yaml": "x: 1\n"})
    assert run.changed_lines() == (0, 0)
    assert run.diff() == ""
