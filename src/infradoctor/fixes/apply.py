"""The fix loop: lint, pick non-overlapping fixes, splice them into the files, write them
atomically, re-lint; repeat until nothing changes or the pass limit.

A fix is applied whole or not at all (a refused file drops every fix that touches it);
fixes whose edits overlap one already picked wait for the next pass, when the re-lint
gives them fresh offsets. `--diff` runs the same loop with the writes kept in memory (each
later lint reads those texts in place of the files) and diffs the result, so what is
shown is what a real run would write."""

from __future__ import annotations

import bisect
import dataclasses
import re
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from infradoctor.config import LintConfig
from infradoctor.engine import LintResult, lint
from infradoctor.findings import Applicability, Edit, Finding, Fix, Severity
from infradoctor.fixes.attach import applicable_fixes
from infradoctor.fixes.context import edit_range_problem
from infradoctor.fixes.textdiff import Matcher
from infradoctor.fixes.write import (
    DiskFile,
    WriteRefused,
    atomic_write,
    read_disk,
    resolve_target,
    splice_on_disk_text,
    still_parses,
)
from infradoctor.model.source import FileKind, LoadError, Location, SourceFile
from infradoctor.model.stack import Stack
from infradoctor.redact import MASK, redact_lines
from infradoctor.textio import YAML_KEPT_BREAKS, YAML_KINDS, normalise_newlines

MAX_PASSES = 5
Opcode = tuple[str, int, int, int, int]  # difflib's (tag, i1, i2, j1, j2)


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
    # the refusals that are deliberate safety decisions (a file not valid UTF-8, a fix
    # that would leave a new error under another reading of the files): also in
    # `refused`, printed the same way, but the run exits 1 (findings left), not 2
    declined: list[str] = field(default_factory=list)
    passes: int = 0
    originals: dict[str, str] = field(default_factory=dict)
    results: dict[str, str] = field(default_factory=dict)
    final: LintResult | None = None
    initial: LintResult | None = None
    durable: bool = True  # fsync what is written
    # the `--diff` preview: nothing is written; `results` stands in for the files on
    # disk and `overlay` (LF-normalised) for what each later lint reads
    in_memory: bool = False
    overlay: dict[str, str] = field(default_factory=dict)
    # (the texts it was made from, the diff): `diff()` is asked more than once per run
    _diff: dict[bool, tuple[tuple[tuple[str, str, str], ...], str]] = field(
        default_factory=dict, repr=False, compare=False
    )
    # per file: (original, result, the diff's hunks), shared by the printed (redacted)
    # diff, the unredacted one and the counts of lines added and removed
    _hunks: dict[str, tuple[str, str, list[list[Opcode]]]] = field(
        default_factory=dict, repr=False, compare=False
    )

    def refuse(self, message: str) -> None:
        """Record why something was not written (once: a later pass may refuse it again)."""
        if message not in self.refused:
            self.refused.append(message)

    def decline(self, message: str) -> None:
        """Record a deliberate decision not to write (see `declined`)."""
        self.refuse(message)
        if message not in self.declined:
            self.declined.append(message)

    @property
    def failed(self) -> list[str]:
        """The refusals that are failures: a fixer bug, a write that failed, a race."""
        return [m for m in self.refused if m not in self.declined]

    @property
    def remaining(self) -> list[Finding]:
        return self.final.findings if self.final else []

    @property
    def changed_files(self) -> list[str]:
        return sorted(p for p in self.results if self.results[p] != self.originals.get(p))

    def diff(self, *, redact: bool = True) -> str:
        """Unified diff of every changed file. Computed on the real texts; with `redact`
        (what is printed) every line shown, context and changed alike, is redacted in
        the context of its whole file (docs/output.md, "Secrets"). Cached per state."""
        key = tuple((rel, self.originals[rel], self.results[rel]) for rel in self.changed_files)
        cached = self._diff.get(redact)
        if cached is None or cached[0] != key:  # strings compare by identity first
            cached = self._diff[redact] = (key, self._make_diff(redact))
        return cached[1]

    def changed_lines(self) -> tuple[int, int]:
        """(lines added, lines removed) in every changed file, counted on the diff's hunks
        (the lines the diff prints with "+" and "-")."""
        added = removed = 0
        for rel in self.changed_files:
            for group in self._hunks_of(rel):
                for tag, i1, i2, j1, j2 in group:
                    if tag != "equal":
                        removed += i2 - i1
                        added += j2 - j1
        return added, removed

    def _hunks_of(self, rel: str) -> list[list[Opcode]]:
        """The grouped opcodes of `rel`'s diff (3 lines of context), once per state."""
        original, result = self.originals[rel], self.results[rel]
        held = self._hunks.get(rel)
        if held is None or held[0] != original or held[1] != result:
            before, after = original.splitlines(keepends=True), result.splitlines(keepends=True)
            hunks = list(Matcher(None, before, after).get_grouped_opcodes(3))
            held = self._hunks[rel] = (original, result, hunks)
        return held[2]

    def _make_diff(self, redact: bool) -> str:
        chunks: list[str] = []
        for rel in self.changed_files:
            before = self.originals[rel].splitlines(keepends=True)
            after = self.results[rel].splitlines(keepends=True)
            chunks.extend(
                unified_diff(
                    before,
                    after,
                    _diff_shown(self.originals[rel]) if redact else before,
                    _diff_shown(self.results[rel]) if redact else after,
                    f"a/{rel}",
                    f"b/{rel}",
                    hunks=self._hunks_of(rel),
                )
            )
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


def _range(start: int, stop: int) -> str:
    """A hunk range as `diff -u` writes it (difflib's format)."""
    length = stop - start
    if length == 1:
        return str(start + 1)
    return f"{start if not length else start + 1},{length}"


def unified_diff(
    a: Sequence[str],
    b: Sequence[str],
    a_shown: Sequence[str],
    b_shown: Sequence[str],
    fromfile: str,
    tofile: str,
    context: int = 3,
    hunks: Iterable[list[Opcode]] | None = None,
) -> list[str]:
    r"""`difflib.unified_diff(a, b)` (same hunks, same format) printing `a_shown[i]` /
    `b_shown[j]` for line i / j: the diff is computed on the real lines, the shown ones
    (redacted, same count) are what is printed. `hunks`: `a` and `b`'s grouped opcodes,
    when already computed. A last line without a line break is followed by `\ No
    newline at end of file`, as diff and git print it (difflib glued the next line onto
    it, and patch could not apply the diff)."""
    out: list[str] = []
    if hunks is None:
        hunks = Matcher(None, a, b).get_grouped_opcodes(context)
    for group in hunks:
        if not out:
            out += [f"--- {fromfile}\n", f"+++ {tofile}\n"]
        first, last = group[0], group[-1]
        out.append(f"@@ -{_range(first[1], last[2])} +{_range(first[3], last[4])} @@\n")
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                _lines(out, " ", a, a_shown, i1, i2)
                continue
            if tag in ("replace", "delete"):
                _lines(out, "-", a, a_shown, i1, i2)
            if tag in ("replace", "insert"):
                _lines(out, "+", b, b_shown, j1, j2)
    return out


NO_NEWLINE = "\n\\ No newline at end of file\n"


def _lines(
    out: list[str], mark: str, lines: Sequence[str], shown: Sequence[str], i: int, j: int
) -> None:
    """Print `shown[i:j]` after `mark`, the file's unterminated last line marked so."""
    out += [mark + line for line in shown[i:j]]
    if j == len(lines) and j > i and lines[-1] == lines[-1].splitlines()[0]:
        out.append(NO_NEWLINE)


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
    if a.start == a.end == b.start == b.end and (
        _siblings(a.replacement, b.replacement)
        or (a.file.endswith((".yml", ".yaml")) and _flow_siblings(a.replacement, b.replacement))
    ):
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


def _flow_keys(text: str) -> set[str] | None:
    """The keys of a `, k: v, ...` insertion into a flow collection (None: not one)."""
    if not text.startswith(", ") or "#" in text or "\n" in text:
        return None
    try:
        value = yaml.safe_load("{" + text[2:] + "}")
    except yaml.YAMLError:
        return None
    if not isinstance(value, dict) or not value:
        return None
    return {repr(k) for k in value}


def _flow_siblings(a: str, b: str) -> bool:
    """Two `, k: v` insertions at the end of the same flow collection go in one after the
    other (`{x: 1, a: 2, b: 3}`) when they add different keys. Without this, each entry
    added to one flow mapping takes a pass of its own, and a fix that only becomes safe
    after them (XF005 once XF004 added the healthcheck) runs out of passes: the next
    `fix` run would apply it."""
    if a == b:
        return False
    ka, kb = _flow_keys(a), _flow_keys(b)
    return ka is not None and kb is not None and not (ka & kb)


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
    candidates = applicable_fixes(findings, allowed)  # builds no fix it would not apply
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


Chosen = list[tuple[Fix, list[Finding]]]
# Load errors that mean "this file no longer parses as well as before".
_BROKEN_KINDS = frozenset({"parse-error", "invalid", "alias-bomb"})


@dataclass(slots=True)
class _Verdict:
    """What is wrong with applying some fixes together: per fix (by index), per file."""

    fixes: dict[int, str] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)
    after: LintResult | None = None

    @property
    def ok(self) -> bool:
        return not self.fixes and not self.files


def _finding_key(f: Finding) -> tuple[str, str, str]:
    return (f.rule, f.location.file, f.subject or "")


def _edits_by_file(fixes: Chosen) -> dict[str, list[Edit]]:
    per_file: dict[str, list[Edit]] = {}
    for fix, _ in fixes:
        for e in fix.edits:
            per_file.setdefault(e.file, []).append(e)
    return per_file


class _Moves:
    """Where text of a file goes when edits are spliced into it (LF offsets)."""

    def __init__(self, edits: Sequence[Edit]) -> None:
        self.edits = sorted((e.start, e.end, len(e.replacement)) for e in edits)
        self.inserted: list[tuple[int, int]] = []  # new-text spans the edits wrote
        delta = 0
        for start, end, length in self.edits:
            self.inserted.append((start + delta, start + delta + length))
            delta += length - (end - start)

    def offset(self, old: int) -> int:
        """The new offset of old offset `old` (the start of an edit that replaced it)."""
        delta = 0
        for start, end, length in self.edits:
            if start > old or start == old and end > old:
                break
            if end > old:  # replaced: it is where the replacement starts
                return start + delta
            delta += length - (end - start)
        return old + delta

    def wrote(self, offset: int) -> bool:
        """`offset` (in the new text) is in text an edit wrote."""
        return any(a <= offset < b for a, b in self.inserted)


def _span(src: SourceFile, loc: Location) -> tuple[int, int]:
    """(offset, line) of a location in its file."""
    offset = loc.offset if loc.offset is not None else src.offset_of(loc.line, loc.column)
    return offset, loc.line


def _still_reported(
    f: Finding,
    before: LintResult,
    after: LintResult,
    moves: _Moves | None,
    still: dict[tuple[str, str, str], list[tuple[int, int]]],
) -> bool:
    """The re-lint reports `f` again: same rule, file and subject, on the line the fixes
    moved its line to, or on text the fixes wrote (a fix flagged by its own rule). A
    finding of the same subject elsewhere is another one (a rule may report a server
    once per route group, and a fix may handle one group)."""
    candidates = still.get(_finding_key(f))
    src = before.stack.files.get(f.location.file)
    if not candidates or src is None:
        return False
    offset, line = _span(src, f.location)
    new_src = after.stack.files.get(f.location.file)
    if moves is None or new_src is None:
        return any(cline == line for _, cline in candidates)
    new_line = new_src.position_of(min(moves.offset(offset), len(new_src.text)))[0]
    return any(moves.wrote(o) or cline == new_line for o, cline in candidates)


def _splice(
    result: LintResult, disk: dict[str, DiskFile], fixes: Chosen
) -> tuple[dict[str, str], dict[str, str]]:
    """(on-disk text, LF-normalised text) of every file the fixes change."""
    per_file = _edits_by_file(fixes)
    on_disk: dict[str, str] = {}
    for rel, edits in sorted(per_file.items()):
        df = disk[rel]
        src = result.stack.files[rel]
        on_disk[rel] = splice_on_disk_text(df.text, edits, src.newline)
    normalised = {
        rel: normalise_newlines(t, result.stack.files[rel].kind)[0] for rel, t in on_disk.items()
    }
    return on_disk, normalised


def _judge(
    result: LintResult,
    root: Path,
    disk: dict[str, DiskFile],
    fixes: Chosen,
    config: LintConfig,
    *,
    with_fixes: bool,
    overlay: Mapping[str, str],
) -> _Verdict:
    """Lint `root` with the files as the fixes would leave them (nothing is written; the
    `overlay` of the in-memory preview's earlier passes read as well) and say what is
    wrong: a file that parses worse than before (syntax, or a new load error such as a
    duplicate key), or a finding a fix was to resolve that is still reported (see
    `_still_reported`)."""
    verdict = _Verdict()
    on_disk, normalised = _splice(result, disk, fixes)
    for rel, text in on_disk.items():
        kind = str(result.stack.files[rel].kind)
        if not still_parses(kind, disk[rel].text, text, rel):
            verdict.files[rel] = "the fixes would leave it unparsable"
    if verdict.files:
        return verdict
    _offer_checked_yaml(result.stack, normalised)
    overrides = {**overlay, **normalised} if overlay else normalised
    after = lint(root, config, with_fixes=with_fixes, overrides=overrides)
    verdict.after = after

    def broken(errors: Iterable[LoadError]) -> dict[str, int]:
        out: dict[str, int] = {}
        for err in errors:
            if err.kind in _BROKEN_KINDS:
                out[err.file] = out.get(err.file, 0) + 1
        return out

    before_errors, after_errors = broken(result.errors), broken(after.errors)
    for rel in normalised:
        if after_errors.get(rel, 0) > before_errors.get(rel, 0):
            verdict.files[rel] = "the fixes would leave it with a load error"
    _new_errors(result, after, normalised, verdict)
    moved = {rel: _Moves(edits) for rel, edits in _edits_by_file(fixes).items()}
    still: dict[tuple[str, str, str], list[tuple[int, int]]] = {}
    for g in after.findings:
        src = after.stack.files.get(g.location.file)
        if src is not None:
            still.setdefault(_finding_key(g), []).append(_span(src, g.location))
    for i, (_, findings) in enumerate(fixes):
        for f in findings:
            if _still_reported(f, result, after, moved.get(f.location.file), still):
                verdict.fixes[i] = (
                    f"the fix would not resolve {f.rule} at {f.location.file}:"
                    f"{f.location.line} (the re-lint still reports it)"
                )
                break
    return verdict


def _offer_checked_yaml(stack: Stack, texts: Mapping[str, str]) -> None:
    """The edit checks composed each compose file as the fixes leave it: the lint of the
    fixed files converts those nodes instead of composing the text again."""
    from infradoctor.fixes.yaml_edit import documents
    from infradoctor.parsecache import offer_yaml_nodes

    for rel, text in texts.items():
        if stack.files[rel].kind == FileKind.COMPOSE and (docs := documents(text)) is not None:
            offer_yaml_nodes(rel, text, docs)


NEW_PROBLEM = "the fixes would leave a new"
# Rules whose new finding after a fix means the fix does not hold under some reading even
# at warning severity: `condition: service_healthy` on a dependency whose image only may
# define a HEALTHCHECK (XF004 is a warning then) can keep `docker compose up` from starting.
BREAKS_A_READING = frozenset({"XF004"})


def _new_errors(
    result: LintResult, after: LintResult, edited: Mapping[str, str], verdict: _Verdict
) -> None:
    """A fix must hold under every reading of the files it edits: a variant compose file
    run both on its base and alone (loaders/variants.py) must not get an error the other
    reading causes (`condition: service_healthy` on a service healthy only in the base)."""

    def breaks(g: Finding) -> bool:
        return g.severity >= Severity.ERROR or g.rule in BREAKS_A_READING

    before = {_finding_key(g) for g in result.findings if breaks(g)}
    for g in after.findings:
        rel = g.location.file
        if breaks(g) and rel in edited and _finding_key(g) not in before:
            what = "error" if g.severity >= Severity.ERROR else g.severity.label
            verdict.files.setdefault(
                rel, f"{NEW_PROBLEM} {what} {g.rule} at {rel}:{g.location.line}"
            )


def _fix_files(fix: Fix) -> list[str]:
    return list(dict.fromkeys(e.file for e in fix.edits))


def _refusal(fix: Fix, findings: list[Finding], why: str, *, bug: bool = True) -> str:
    """`FILE: CODE fix (title): why`; a fix that failed its checks is a fixer bug."""
    first = findings[0]
    text = f"{_fix_files(fix)[0]}: {first.rule} fix ({fix.title}): {why}"
    return text + " (please report this)" if bug and NEW_PROBLEM not in why else text


def _edit_problems(fixes: Sequence[Fix]) -> list[str | None]:
    """What each fix's own edit checks say is wrong with it (yaml_edit.with_check): the
    first failing check of each, the YAML ones run together (one parse per file)."""
    from infradoctor.fixes.yaml_edit import EditCheck, check_all

    joint = [e.verify for fix in fixes for e in fix.edits if isinstance(e.verify, EditCheck)]
    try:
        verdicts = dict(zip(map(id, joint), check_all(joint), strict=True))
    except Exception:  # noqa: BLE001 - the checks run one by one and say what broke
        verdicts = {}
    out: list[str | None] = []
    for fix in fixes:
        problem = None
        for e in fix.edits:
            if e.verify is None:
                continue
            if id(e.verify) in verdicts:
                problem = verdicts[id(e.verify)]
            else:
                problem = _run_check(e.verify)
            if problem:
                break
        out.append(problem)
    return out


def _run_check(verify: Callable[[], str | None]) -> str | None:
    try:
        return verify()
    except Exception as exc:  # noqa: BLE001 - a broken check refuses, never crashes
        return f"cannot check the edit ({type(exc).__name__}: {exc})"


def _verified(
    result: LintResult,
    root: Path,
    disk: dict[str, DiskFile],
    fixes: Chosen,
    config: LintConfig,
    run: FixRun,
) -> tuple[Chosen, LintResult | None]:
    """The fixes that can be written together, and the lint of the files as they leave
    them. A fix whose edit does not mean what it should, that leaves a file parsing
    worse, or whose finding the re-lint still reports, is refused: it is a fixer bug, and
    writing it would corrupt the file or loop on every run."""
    ranged = [(c, edit_range_problem(c[0], result.stack)) for c in fixes]
    in_range = [c for c, problem in ranged if not problem]
    checked = dict(zip(map(id, in_range), _edit_problems([f for f, _ in in_range]), strict=True))
    kept: Chosen = []
    for chosen, problem in ranged:
        fix, findings = chosen
        problem = problem or checked[id(chosen)]
        if problem:
            run.refuse(_refusal(fix, findings, f"the edit is wrong: {problem}"))
        else:
            kept.append((fix, findings))
    while kept:
        verdict = _judge(result, root, disk, kept, config, with_fixes=True, overlay=run.overlay)
        if verdict.ok:
            return kept, verdict.after
        suspects = set(verdict.fixes)
        suspects |= {
            i for i, (fix, _) in enumerate(kept) if set(_fix_files(fix)) & set(verdict.files)
        }
        guilty: dict[int, str] = {}
        for i in sorted(suspects):
            alone = _judge(
                result, root, disk, [kept[i]], config, with_fixes=False, overlay=run.overlay
            )
            if not alone.ok:
                guilty[i] = next(iter(alone.fixes.values()), None) or next(
                    f"{rel}: {why}" for rel, why in alone.files.items()
                )
        if not guilty:  # each is fine alone, not together: write none of them
            guilty = {
                i: verdict.fixes.get(i)
                or "together with the other fixes of this pass it "
                + next(iter(verdict.files.values()), "breaks the file")
                for i in suspects
            }
        for i, why in sorted(guilty.items()):
            fix, findings = kept[i]
            message = _refusal(fix, findings, why)
            run.decline(message) if NEW_PROBLEM in why else run.refuse(message)
        kept = [c for i, c in enumerate(kept) if i not in guilty]
    return kept, None


def _apply_pass(
    result: LintResult, chosen: Chosen, run: FixRun, config: LintConfig | None = None
) -> int:
    """Write the chosen fixes that pass every check; returns how many were applied."""
    return _write_pass(result, chosen, run, config)[0]


def _write_pass(
    result: LintResult,
    chosen: Chosen,
    run: FixRun,
    config: LintConfig | None = None,
) -> tuple[int, LintResult | None]:
    """Write the chosen fixes that pass every check. Returns how many were applied (all
    their files written) and, when everything planned was written, the lint of the tree
    as it now is (so the next pass need not lint it again)."""
    disk = _targets(result.stack, chosen, run)
    writable: Chosen = []
    for fix, findings in chosen:
        bad = [disk[rel] for rel in _fix_files(fix) if isinstance(disk[rel], WriteRefused)]
        if bad:
            for b in bad:
                assert isinstance(b, WriteRefused)
                run.decline(str(b)) if b.declined else run.refuse(str(b))
            continue
        writable.append((fix, findings))
    readable = {rel: df for rel, df in disk.items() if isinstance(df, DiskFile)}
    fixes, after = _verified(result, run.root, readable, writable, config or LintConfig(), run)
    on_disk, normalised = _splice(result, readable, fixes)
    written = _write_files(run, readable, on_disk, normalised)
    applied = 0
    for fix, findings in fixes:
        files = _fix_files(fix)
        if not set(files) <= written:
            if set(files) & written:
                missing = ", ".join(f for f in files if f not in written)
                run.refuse(
                    _refusal(fix, findings, f"only partly written ({missing} not)", bug=False)
                )
            continue
        if all(on_disk[f] == readable[f].text for f in files):
            continue  # the edits change nothing
        first = findings[0]
        run.applied.append(
            AppliedFix(first.rule, fix.title, tuple(files), first.location.line, len(findings))
        )
        applied += 1
    complete = written == set(on_disk)
    return applied, after if complete else None


def _targets(stack: Stack, chosen: Chosen, run: FixRun) -> dict[str, DiskFile | WriteRefused]:
    """Every file the chosen fixes edit, as it is on disk now (for the preview: as its
    earlier passes left it), or why it will not be written."""
    disk: dict[str, DiskFile | WriteRefused] = {}
    for fix, _ in chosen:
        for e in fix.edits:
            if e.file not in disk:
                disk[e.file] = _target(stack, e.file, run)
    return disk


def _target(stack: Stack, rel: str, run: FixRun) -> DiskFile | WriteRefused:
    src = stack.files.get(rel)
    try:
        if src is None:
            raise WriteRefused.of(rel, "not a file this run read")
        if src.replaced_at is not None:
            line, column = src.replaced_at
            raise WriteRefused.of(
                rel,
                f"not valid UTF-8 (first invalid byte at line {line}, "
                f"column {column}); it was read with replacement characters and "
                "writing it back would corrupt those bytes; not written",
                declined=True,
            )
        real = resolve_target(stack.root, stack.root / rel, writable=not run.in_memory)
        current = read_disk(real)
        if rel in run.overlay:  # the preview's earlier pass "wrote" it
            current.text = run.results[rel]
        if src.kind in YAML_KINDS and any(c in src.text for c in YAML_KEPT_BREAKS):
            raise WriteRefused.of(
                rel,
                "holds a Unicode line or paragraph separator (U+2028/U+2029), "
                "a line break for YAML but not for the fixer; not written",
                declined=True,
            )
        if current.normalised(src.kind) != src.text:
            raise WriteRefused.of(rel, "changed on disk since it was read")
        return current
    except WriteRefused as exc:
        return WriteRefused.of(rel, exc.reason, declined=exc.declined) if exc.reason else exc


def _write_files(
    run: FixRun,
    readable: Mapping[str, DiskFile],
    on_disk: Mapping[str, str],
    normalised: Mapping[str, str],
) -> set[str]:
    """Write each new text (the preview keeps it in memory); the files now as planned."""
    written: set[str] = set()
    for rel, new_text in on_disk.items():
        df = readable[rel]
        run.originals.setdefault(rel, df.text)
        if new_text == df.text:
            written.add(rel)
            continue
        if run.in_memory:
            run.results[rel] = new_text
            run.overlay[rel] = normalised[rel]
            written.add(rel)
            continue
        try:
            atomic_write(df.real_path, new_text, bom=df.bom, expect=df.st, durable=run.durable)
        except WriteRefused as exc:
            run.refuse(f"{rel}: {exc.reason}" if exc.reason else str(exc))
            continue
        except OSError as exc:
            run.refuse(f"{rel}: cannot write ({exc.strerror or exc})")
            continue
        run.results[rel] = new_text
        written.add(rel)
    return written


def run_fixes(
    root: Path,
    config: LintConfig | None = None,
    *,
    unsafe: bool = False,
    max_passes: int = MAX_PASSES,
    durable: bool = True,
) -> FixRun:
    """Fix files under `root` in place (`durable`: fsync every file written)."""
    from infradoctor.parsecache import sharing

    with sharing():  # a pass re-parses only the files it changes
        return _fix_loop(FixRun(root, durable=durable), config or LintConfig(), unsafe, max_passes)


def _fix_loop(run: FixRun, config: LintConfig, unsafe: bool, max_passes: int) -> FixRun:
    root = run.root
    allowed = allowed_applicabilities(unsafe)
    result = lint(root, config)
    run.initial = result
    for _ in range(max_passes):
        chosen, _deferred = choose_fixes(result.findings, allowed, result.stack)
        if not chosen:
            break
        run.passes += 1
        before = dict(run.results)
        applied, after = _write_pass(result, chosen, run, config)
        result = after if after is not None else lint(root, config, overrides=run.overlay)
        if not applied or run.results == before:
            break
    run.final = result
    return run


def preview_fixes(
    root: Path,
    config: LintConfig | None = None,
    *,
    unsafe: bool = False,
    max_passes: int = MAX_PASSES,
) -> FixRun:
    """Run the fix loop without writing anything: each pass keeps what it would write in
    memory and the next lint reads those texts in place of the files (the checks of what
    is on disk, where a symlink leads and what is a regular file still run against the
    real tree; whether this user may write the files is the real run's question)."""
    from infradoctor.parsecache import sharing

    run = FixRun(root.resolve(), in_memory=True)
    with sharing(disk_fixed=True):  # nothing is written: each lint walks the same tree
        return _fix_loop(run, config or LintConfig(), unsafe, max_passes)


def _diff_shown(text: str) -> list[str]:
    """The lines of `text` as a diff shows them: redacted, each secret as `***` (the
    diff convention of docs/fix.md; other outputs say `[REDACTED]`)."""
    lines = redact_lines(text)
    if MASK not in "".join(lines):  # most files: no line to rewrite
        return lines
    return [line.replace(MASK, "***") for line in lines]
