"""syntax/globpat: the include globs nginx expands, matched like fnmatch/glob but with a
linear translation (20,000 `[` in an include took 5 s through fnmatch; long fuzz round)."""

from __future__ import annotations

import fnmatch
import glob
import itertools
import os
from pathlib import Path

import pytest

from infradoctor.engine import lint
from infradoctor.syntax import globpat

ALPHABET = "ab]![-*?."


def _patterns() -> list[str]:
    """Every pattern of up to 3 characters over an alphabet holding all glob syntax."""
    return ["".join(p) for n in range(4) for p in itertools.product(ALPHABET, repeat=n)]


NAMES = ["", "a", "b", "ab", "]", "[", "!", "-", ".a", "a.b", "[a]", "a-b", "!]", "ba]"]


def test_matches_like_fnmatch_for_every_short_pattern() -> None:
    for pattern in _patterns():
        for name in NAMES:
            assert globpat.fnmatchcase(name, pattern) == fnmatch.fnmatchcase(name, pattern), (
                pattern,
                name,
            )


def test_an_unclosed_bracket_run_is_literal_and_translated_in_one_pass() -> None:
    pattern = "[" * 20_000
    assert globpat.translate(pattern) == "(?s:" + "\\[" * 20_000 + ")\\Z"
    assert globpat.fnmatchcase(pattern, pattern)
    assert not globpat.fnmatchcase("x", pattern)


@pytest.mark.parametrize(
    "pattern",
    ["conf.d/*.conf", "conf.d/[ab]*.conf", "*/*.conf", "conf.d/?.conf", "*", "c*/.*", "x/*"],
)
def test_glob_under_lists_what_glob_lists(tmp_path: Path, pattern: str) -> None:
    for rel in [
        "conf.d/a.conf",
        "conf.d/b.conf",
        "conf.d/c.txt",
        "conf.d/.hidden.conf",
        "conf.d/x.conf",
        "other/z.conf",
        "top.conf",
    ]:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("x")
    want = sorted(glob.glob(os.path.join(tmp_path, pattern)))
    assert globpat.glob_under(str(tmp_path), pattern) == want


def test_a_root_whose_name_looks_like_a_glob_is_not_read_as_one(tmp_path: Path) -> None:
    root = tmp_path / "site[1]"
    (root / "conf.d").mkdir(parents=True)
    (root / "conf.d" / "a.conf").write_text("x")
    assert globpat.glob_under(str(root), "conf.d/*.conf") == [str(root / "conf.d" / "a.conf")]


def test_an_include_of_a_huge_bracket_glob_is_linted(tmp_path: Path) -> None:
    (tmp_path / "nginx.conf").write_text(
        "http { include " + "[" * 20_000 + "; server { location / { proxy_pass http://a:1; } } }\n"
    )
    result = lint(tmp_path)
    assert [r.directive.location.line for c in result.stack.nginx for r in c.routes] == [1]
