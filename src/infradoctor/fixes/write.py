"""Writing fixed files back: atomically, with the original newline style, BOM, permission
bits and ownership, and never through a symlink that leaves the scanned tree.

Edits are expressed on `SourceFile.text` (LF-normalised). We map them onto the bytes on
disk instead of re-encoding the whole normalised text, so a file with mixed line endings
keeps every untouched byte exactly as it was."""

from __future__ import annotations

import bisect
import os
import stat
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from infradoctor.findings import Edit
from infradoctor.model.source import FileKind

BOM = "\ufeff"


class WriteRefused(Exception):
    """A file we will not write (changed on disk, symlink out of the tree, ...). `reason`
    says why, without the file name (the caller names the file as the user knows it)."""

    def __init__(self, message: str, reason: str | None = None, *, declined: bool = False) -> None:
        super().__init__(message)
        self.reason = reason
        # a deliberate safety decision about the file (not UTF-8, ...), not a failure:
        # the finding stays and `fix` exits 1 as for any finding left, not 2
        self.declined = declined

    @classmethod
    def of(cls, path: Path | str, reason: str, *, declined: bool = False) -> WriteRefused:
        return cls(f"{path}: {reason}", reason, declined=declined)


@dataclass(slots=True)
class DiskFile:
    """A file as it is on disk right now, ready to receive LF-offset edits."""

    real_path: Path
    text: str  # decoded, BOM removed, line endings as on disk
    bom: bool
    st: os.stat_result

    def normalised(self, kind: FileKind) -> str:
        """The text as `SourceReader` would give it for a file of `kind`."""
        from infradoctor.textio import normalise_newlines

        return normalise_newlines(self.text, kind)[0]


def resolve_target(root: Path, path: Path, *, writable: bool = True) -> Path:
    """The real file to write for `path`; refuses symlinks that leave `root` and anything
    that is not an existing regular file (fixes never create files), and with `writable`
    a file this user may not replace (the `--diff` preview, which writes nothing, shows
    the fix anyway)."""
    root_real = root.resolve()
    try:
        real = path.resolve(strict=True)
    except (OSError, RuntimeError) as exc:
        raise WriteRefused.of(path, f"cannot resolve ({exc})") from None
    try:
        real.relative_to(root_real)
    except ValueError:
        raise WriteRefused.of(path, f"resolves to {real}, outside the scanned tree") from None
    try:
        st = os.stat(real)
    except OSError as exc:
        raise WriteRefused.of(path, str(exc.strerror or exc)) from None
    if not stat.S_ISREG(st.st_mode):
        raise WriteRefused.of(path, "not a regular file")
    if not writable:
        return real
    if not os.access(real, os.W_OK):
        raise WriteRefused.of(path, "permission denied (the file is not writable)")
    if not os.access(real.parent, os.W_OK | os.X_OK):
        raise WriteRefused.of(
            path, f"permission denied (cannot create the temporary file in {real.parent})"
        )
    return real


def read_disk(real: Path) -> DiskFile:
    from infradoctor.textio import Refusal, open_resolved, read_fd

    # Non-blocking open of the resolved path, then fstat: a FIFO swapped in after
    # resolve_target's check is refused, never waited on.
    opened = open_resolved(real, None, nofollow=True)
    if isinstance(opened, Refusal):
        raise WriteRefused.of(real, opened.message)
    fd, st = opened
    try:
        data = read_fd(fd, max(st.st_size, 0) + (1 << 20))
    except OSError as exc:
        raise WriteRefused.of(real, f"cannot read ({exc.strerror or exc})") from None
    finally:
        os.close(fd)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise WriteRefused.of(real, "not UTF-8 any more") from None
    bom = text.startswith(BOM)
    return DiskFile(real, text[1:] if bom else text, bom, st)


def splice_on_disk_text(disk_text: str, edits: Sequence[Edit], newline: str = "\n") -> str:
    """Apply edits given in LF-normalised offsets to the on-disk text (which may contain
    CRLF, or in YAML a lone CR or NEL: one character, like LF). Inserted newlines follow
    the file's style (`newline`, `SourceFile.newline`)."""
    # N-offsets (in the normalised text) of each "\n" that is preceded by "\r" on disk.
    cr_at: list[int] = []
    removed = 0
    pos = disk_text.find("\r\n")
    while pos != -1:
        cr_at.append(pos - removed + 0)  # index of the "\n" in normalised text
        removed += 1
        pos = disk_text.find("\r\n", pos + 2)

    def to_disk(offset: int) -> int:
        return offset + bisect.bisect_left(cr_at, offset)

    order = sorted(range(len(edits)), key=lambda i: (edits[i].start, edits[i].end, i))
    spans = [(to_disk(edits[i].start), to_disk(edits[i].end), i) for i in order]

    def replacement(i: int) -> str:
        text = edits[i].replacement
        return text.replace("\n", newline) if newline != "\n" else text

    if all(a[1] <= b[0] for a, b in zip(spans, spans[1:], strict=False)):
        # Disjoint (insertions at one point keep their order): one pass, not one copy
        # of the whole text per edit.
        pieces: list[str] = []
        pos = 0
        for start, end, i in spans:
            pieces.append(disk_text[pos:start])
            pieces.append(replacement(i))
            pos = end
        pieces.append(disk_text[pos:])
        return "".join(pieces)
    out = disk_text
    for start, end, i in reversed(spans):
        out = out[:start] + replacement(i) + out[end:]
    return out


def atomic_write(
    real: Path, text: str, *, bom: bool, expect: os.stat_result, durable: bool = True
) -> None:
    """Write `text` to `real` via a temp file in the same directory (write, flush, fsync,
    rename), keeping mode and ownership; refuse if the file changed since `expect`.
    `durable=False` skips the fsyncs."""
    import tempfile  # only a real write needs it (not lint, not the --diff preview)

    data = ((BOM if bom else "") + text).encode("utf-8")
    directory = real.parent
    fd, tmp_name = tempfile.mkstemp(
        prefix=f".{real.name}.", suffix=".infradoctor-tmp", dir=directory
    )
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            if durable:
                os.fsync(fh.fileno())
            os.chmod(tmp_name, stat.S_IMODE(expect.st_mode))
            if hasattr(os, "geteuid") and os.geteuid() == 0:
                os.chown(tmp_name, expect.st_uid, expect.st_gid)
        now = os.stat(real)
        if (now.st_mtime_ns, now.st_size, now.st_ino) != (
            expect.st_mtime_ns,
            expect.st_size,
            expect.st_ino,
        ):
            raise WriteRefused.of(real, "changed on disk while fixing")
        os.replace(tmp_name, real)
    except BaseException:
        try:
            os.unlink(tmp_name)
        except OSError:
            pass
        raise
    if not durable:
        return
    try:
        dir_fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dir_fd)
    except OSError:
        pass
    finally:
        os.close(dir_fd)


def still_parses(kind: str, before: str, after: str, path: str | None = None) -> bool:
    """A safety net under every fixer: a fixed compose/YAML or nginx file must parse at
    least as well as the original did (no new syntax errors). With the file's `path`, the
    nginx parse of `after` is the one the next lint's loader reuses (parsecache.py)."""
    if kind in ("compose", "k8s"):
        from infradoctor.fixes.yaml_edit import composes

        return composes(after) or not composes(before)
    if kind == "nginx":
        from infradoctor.model.source import FileKind, SourceFile
        from infradoctor.parsecache import nginx_parsed
        from infradoctor.syntax.nginx import parse_nginx

        def errors(text: str, name: str = "f") -> int:
            src = SourceFile(name, Path(name), FileKind.NGINX, text.replace("\r\n", "\n"))
            return len(nginx_parsed(parse_nginx, src).errors)

        after_errors = errors(after, path or "f")  # no error: nothing to compare (usual)
        return after_errors == 0 or after_errors <= errors(before)
    return True


def create_file(path: Path, text: str, mode: int = 0o644) -> None:
    """Create a new file (companions written on explicit request only); never overwrites."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
