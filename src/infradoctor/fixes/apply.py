"""The fix loop: lint, pick non-overlapping fixes, splice them into the files, write them
atomically, re-lint; repeat until nothing changes or the pass limit.

A fix is applied whole or not at all (a refused file drops every fix that touches it);
fixes whose edits overlap one already picked wait for the next pass, when the re-lint
gives them fresh offsets. `--diff` runs the same loop on a temporary copy of the tree and
diffs the result, so what is shown is exactly what a real run would write."""

from __future__ import annotations

import bisect
import dataclasses
import os
import re
import shutil
import stat
import tempfile
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from infradoctor.config import LintConfig
from infradoctor.engine import LintResult, lint
from infradoctor.findings import Applicability, Edit, Finding, Fix
from infradoctor.fixes.attach import resolve_fixes
from infradoctor.fixes.textdiff import Matcher, unified_diff
from infradoctor.fixes.write import (
    DiskFile,
    WriteRefused,
    atomic_write,
    read_disk,
    resolve_target,
    splice_on_disk_text,
    still_parses,
)
from infradoctor.model.source import Location
from infradoctor.model.stack import Stack

MAX_PASSES = 5
COPY_IGNORE = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        "node_modules",
        ".venv",
        "venv",
        "__pycache__",
        ".tox",
        ".mypy_cache",
        ".pytest_cache",
    }
)


@dataclass(frozen=True, slots=True)
class AppliedFix:
    rule: str
    title: str
    files: tuple[str, ...]
    line: int
    count: int = 1  # findings this one fix resolved (identical fixes are merged)


@dataclass(slots=True)
class FixRun:
    """What a fix run did. `originals`/`results` hold the on-disk text of every changed
    file before the first and after the last pass (for diffs); `initial` is the first
    lint (of the files as they were), `final` the last."""

    root: Path
    applied: list[AppliedFix] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    passes: int = 0
    originals: dict[str, str] = field(default_factory=dict)
    results: dict[str, str] = field(default_factory=dict)
    final: LintResult | None = None
    initial: LintResult | None = None
    # (the texts it was made from, the diff): `diff()` is asked more than once per run
    _diff: tuple[tuple[tuple[str, str, str], ...], str] | None = field(
        default=None, repr=False, compare=False
    )

    @property
    def remaining(self) -> list[Finding]:
        return self.final.findings if self.final else []

    @property
    def changed_files(self) -> list[str]:
        return sorted(p for p in self.results if self.results[p] != self.originals.get(p))

    def diff(self) -> str:
        key = tuple((rel, self.originals[rel], self.results[rel]) for rel in self.changed_files)
        if self._diff is None or self._diff[0] != key:  # strings compare by identity first
            self._diff = (key, self._make_diff())
        return self._diff[1]

    def _make_diff(self) -> str:
        chunks: list[str] = []
        for rel in self.changed_files:
            chunks.extend(
                unified_diff(
                    self.originals[rel].splitlines(keepends=True),
                    self.results[rel].splitlines(keepends=True),
                    fromfile=f"a/{rel}",
                    tofile=f"b/{rel}",
                )
            )
            if chunks and not chunks[-1].endswith("\n"):
                chunks.append("\n\\ No newline at end of file\n")
        return "".join(chunks)

    def as_before(self, findings: Iterable[Finding]) -> list[Finding]:
        """`findings` of the final lint, located in the files as they were before the run.

        `--diff` writes nothing, so a location in the fixed text points at the wrong line
        of the file the user has. A finding the first lint also had (same rule, file and
        subject, matched in order) takes that finding's location; any other one in a
        changed file has its line carried back through the diff."""
        before: dict[tuple[str, str, str], deque[Finding]] = {}
        for f in self.initial.findings if self.initial else []:
            before.setdefault((f.rule, f.location.file, f.subject or ""), deque()).append(f)
        changed = set(self.changed_files)
        maps: dict[str, tuple[Sequence[tuple[str, int, int, int, int]], list[int]]] = {}
        out: list[Finding] = []
        for f in findings:
            same = before.get((f.rule, f.location.file, f.subject or ""))
            if same:
                out.append(dataclasses.replace(f, location=same.popleft().location))
                continue
            rel = f.location.file
            if rel not in changed:
                out.append(f)
                continue
            if rel not in maps:
                codes = Matcher(
                    None,
                    self.originals[rel].splitlines(),
                    self.results[rel].splitlines(),
                    autojunk=False,
                ).get_opcodes()
                maps[rel] = (codes, [op[3] for op in codes])
            opcodes, starts = maps[rel]
            out.append(dataclasses.replace(f, location=_line_before(f.location, opcodes, starts)))
        return out


def _line_before(
    loc: Location,
    opcodes: Sequence[tuple[str, int, int, int, int]],
    starts: Sequence[int] | None = None,
) -> Location:
    """Where `loc` (in the fixed text) was in the original: the same line when the fixes
    left it alone, else column 1 of the line the fix replaced or inserted before.
    `starts`: each opcode's j1 (the opcodes tile the fixed text in order), to bisect."""
    index = loc.line - 1
    if starts is None:
        starts = [op[3] for op in opcodes]
    # the last opcode starting at or before the line; empty (delete) ones hold no line
    at = bisect.bisect_right(starts, index) - 1
    if at >= 0:
        tag, i1, _i2, j1, j2 = opcodes[at]
        if j1 <= index < j2:
            if tag == "equal":
                return Location(loc.file, i1 + index - j1 + 1, loc.column)
            return Location(loc.file, i1 + 1, 1)
    last = opcodes[-1][2] if opcodes else 0
    return Location(loc.file, max(last, 1), 1)


def allowed_applicabilities(unsafe: bool) -> frozenset[Applicability]:
    return frozenset({Applicability.SAFE, Applicability.UNSAFE} if unsafe else {Applicability.SAFE})


def _conflicts(a: Edit, b: Edit) -> bool:
    if a.file != b.file:
        return False
    if a.start == a.end == b.start == b.end and _siblings(a.replacement, b.replacement):
        return False
    return (a.start < b.end and b.start < a.end) or a.start == b.start


_LEAD = re.compile(r"(\n?)([ \t]*)\S")


def _line_keys(text: str) -> set[tuple[int, str]]:
    """(indent, key) of each inserted line: a YAML key or nginx directive name (with the
    header name for header directives, which may repeat for different headers)."""
    keys: set[tuple[int, str]] = set()
    for line in text.split("\n"):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        words = re.split(r"[\s:;]+", stripped.lstrip("- "), maxsplit=2)
        key = words[0]
        if key in ("proxy_set_header", "add_header", "proxy_hide_header") and len(words) > 1:
            key += " " + words[1].lower()
        keys.add((len(line) - len(line.lstrip()), key))
    return keys


def _siblings(a: str, b: str) -> bool:
    """Two insertions at the same offset can both go in, one after the other, when they
    are entries of the same block: same leading shape (newline + indentation, or
    indentation + trailing newline), different text and no key in common (a YAML key or
    nginx directive twice would be a duplicate)."""
    if a == b:
        return False
    ma, mb = _LEAD.match(a), _LEAD.match(b)
    if ma is None or mb is None or ma.groups() != mb.groups():
        return False
    if not ma.group(1) and not (a.endswith("\n") and b.endswith("\n")):
        return False
    return not (_line_keys(a) & _line_keys(b))


def _self_consistent(fix: Fix) -> bool:
    edits = fix.edits
    return all(
        not _conflicts(edits[i], edits[j])
        for i in range(len(edits))
        for j in range(i + 1, len(edits))
    )


BlockKey = tuple[str, int]  # (file, offset of the block's `{`)


class HeaderBlocks:
    """Which nginx block an edit adding `proxy_set_header` lands in, and that block's
    enclosing blocks (across `include`s and across every config that reads the file).

    proxy_set_header is inherited only by levels that set none of their own, and a fixer
    that adds one to a level copies the set it inherits *as the file is now*. Two such
    fixes on nested levels in one pass would therefore lose what the outer one adds (the
    inner level's new set replaces it: NGX007). They go in different passes instead, the
    inner one first: the re-lint then sees the inner level's own set, so the rules ask
    for what it lacks at that level (NGX003 fixes it there) before anything is added
    outside it."""

    def __init__(self, stack: Stack) -> None:
        self._blocks: dict[str, list[tuple[int, int, BlockKey, frozenset[BlockKey]]]] = {}
        for cfg in stack.nginx:
            for d in cfg.walk():
                if d.block is None or d.block_open is None or d.block_close is None:
                    continue
                key = (d.file, d.block_open)
                ancestors = frozenset(
                    (a.file, a.block_open) for a in d.ancestors() if a.block_open is not None
                )
                self._blocks.setdefault(d.file, []).append(
                    (d.block_open, d.block_close, key, ancestors)
                )
        # Per file, the blocks as nested intervals (sorted by `{`, each with its parent),
        # so an edit finds its innermost block by bisection instead of a scan of the file's
        # blocks. A file whose blocks do not nest cleanly keeps the scan.
        self._nested: dict[str, _NestedBlocks | None] = {
            file: _NestedBlocks.of(blocks) for file, blocks in self._blocks.items()
        }

    def of(self, fix: Fix) -> dict[BlockKey, frozenset[BlockKey]]:
        """Block -> its enclosing blocks, for each block the fix adds proxy_set_header to."""
        out: dict[BlockKey, frozenset[BlockKey]] = {}
        for e in fix.edits:
            if "proxy_set_header" not in e.replacement:
                continue
            nested = self._nested.get(e.file)
            if nested is not None:
                found = nested.innermost(e.start)
                if found is None:
                    continue
                key, ancestors = found
            else:
                around = [b for b in self._blocks.get(e.file, ()) if b[0] < e.start <= b[1]]
                if not around:
                    continue
                innermost = max(b[0] for b in around)
                key = (e.file, innermost)
                ancestors = frozenset().union(*(b[3] for b in around if b[2] == key))
            out[key] = out.get(key, frozenset()) | ancestors
        return out


class _NestedBlocks:
    """One file's blocks as properly nested `{`..`}` intervals (several configs may list
    the same block: their ancestor sets are merged, as `HeaderBlocks.of` did)."""

    def __init__(
        self,
        opens: list[int],
        closes: list[int],
        parents: list[int],
        keys: list[BlockKey],
        ancestors: list[frozenset[BlockKey]],
    ) -> None:
        self.opens, self.closes, self.parents = opens, closes, parents
        self.keys, self.ancestors = keys, ancestors

    @classmethod
    def of(
        cls, blocks: list[tuple[int, int, BlockKey, frozenset[BlockKey]]]
    ) -> _NestedBlocks | None:
        spans: dict[int, int] = {}
        merged: dict[int, set[BlockKey]] = {}
        keys: dict[int, BlockKey] = {}
        for open_, close, key, ancestors in blocks:
            if spans.setdefault(open_, close) != close:
                return None  # one `{`, two `}`: not a clean nesting
            merged.setdefault(open_, set()).update(ancestors)
            keys[open_] = key
        opens = sorted(spans)
        closes = [spans[o] for o in opens]
        parents: list[int] = []
        stack: list[int] = []
        for i, (o, c) in enumerate(zip(opens, closes, strict=True)):
            if c < o:
                return None
            while stack and closes[stack[-1]] < o:
                stack.pop()
            if stack and closes[stack[-1]] < c:
                return None  # overlapping, not nested
            parents.append(stack[-1] if stack else -1)
            stack.append(i)
        return cls(
            opens,
            closes,
            parents,
            [keys[o] for o in opens],
            [frozenset(merged[o]) for o in opens],
        )

    def innermost(self, offset: int) -> tuple[BlockKey, frozenset[BlockKey]] | None:
        """The innermost block with `{` < offset <= `}`, and its ancestors."""
        i = bisect.bisect_left(self.opens, offset) - 1
        while i >= 0 and self.closes[i] < offset:
            i = self.parents[i]
        if i < 0:
            return None
        return self.keys[i], self.ancestors[i]


class _TakenEdits:
    """The edits picked so far in a pass, per file sorted by start, answering "does this
    edit conflict with any of them" by looking only at its neighbours. Picked edits never
    conflict with each other, so only the ones starting before the edit's start at the
    closest position can reach into it, and only those starting in its span (or at its
    start) can overlap it."""

    def __init__(self) -> None:
        self._files: dict[str, tuple[list[int], list[Edit]]] = {}

    def conflicts(self, e: Edit) -> bool:
        entry = self._files.get(e.file)
        if entry is None:
            return False
        starts, edits = entry
        i = bisect.bisect_left(starts, e.start)
        j = i - 1
        while j >= 0 and starts[j] == starts[i - 1]:
            if _conflicts(e, edits[j]):
                return True
            j -= 1
        k = i
        while k < len(starts) and (starts[k] < e.end or starts[k] == e.start):
            if _conflicts(e, edits[k]):
                return True
            k += 1
        return False

    def add(self, e: Edit) -> None:
        starts, edits = self._files.setdefault(e.file, ([], []))
        i = bisect.bisect_right(starts, e.start)
        starts.insert(i, e.start)
        edits.insert(i, e)


def choose_fixes(
    findings: Iterable[Finding],
    allowed: frozenset[Applicability],
    stack: Stack | None = None,
) -> tuple[list[tuple[Fix, list[Finding]]], list[Finding]]:
    """Fixes to apply this pass (identical fixes merged, overlapping ones deferred) and
    the findings whose fixes were deferred. With the `stack`, fixes adding
    proxy_set_header on nested nginx levels are not combined either (see HeaderBlocks)."""
    chosen: list[tuple[Fix, list[Finding]]] = []
    by_edits: dict[tuple[Edit, ...], int] = {}
    taken = _TakenEdits()
    deferred: list[Finding] = []
    findings = list(findings)
    resolve_fixes(findings)
    candidates = [
        f for f in findings if f.fix is not None and f.fix.applicability in allowed and f.fix.edits
    ]
    outer_waits: set[int] = set()
    if stack is not None and stack.nginx:
        header_blocks = HeaderBlocks(stack)
        headers = {id(f.fix): header_blocks.of(f.fix) for f in candidates if f.fix is not None}
        # A fix waits when one of its blocks strictly encloses a block that some fix
        # (itself included) adds headers to: all such enclosing blocks, in one set.
        enclosing = {
            ko for h in headers.values() for ki, anc_i in h.items() for ko in anc_i if ko != ki
        }
        outer_waits = {fid for fid, h in headers.items() if h and not enclosing.isdisjoint(h)}
    for f in candidates:
        fix = f.fix
        assert fix is not None
        key = tuple(sorted(fix.edits, key=lambda e: (e.file, e.start, e.end, e.replacement)))
        if key in by_edits:
            chosen[by_edits[key]][1].append(f)
            continue
        if (
            id(fix) in outer_waits
            or not _self_consistent(fix)
            or any(taken.conflicts(e) for e in fix.edits)
        ):
            deferred.append(f)
            continue
        by_edits[key] = len(chosen)
        chosen.append((fix, [f]))
        for e in fix.edits:
            taken.add(e)
    return chosen, deferred


def _apply_pass(result: LintResult, chosen: list[tuple[Fix, list[Finding]]], run: FixRun) -> int:
    """Write the chosen fixes; returns how many were applied."""
    stack = result.stack
    root = stack.root
    disk: dict[str, DiskFile | WriteRefused] = {}
    for fix, _ in chosen:
        for e in fix.edits:
            if e.file in disk:
                continue
            src = stack.files.get(e.file)
            try:
                if src is None:
                    raise WriteRefused(f"{e.file}: not a file this run read")
                real = resolve_target(root, root / e.file)
                current = read_disk(real)
                if current.normalised != src.text:
                    raise WriteRefused(f"{e.file}: changed on disk since it was read; not written")
                disk[e.file] = current
            except WriteRefused as exc:
                disk[e.file] = exc
    per_file: dict[str, list[Edit]] = {}
    applied = 0
    for fix, findings in chosen:
        bad = [disk[e.file] for e in fix.edits if isinstance(disk[e.file], WriteRefused)]
        if bad:
            run.refused.extend(str(b) for b in bad if str(b) not in run.refused)
            continue
        for e in fix.edits:
            per_file.setdefault(e.file, []).append(e)
        first = findings[0]
        run.applied.append(
            AppliedFix(
                first.rule,
                fix.title,
                tuple(dict.fromkeys(e.file for e in fix.edits)),
                first.location.line,
                len(findings),
            )
        )
        applied += 1
    for rel, edits in sorted(per_file.items()):
        df = disk[rel]
        assert isinstance(df, DiskFile)
        src = stack.files[rel]
        run.originals.setdefault(rel, df.text)
        new_text = splice_on_disk_text(df.text, edits, src.newline == "\r\n")
        if new_text == df.text:
            continue
        if not still_parses(str(src.kind), df.text, new_text):
            run.refused.append(
                f"{rel}: the fixes would leave it unparsable; not written (please report this)"
            )
            continue
        try:
            atomic_write(df.real_path, new_text, bom=df.bom, expect=df.st)
        except (WriteRefused, OSError) as exc:
            run.refused.append(str(exc))
            continue
        run.results[rel] = new_text
    return applied


def run_fixes(
    root: Path,
    config: LintConfig | None = None,
    *,
    unsafe: bool = False,
    max_passes: int = MAX_PASSES,
) -> FixRun:
    """Fix files under `root` in place."""
    config = config or LintConfig()
    allowed = allowed_applicabilities(unsafe)
    run = FixRun(root)
    result = lint(root, config)
    run.initial = result
    for _ in range(max_passes):
        chosen, _deferred = choose_fixes(result.findings, allowed, result.stack)
        if not chosen:
            break
        run.passes += 1
        before = dict(run.results)
        applied = _apply_pass(result, chosen, run)
        result = lint(root, config)
        if not applied or run.results == before:
            break
    run.final = result
    return run


def _copy_ignore(directory: str, names: list[str]) -> set[str]:
    skip = {n for n in names if n in COPY_IGNORE}
    for n in names:
        p = os.path.join(directory, n)
        try:
            st = os.lstat(p)
        except OSError:
            skip.add(n)
            continue
        if not (stat.S_ISREG(st.st_mode) or stat.S_ISDIR(st.st_mode) or stat.S_ISLNK(st.st_mode)):
            skip.add(n)  # sockets, fifos, devices
    return skip


def preview_fixes(
    root: Path,
    config: LintConfig | None = None,
    *,
    unsafe: bool = False,
    max_passes: int = MAX_PASSES,
) -> FixRun:
    """Run the fix loop on a temporary copy of the tree; the real files stay untouched.
    The returned run's paths are relative to the original root."""
    root = root.resolve()
    with tempfile.TemporaryDirectory(prefix="infradoctor-fix-") as tmp:
        if root.is_dir():
            copy_root = Path(tmp) / (root.name or "root")
            shutil.copytree(
                root, copy_root, symlinks=True, ignore=_copy_ignore, ignore_dangling_symlinks=True
            )
            target = copy_root
        else:
            copy_root = Path(tmp) / "root"
            copy_root.mkdir()
            shutil.copy2(root, copy_root / root.name)
            target = copy_root / root.name
        run = run_fixes(target, config, unsafe=unsafe, max_passes=max_passes)
        run.root = root
        for result in (run.initial, run.final):
            if result is not None:
                result.root = root if root.is_dir() else root.parent
    return run
