"""Reading files safely (see docs/reading.md): the neutral layer loaders, facts and fixes share.

Every byte infradoctor reads from a scanned tree goes through `open_regular()`:

- a symlink is followed only while it stays inside the scanned root: one leading out of it
  is refused (`symlink-outside-root`) and its target is never opened;
- files are opened with O_NONBLOCK (and O_NOFOLLOW on the already resolved path), then
  fstat-ed: a FIFO, socket or device is refused (`not-regular`) without ever blocking on
  it, even if it was swapped in after a stat;
- sizes are capped per file (`too-large`) and per run (`read-budget`);
- text is UTF-8; an invalid byte does not make the file "binary" (only NUL bytes do): it is
  decoded with replacement characters, still checked, and flagged (`SourceFile.replaced_at`)
  so that a warning names its line and `fix` refuses to write it back.

Problems become LoadErrors (never exceptions) naming the file, never the target's content.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from infradoctor.model.source import FileKind, LoadError
from infradoctor.records import record

MAX_FILE_BYTES = 4 * 1024 * 1024  # one file
MAX_TOTAL_BYTES = 256 * 1024 * 1024  # everything one run reads from one scanned root

_OPEN_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_NOCTTY", 0)
)
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_PROC_FD = "/proc/self/fd"


@record(frozen=True, hot=True)
class Refusal:
    """Why a file was not read: a LoadError kind and a message naming no content."""

    kind: str
    message: str
    errno: int | None = None  # the OSError behind it, if any

    def error(self, file: str) -> LoadError:
        return LoadError(file, self.message, self.kind)


def describe_mode(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISDIR(mode):
        return "a directory"
    return "not a regular file"


def not_regular(mode: int) -> Refusal:
    return Refusal("not-regular", f"{describe_mode(mode)}, not a regular file; not read")


def _os_refusal(exc: OSError) -> Refusal:
    if exc.errno == errno.ELOOP:
        return Refusal("symlink-loop", "symlink loop; not read", exc.errno)
    if exc.errno in (errno.ENOENT, errno.ENOTDIR):
        return Refusal("unreadable", "no such file (broken symlink?)", exc.errno)
    return Refusal("unreadable", f"cannot read: {exc.strerror or exc}", exc.errno)


def stat_or_refusal(path: str | os.PathLike[str], follow: bool = True) -> os.stat_result | Refusal:
    """`os.stat` (or `os.lstat`) of `path`, or why it cannot be read."""
    try:
        return os.stat(path) if follow else os.lstat(path)
    except OSError as exc:
        return _os_refusal(exc)
    except ValueError:  # NUL in the name
        return Refusal("unreadable", "invalid file name")


def is_within(path: str | os.PathLike[str], root: str | os.PathLike[str]) -> bool:
    """Whether the (resolved, absolute) `path` is `root` or below it."""
    p, r = os.fspath(path), os.fspath(root)
    return p == r or p.startswith(r if r.endswith("/") else r + "/")


def lexical_path(path: str | os.PathLike[str]) -> str:
    """Where `path` itself sits: its directory resolved, a symlink at its end not."""
    text = os.path.abspath(os.fspath(path))
    head, name = os.path.split(text)
    try:
        return os.path.join(os.path.realpath(head), name)
    except (OSError, ValueError):
        return text


def resolve_within(path: Path, root: Path) -> Path | Refusal:
    """`path` with every symlink resolved, if that stays inside `root` (itself resolved)."""
    real = _realpath(path)
    if isinstance(real, Refusal):
        return real
    return _check_within(path, real, root)


def _realpath(path: str | os.PathLike[str]) -> Path | Refusal:
    try:
        return Path(os.path.realpath(os.fspath(path), strict=True))
    except RuntimeError:  # symlink loop on some Python versions
        return Refusal("symlink-loop", "symlink loop; not read")
    except OSError as exc:
        return _os_refusal(exc)
    except ValueError:  # NUL in the name
        return Refusal("unreadable", "invalid file name")


def _check_within(path: Path, real: Path, root: Path) -> Path | Refusal:
    if is_within(real, root):
        return real
    if not is_within(lexical_path(path), root):
        return Refusal("include-outside", "outside the scanned tree; not read")
    return Refusal(
        "symlink-outside-root",
        "symlink leading outside the scanned tree; not followed, not read",
    )


def open_regular(path: Path, root: Path | None = None) -> tuple[int, os.stat_result] | Refusal:
    """Open `path` for reading without ever blocking: (fd, fstat) of a regular file, or why
    not. With `root` (resolved), the path must resolve inside it; the opened file is checked
    again through /proc so a directory swapped for a symlink mid-way cannot escape either.
    The caller closes the fd."""
    if root is None:
        return open_resolved(path, None)
    resolved = resolve_within(path, root)
    if isinstance(resolved, Refusal):
        return resolved
    return open_resolved(resolved, root)


def open_resolved(
    target: str | os.PathLike[str],
    root: Path | None,
    *,
    nofollow: bool = False,
    checked: bool = False,
) -> tuple[int, os.stat_result] | Refusal:
    """`open_regular` for a path already resolved inside `root` (or, without a root, any
    path: symlinks followed unless `nofollow`). `checked`: the caller's directory listing
    just showed a plain file there, so the stat before opening is skipped (the fstat after
    still refuses anything else)."""
    flags = _OPEN_FLAGS
    if root is not None or nofollow:
        flags |= _NOFOLLOW  # resolved: a symlink here now means a race; refuse it
    if not checked:
        pre = stat_or_refusal(target)
        if isinstance(pre, Refusal):
            return pre
        if not stat.S_ISREG(pre.st_mode):
            return not_regular(pre.st_mode)  # never open devices & co at all
    try:
        fd = os.open(target, flags)
    except OSError as exc:
        return _os_refusal(exc)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            os.close(fd)
            return not_regular(st.st_mode)
        if root is not None and not _fd_within(fd, root):
            os.close(fd)
            return Refusal(
                "symlink-outside-root",
                "changed while being read and now leads outside the scanned tree; not read",
            )
    except OSError as exc:
        os.close(fd)
        return _os_refusal(exc)
    return fd, st


def _fd_within(fd: int, root: Path) -> bool:
    """Where the kernel says the fd points (Linux /proc); True where that is unknown."""
    try:
        where = os.readlink(f"{_PROC_FD}/{fd}")
    except OSError:
        return True
    if not where.startswith("/"):
        return True  # "pipe:[...]" & co cannot be regular files; be lenient elsewhere
    return is_within(where, root)


def read_fd(fd: int, limit: int) -> bytes:
    """Up to `limit` + 1 bytes (so the caller can tell the file grew past its cap)."""
    chunks: list[bytes] = []
    left = limit + 1
    while left > 0:
        try:
            chunk = os.read(fd, min(left, 1 << 20))
        except BlockingIOError:  # cannot happen for regular files; never spin on it
            break
        if not chunk:
            break
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


MAX_SYMLINKS = 40


def resolve_in_root(top: str, path: str) -> str | Refusal:
    """The host path of `path` as a process whose root directory is `top` sees it (e.g.
    `top` = /proc/<pid>/root of a container): absolute symlinks restart at `top`, `..`
    never climbs above it. The kernel would resolve an absolute symlink against *our*
    root instead, so a container could make us read any host file."""
    top = top.rstrip("/")
    todo = [p for p in path.split("/") if p not in ("", ".")]
    todo.reverse()
    done: list[str] = []
    links = 0
    while todo:
        part = todo.pop()
        if part == "..":
            if done:
                done.pop()
            continue
        here = "/".join([top, *done, part])
        st = stat_or_refusal(here, follow=False)
        if isinstance(st, Refusal):
            return st
        if stat.S_ISLNK(st.st_mode):
            links += 1
            if links > MAX_SYMLINKS:
                return Refusal("symlink-loop", "symlink loop; not read")
            try:
                target = os.readlink(here)
            except OSError as exc:
                return _os_refusal(exc)
            if target.startswith("/"):
                done = []
            todo.extend(reversed([p for p in target.split("/") if p not in ("", ".")]))
            continue
        done.append(part)
    return "/".join([top, *done]) or "/"


def open_in_root(top: str, path: str) -> tuple[int, os.stat_result] | Refusal:
    """Open `path` inside the root directory `top` (see `resolve_in_root`) the safe way."""
    host = resolve_in_root(top, path)
    if isinstance(host, Refusal):
        return host
    return open_resolved(Path(host), None, nofollow=True)


def read_regular(
    path: Path, limit: int, root: Path | None = None, *, in_root: str | None = None
) -> bytes | Refusal:
    """The bytes of a regular file no bigger than `limit`, read without blocking and (with
    `root`) without leaving it; else why not. With `in_root`, `path` is a path inside that
    root directory (a container's /proc/<pid>/root), resolved the way it sees it."""
    if in_root is not None:
        opened = open_in_root(in_root, str(path))
    else:
        opened = open_regular(path, root)
    if isinstance(opened, Refusal):
        return opened
    fd, st = opened
    try:
        if st.st_size > limit:
            return Refusal("too-large", f"file is {st.st_size} bytes, over the {limit}-byte cap")
        data = read_fd(fd, limit)
    except OSError as exc:
        return _os_refusal(exc)
    finally:
        os.close(fd)
    if len(data) > limit:
        return Refusal("too-large", f"file grew over the {limit}-byte cap while being read")
    return data


@record(frozen=True, hot=True)
class Decoded:
    text: str
    replaced_at: tuple[int, int] | None  # (line, column) of the first invalid byte


def decode_text(data: bytes) -> Decoded:
    """UTF-8 text (BOM dropped). Invalid bytes become U+FFFD; where the first one was is
    returned so the caller can warn and refuse to write the file back."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return Decoded(data.decode("utf-8"), None)
    except UnicodeDecodeError as exc:
        good = data[: exc.start].decode("utf-8")  # valid by definition of exc.start
        line = good.count("\n") + 1
        column = len(good) - (good.rfind("\n") + 1) + 1
        return Decoded(data.decode("utf-8", "replace"), (line, column))


# Kinds parsed as YAML: libyaml breaks lines on a lone CR and on NEL (U+0085) too, and
# reads them exactly like LF, so they are normalised to LF on read (nginx, Dockerfiles
# and .env files only break on LF: a lone CR there is part of the line).
YAML_KINDS = frozenset({FileKind.COMPOSE, FileKind.K8S})
# Line breaks for libyaml that it keeps in scalar content: not normalised, so a YAML file
# holding one is not written back by `fix` (its lines differ from SourceFile's).
YAML_KEPT_BREAKS = ("\u2028", "\u2029")


def normalise_newlines(text: str, kind: FileKind) -> tuple[str, str]:
    """(LF-normalised text, the file's newline style): CRLF becomes LF in every kind; in
    YAML kinds a lone CR and NEL become LF too. The style is what `fix` writes new lines
    with: CRLF if any, else CR when a YAML file mostly breaks lines with a lone CR."""
    newline = "\n"
    if "\r\n" in text:
        text = text.replace("\r\n", "\n")
        newline = "\r\n"
    if kind in YAML_KINDS and ("\r" in text or "\x85" in text):
        if newline == "\n" and text.count("\r") > text.count("\n"):
            newline = "\r"
        text = text.replace("\r", "\n").replace("\x85", "\n")
    return text, newline
