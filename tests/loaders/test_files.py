"""The reading primitives (loaders/files.py) every reader goes through: no blocking open,
no symlink out of the root, regular files only, UTF-8 with replacement, caps."""

from __future__ import annotations

import contextlib
import os
import signal
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from infradoctor.loaders import files
from infradoctor.loaders.files import (
    Refusal,
    SourceReader,
    decode_text,
    open_regular,
    read_regular,
    resolve_in_root,
)
from infradoctor.model.source import FileKind, LoadError, SourceFile


@contextlib.contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Fail instead of hanging if a read blocks (the signal interrupts the syscall)."""

    def boom(signum: int, frame: object) -> None:
        raise TimeoutError("blocked on a read")

    old = signal.signal(signal.SIGALRM, boom)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def test_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "compose.yaml")
    with deadline(5):
        got = open_regular(tmp_path / "compose.yaml", tmp_path.resolve())
        res = SourceReader(tmp_path).read(tmp_path / "compose.yaml", FileKind.COMPOSE)
    assert isinstance(got, Refusal) and got.kind == "not-regular"
    assert isinstance(res, LoadError) and res.kind == "not-regular" and "FIFO" in res.message


def test_a_fifo_swapped_in_after_the_stat_is_caught_by_fstat(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The pre-open stat only spares devices an open(); safety comes from opening with
    O_NONBLOCK and checking the opened fd."""
    fifo = tmp_path / "nginx.conf"
    os.mkfifo(fifo)
    real_stat = os.stat
    regular = real_stat(__file__)
    target = str(fifo.resolve())

    def lying_stat(path: object, *args: object, **kwargs: object) -> os.stat_result:
        if str(path) == target:
            return regular  # as if it was a regular file when checked
        return real_stat(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(files.os, "stat", lying_stat)
    with deadline(5):
        got = open_regular(fifo, tmp_path.resolve())
    assert isinstance(got, Refusal) and got.kind == "not-regular"


def test_symlink_out_of_the_root_is_named_by_its_place_not_its_target(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOKEN\n")
    root = tmp_path / "root"
    (root / "sub").mkdir(parents=True)
    (root / "sub" / "Dockerfile").symlink_to(secret)
    (root / "inside").symlink_to("sub/Dockerfile")
    reader = SourceReader(root)
    res = reader.read(root / "sub" / "Dockerfile", FileKind.DOCKERFILE)
    assert isinstance(res, LoadError)
    assert (res.file, res.kind) == ("sub/Dockerfile", "symlink-outside-root")
    assert "TOKEN" not in res.message and str(secret) not in res.message
    chained = reader.read(root / "inside", FileKind.DOCKERFILE)  # inside -> link -> out
    assert isinstance(chained, LoadError) and chained.kind == "symlink-outside-root"
    assert reader.total_bytes == 0


def test_root_given_through_a_symlink_is_resolved_first(tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.mkdir()
    (real / "compose.yaml").write_text("services: {}\n")
    (tmp_path / "link").symlink_to(real)
    res = SourceReader(tmp_path / "link").read(tmp_path / "link" / "compose.yaml", FileKind.COMPOSE)
    assert isinstance(res, SourceFile) and res.path == "compose.yaml"


def test_decode_with_replacement_reports_the_first_bad_byte() -> None:
    got = decode_text("ok\nçà\n".encode() + b"ab\xe9cd\n\xff")
    assert got.replaced_at == (3, 3)
    assert got.text == "ok\nçà\nab\ufffdcd\n\ufffd"
    assert decode_text(b"\xef\xbb\xbfx\xe9").replaced_at == (1, 2)  # BOM not counted
    assert decode_text(b"plain").replaced_at is None


def test_reader_keeps_files_with_bad_bytes_and_caps_sizes(tmp_path: Path) -> None:
    (tmp_path / "a.conf").write_bytes(b"server {\r\n  # \xe9\r\n}\r\n")
    (tmp_path / "big.conf").write_bytes(b"#" * 200)
    (tmp_path / "nul.conf").write_bytes(b"x" * 9000 + b"\0")
    reader = SourceReader(tmp_path, max_bytes=100)
    src = reader.read(tmp_path / "a.conf", FileKind.NGINX)
    assert isinstance(src, SourceFile)
    assert src.replaced_at == (2, 5) and src.newline == "\r\n"
    [warning] = reader.encoding_warnings()
    assert (warning.file, warning.line, warning.kind) == ("a.conf", 2, "encoding")
    big = reader.read(tmp_path / "big.conf", FileKind.NGINX)
    assert isinstance(big, LoadError) and big.kind == "too-large"
    nul = SourceReader(tmp_path).read(tmp_path / "nul.conf", FileKind.NGINX)
    assert isinstance(nul, LoadError) and nul.kind == "binary"  # NUL past the first 8 KiB


def test_total_read_budget(tmp_path: Path) -> None:
    for name in "abc":
        (tmp_path / f"{name}.conf").write_text("x" * 40)
    reader = SourceReader(tmp_path, max_total_bytes=100)
    got = [reader.read(tmp_path / f"{n}.conf", FileKind.NGINX) for n in "abc"]
    assert [type(g).__name__ for g in got] == ["SourceFile", "SourceFile", "LoadError"]
    assert isinstance(got[2], LoadError) and got[2].kind == "read-budget"
    assert reader.total_bytes == 80


def test_read_optional_distinguishes_missing_from_unreadable(tmp_path: Path) -> None:
    reader = SourceReader(tmp_path)
    assert reader.read_optional(tmp_path / ".env", FileKind.ENV) is None
    (tmp_path / "dangling.env").symlink_to(tmp_path / "nowhere")
    assert reader.read_optional(tmp_path / "dangling.env", FileKind.ENV) is None
    os.mkfifo(tmp_path / "pipe.env")
    res = reader.read_optional(tmp_path / "pipe.env", FileKind.ENV)
    assert isinstance(res, LoadError) and res.kind == "not-regular"


# ---------------------------------------------------------------- container roots (diagnose)


def test_resolve_in_root_keeps_absolute_links_inside_the_root(tmp_path: Path) -> None:
    top = tmp_path / "proc-root"
    (top / "etc" / "nginx" / "conf.d").mkdir(parents=True)
    (top / "etc" / "shadow").write_text("container shadow\n")
    host_file = tmp_path / "host-secret"
    host_file.write_text("HOST SECRET\n")
    conf_d = top / "etc" / "nginx" / "conf.d"
    (conf_d / "abs.conf").symlink_to("/etc/shadow")  # absolute: the container's /etc
    (conf_d / "up.conf").symlink_to("../../../../../../../../etc/shadow")
    (conf_d / "host.conf").symlink_to(str(host_file))  # a host path: not in the container
    (conf_d / "loop.conf").symlink_to("loop.conf")
    got = resolve_in_root(str(top), "/etc/nginx/conf.d/abs.conf")
    assert got == f"{top}/etc/shadow"
    assert resolve_in_root(str(top), "/etc/nginx/conf.d/up.conf") == f"{top}/etc/shadow"
    missing = resolve_in_root(str(top), "/etc/nginx/conf.d/host.conf")
    assert isinstance(missing, Refusal)
    loop = resolve_in_root(str(top), "/etc/nginx/conf.d/loop.conf")
    assert isinstance(loop, Refusal) and loop.kind == "symlink-loop"
    data = read_regular(Path("/etc/nginx/conf.d/abs.conf"), 1000, in_root=str(top))
    assert data == b"container shadow\n"


def test_nginx_config_of_a_container_never_reads_host_files(tmp_path: Path) -> None:
    from infradoctor.diagnose.collectors.nginxconf import read_config_files

    top = tmp_path / "proc-root"
    nginx = top / "etc" / "nginx"
    (nginx / "conf.d").mkdir(parents=True)
    host_file = tmp_path / "host-secret.conf"
    host_file.write_text("# HOST SECRET\n")
    (nginx / "nginx.conf").write_text("events {}\nhttp { include /etc/nginx/conf.d/*.conf; }\n")
    (nginx / "conf.d" / "a.conf").write_text("server { listen 80; }\n")
    (nginx / "conf.d" / "evil.conf").symlink_to(str(host_file))
    os.mkfifo(nginx / "conf.d" / "pipe.conf")
    with deadline(10):
        dump = read_config_files(Path("/etc/nginx/nginx.conf"), Path("/etc/nginx"), str(top))
    assert "HOST SECRET" not in dump
    assert "listen 80" in dump
    assert "# configuration file /etc/nginx/conf.d/pipe.conf:\n# unreadable:" in dump


def test_log_tail_never_blocks_and_stays_in_the_container(tmp_path: Path) -> None:
    from infradoctor.diagnose.collectors.logtail import tail_window

    os.mkfifo(tmp_path / "access.log")
    with deadline(5), pytest.raises(OSError):
        tail_window(str(tmp_path / "access.log"), None)
    top = tmp_path / "proc-root"
    (top / "var" / "log" / "nginx").mkdir(parents=True)
    (top / "var" / "log" / "real.log").write_text("container line\n")
    (top / "var" / "log" / "nginx" / "error.log").symlink_to("/var/log/real.log")
    tail = tail_window(str(top / "var/log/nginx/error.log"), None, root=str(top))
    assert tail.data == b"container line\n"
    with pytest.raises(FileNotFoundError):
        tail_window(str(top / "var/log/nginx/none.log"), None, root=str(top))


def test_devices_are_never_opened(tmp_path: Path) -> None:
    got = open_regular(Path("/dev/zero"))
    assert isinstance(got, Refusal) and "character device" in got.message
    assert stat.S_ISCHR(os.stat("/dev/zero").st_mode)


def test_one_file_under_two_kinds_of_name_is_loaded_once(tmp_path: Path) -> None:
    # Issue 7 N10: `Dockerfile.link -> web/nginx.conf` was parsed as nginx and as a
    # Dockerfile (the reader caches by real path); fixes for one kind broke the other.
    from infradoctor.engine import lint

    (tmp_path / "web").mkdir()
    (tmp_path / "web" / "nginx.conf").write_text(
        "events {}\nhttp { server { listen 80; location / { proxy_pass http://app; } } }\n"
    )
    (tmp_path / "Dockerfile.link").symlink_to("web/nginx.conf")
    result = lint(tmp_path)
    assert result.stack.dockerfiles == {}
    assert result.stack.files["web/nginx.conf"].kind == "nginx"
    dup = [e for e in result.errors if e.kind == "duplicate"]
    assert [(e.file, e.message) for e in dup] == [
        (
            "Dockerfile.link",
            "same file as web/nginx.conf, already read as nginx; not read again as dockerfile",
        )
    ]
    assert not any(f.rule.startswith("DKR") for f in result.findings)
    assert not [e for e in result.errors if e.kind == "parse-error"]
