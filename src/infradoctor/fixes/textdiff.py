"""Line diffs of fixed files: difflib's answers, without its quadratic worst case.

`difflib.SequenceMatcher` finds the longest matching block of a window, then recurses on
the windows left and right of it, scanning each window in full. A file with many
similar blocks changed in many places (a compose file with thousands of services, each
getting `restart:`) ties on the longest block, always picks the leftmost, and so
rescans the rest of the file once per block: quadratic. `Matcher` gives the same
blocks: when a window's longest length is tied, the later tied blocks (recorded during
that one scan, in scan order) are the longest of the window to its right too, so the
next window takes the first tied block that lies inside it instead of scanning again.

`unified_diff` is `difflib.unified_diff(a, b, fromfile, tofile)` (no dates, "\\n" line
terms) on top of `Matcher`; tests compare both on random inputs."""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Sequence
from typing import Any

# (tied run ends (i, j) in scan order, index of the first one not used yet, run length)
Ties = tuple[list[tuple[int, int]], int, int]


class Matcher(difflib.SequenceMatcher[str]):
    """`difflib.SequenceMatcher` with the same matching blocks (and so the same opcodes
    and diffs), found without rescanning windows whose longest block is known."""

    # set by SequenceMatcher (not declared in its stubs)
    a: Sequence[str]
    b: Sequence[str]
    b2j: dict[str, list[int]]
    bjunk: set[str]
    matching_blocks: list[difflib.Match] | None

    def get_matching_blocks(self) -> list[difflib.Match]:
        if self.matching_blocks is not None:
            return self.matching_blocks
        la, lb = len(self.a), len(self.b)
        queue: list[tuple[int, int, int, int, Ties | None]] = [(0, la, 0, lb, None)]
        blocks: list[tuple[int, int, int]] = []
        while queue:
            alo, ahi, blo, bhi, ties = queue.pop()
            i, j, k, right_ties = self._longest(alo, ahi, blo, bhi, ties)
            if k:
                blocks.append((i, j, k))
                if alo < i and blo < j:
                    # no block of this window's longest length lies left of the first one
                    queue.append((alo, i, blo, j, None))
                if i + k < ahi and j + k < bhi:
                    queue.append((i + k, ahi, j + k, bhi, right_ties))
        blocks.sort()
        # adjacent blocks are merged, as difflib does
        merged: list[tuple[int, int, int]] = []
        i1 = j1 = k1 = 0
        for i2, j2, k2 in blocks:
            if i1 + k1 == i2 and j1 + k1 == j2:
                k1 += k2
            else:
                if k1:
                    merged.append((i1, j1, k1))
                i1, j1, k1 = i2, j2, k2
        if k1:
            merged.append((i1, j1, k1))
        merged.append((la, lb, 0))
        self.matching_blocks = [difflib.Match._make(m) for m in merged]
        return self.matching_blocks

    def _longest(
        self, alo: int, ahi: int, blo: int, bhi: int, ties: Ties | None
    ) -> tuple[int, int, int, Ties | None]:
        """`find_longest_match(alo, ahi, blo, bhi)` and the ties for the window right of
        the block it returns."""
        found = self._from_ties(alo, ahi, blo, bhi, ties) if ties is not None else None
        if found is None:
            found = self._scan(alo, ahi, blo, bhi)
        besti, bestj, bestsize, right_ties = found
        besti, bestj, bestsize = self._extend(alo, ahi, blo, bhi, besti, bestj, bestsize)
        return besti, bestj, bestsize, right_ties

    @staticmethod
    def _from_ties(
        alo: int, ahi: int, blo: int, bhi: int, ties: Ties
    ) -> tuple[int, int, int, Ties] | None:
        """The first recorded tie whose whole run lies in the window: every run of that
        length in the window was recorded, and none is longer."""
        ends, start, size = ties
        for index in range(start, len(ends)):
            i, j = ends[index]
            if i < ahi and j < bhi and i - size + 1 >= alo and j - size + 1 >= blo:
                return i - size + 1, j - size + 1, size, (ends, index + 1, size)
        return None

    def _scan(self, alo: int, ahi: int, blo: int, bhi: int) -> tuple[int, int, int, Ties]:
        """difflib's scan for the longest run of non-junk matches (earliest in a, then
        in b), also recording where every run of that length ends."""
        a, b2j = self.a, self.b2j
        besti, bestj, bestsize = alo, blo, 0
        ends: list[tuple[int, int]] = []
        j2len: dict[int, int] = {}
        nothing: list[int] = []
        for i in range(alo, ahi):
            j2lenget = j2len.get
            newj2len: dict[int, int] = {}
            for j in b2j.get(a[i], nothing):
                if j < blo:
                    continue
                if j >= bhi:
                    break
                k = newj2len[j] = j2lenget(j - 1, 0) + 1
                if k > bestsize:
                    besti, bestj, bestsize = i - k + 1, j - k + 1, k
                    ends = [(i, j)]
                elif k == bestsize:
                    ends.append((i, j))
            j2len = newj2len
        return besti, bestj, bestsize, (ends, 1, bestsize)

    def _extend(
        self, alo: int, ahi: int, blo: int, bhi: int, besti: int, bestj: int, bestsize: int
    ) -> tuple[int, int, int]:
        """Grow the block over equal non-junk, then equal junk elements on both sides
        (popular elements are not in b2j but are not junk either), as difflib does."""
        a, b, isbjunk = self.a, self.b, self.bjunk.__contains__
        while besti > alo and bestj > blo and not isbjunk(b[bestj - 1]):
            if a[besti - 1] != b[bestj - 1]:
                break
            besti, bestj, bestsize = besti - 1, bestj - 1, bestsize + 1
        while besti + bestsize < ahi and bestj + bestsize < bhi:
            if isbjunk(b[bestj + bestsize]) or a[besti + bestsize] != b[bestj + bestsize]:
                break
            bestsize += 1
        while besti > alo and bestj > blo and isbjunk(b[bestj - 1]):
            if a[besti - 1] != b[bestj - 1]:
                break
            besti, bestj, bestsize = besti - 1, bestj - 1, bestsize + 1
        while besti + bestsize < ahi and bestj + bestsize < bhi:
            if not isbjunk(b[bestj + bestsize]) or a[besti + bestsize] != b[bestj + bestsize]:
                break
            bestsize += 1
        return besti, bestj, bestsize


def _unified_range(start: int, stop: int) -> str:
    """A hunk's line range: `first,count`, `first` alone for one line, and for none the
    line before the gap with count 0."""
    first, count = start + 1, stop - start
    if count == 1:
        return str(first)
    if count == 0:
        first -= 1
    return f"{first},{count}"


def unified_diff(
    a: Sequence[str], b: Sequence[str], fromfile: str, tofile: str, n: int = 3
) -> Iterator[str]:
    """The lines of a unified diff of `a` and `b` (lines with their newlines), with `n`
    lines of context: what `difflib.unified_diff(a, b, fromfile, tofile, n=n)` yields."""
    started = False
    matcher: Any = Matcher(None, a, b)
    for group in matcher.get_grouped_opcodes(n):
        if not started:
            started = True
            yield f"--- {fromfile}\n"
            yield f"+++ {tofile}\n"
        first, last = group[0], group[-1]
        yield f"@@ -{_unified_range(first[1], last[2])} +{_unified_range(first[3], last[4])} @@\n"
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                for line in a[i1:i2]:
                    yield " " + line
                continue
            if tag in ("replace", "delete"):
                for line in a[i1:i2]:
                    yield "-" + line
            if tag in ("replace", "insert"):
                for line in b[j1:j2]:
                    yield "+" + line
