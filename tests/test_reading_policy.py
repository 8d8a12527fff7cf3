"""The reading policy (docs/reading.md), end to end through the CLI: lint never follows a
symlink out of the scanned tree, never blocks on a FIFO, never drops a file for one bad
byte, never stops at an unreadable directory, reports include cycles, and bounds include
expansion. A file it could not read is always listed, never silently skipped."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from infradoctor.cli.main import main
from infradoctor.loaders import compose as compose_loader
from infradoctor.loaders import nginx as nginx_loader
from tests.conftest import REPO, write_tree
from tests.worktally import assert_linear

SECRET = "ghp_SECRETTOKEN1234567890"
PRIVILEGED_COMPOSE = "services:\n  api:\n    image: ghcr.io/acme/api:1.2.3\n    privileged: true\n"


def lint_json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict]:
    code = main(["lint", *args, "--format", "json"])
    return code, json.loads(capsys.readouterr().out)


def lint_all_formats(capsys: pytest.CaptureFixture[str], root: Path) -> dict[str, str]:
    out: dict[str, str] = {}
    for fmt in ("text", "json", "sarif", "github"):
        main(["lint", str(root), "--format", fmt, "--no-color"])
        captured = capsys.readouterr()
        out[fmt] = captured.out + captured.err
    return out


def count_calls(
    monkeypatch: pytest.MonkeyPatch, owner: type, name: str, give_up: int
) -> list[None]:
    """One entry per call of `owner.name`; past `give_up` calls the test fails (an
    exponential expansion fails instead of running for hours)."""
    calls: list[None] = []
    real = getattr(owner, name)

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(None)
        if len(calls) > give_up:
            pytest.fail(f"{owner.__name__}.{name} called more than {give_up} times")
        return real(*args, **kwargs)

    monkeypatch.setattr(owner, name, counting)
    return calls


def errors_of(report: dict, kind: str | None = None) -> list[dict]:
    return [e for e in report["errors"] if kind is None or e["kind"] == kind]


# A hang guard, not a speed check: a blocked read never returns, while a loaded CI
# machine may be slow, so the bound is far past any honest run.
HANG_GUARD = 300.0


def run_cli(*args: str, timeout: float = HANG_GUARD) -> subprocess.CompletedProcess[str]:
    """The CLI in a subprocess: a read that blocks fails the test instead of hanging it."""
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    return subprocess.run(
        [sys.executable, "-m", "infradoctor", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        check=False,
    )


@contextlib.contextmanager
def world_tree() -> Iterator[Path]:
    """A directory uid 65534 can reach (pytest's tmp dirs are 0700)."""
    root = Path(tempfile.mkdtemp(prefix="infradoctor-read-", dir="/tmp"))
    try:
        root.chmod(0o755)
        yield root
    finally:
        for dirpath, dirnames, _ in os.walk(root):
            for d in dirnames:
                with contextlib.suppress(OSError):
                    os.chmod(os.path.join(dirpath, d), 0o755)
        shutil.rmtree(root, ignore_errors=True)


@contextlib.contextmanager
def as_nobody() -> Iterator[None]:
    """Run the block as uid 65534 when the tests run as root (CI): modes then matter."""
    as_root = os.geteuid() == 0
    if as_root:
        os.seteuid(65534)
    try:
        yield
    finally:
        if as_root:
            os.seteuid(0)


# ---------------------------------------------------------------- A: symlinks out of the tree


def test_symlink_out_of_the_tree_is_never_read_in_any_format(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    secret = tmp_path / "git-credentials"
    secret.write_text(f"https://user:{SECRET}@github.com\nsecond line\n")
    root = write_tree(tmp_path / "stack", {"compose.yaml": PRIVILEGED_COMPOSE})
    (root / "Dockerfile").symlink_to(secret)
    (root / "nginx").mkdir()
    (root / "nginx" / "default.conf").symlink_to(secret)
    (root / "deploy.yaml").symlink_to(secret)

    outputs = lint_all_formats(capsys, root)
    for fmt, text in outputs.items():
        assert SECRET not in text, fmt
        assert "second line" not in text, fmt
        assert str(secret) not in text, fmt  # not even where the link points
        assert "Dockerfile" in text, fmt
    report = json.loads(outputs["json"])
    refused = {e["file"] for e in errors_of(report, "symlink-outside-root")}
    assert refused == {"Dockerfile", "nginx/default.conf", "deploy.yaml"}
    assert any(f["rule"] == "SEC002" for f in report["findings"])  # the rest is checked


def test_symlink_inside_the_tree_is_followed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = write_tree(
        tmp_path / "stack",
        {"docker/Dockerfile.base": 'FROM python:3.12-slim\nUSER app\nCMD ["app"]\n'},
    )
    (root / "Dockerfile").symlink_to("docker/Dockerfile.base")
    code, report = lint_json(capsys, str(root))
    assert code in (0, 1)
    assert not errors_of(report), report["errors"]


def test_a_file_named_on_the_command_line_is_read_even_through_a_symlink(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    real = write_tree(tmp_path / "elsewhere", {"compose.yaml": PRIVILEGED_COMPOSE})
    (tmp_path / "here").mkdir()
    link = tmp_path / "here" / "compose.yaml"
    link.symlink_to(real / "compose.yaml")
    code, report = lint_json(capsys, str(link))
    assert code == 1
    assert not errors_of(report)
    assert any(f["rule"] == "SEC002" for f in report["findings"])


def test_includes_through_symlinks_out_of_the_tree_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outside = write_tree(
        tmp_path / "outside",
        {
            "snippet.conf": f"add_header X-Secret {SECRET};\n",
            "base.yaml": f"services:\n  base:\n    image: x:1\n    environment: [T={SECRET}]\n",
            "app.env": f"TOKEN={SECRET}\n",
        },
    )
    root = write_tree(
        tmp_path / "stack",
        {
            "nginx/nginx.conf": (
                "events {}\nhttp {\n  server {\n    listen 80;\n"
                "    include snippets/leak.conf;\n  }\n}\n"
            ),
            "compose.yaml": (
                "include:\n  - inc.yaml\n"
                "services:\n  api:\n    image: x:1\n    env_file: app.env\n"
                "    extends: {file: ext.yaml, service: base}\n"
            ),
        },
    )
    (root / "nginx" / "snippets").mkdir()
    (root / "nginx" / "snippets" / "leak.conf").symlink_to(outside / "snippet.conf")
    (root / "inc.yaml").symlink_to(outside / "base.yaml")
    (root / "ext.yaml").symlink_to(outside / "base.yaml")
    (root / "app.env").symlink_to(outside / "app.env")
    (root / ".env").symlink_to(outside / "app.env")

    outputs = lint_all_formats(capsys, root)
    for fmt, text in outputs.items():
        assert SECRET not in text, fmt
    report = json.loads(outputs["json"])
    refused = errors_of(report, "symlink-outside-root")
    files = {e["file"] for e in refused}
    assert {"nginx/snippets/leak.conf", "app.env", ".env"} <= files
    # compose include/extends: reported at the directive, with its line
    at = {(e["file"], e["line"]) for e in refused}
    assert ("compose.yaml", 2) in at and ("compose.yaml", 7) in at


def test_bundle_never_copies_a_symlink_out_of_the_tree(tmp_path: Path) -> None:
    from infradoctor.diagnose.collectors import files
    from infradoctor.diagnose.evidence import Bundle

    secret = tmp_path / "git-credentials"
    secret.write_text(f"https://user:{SECRET}@github.com\n")
    root = write_tree(tmp_path / "stack", {"compose.yaml": PRIVILEGED_COMPOSE})
    (root / "Dockerfile").symlink_to(secret)
    (root / "docker-compose.override.yml").symlink_to(secret)
    bundle = Bundle()
    problems = files.collect(SimpleNamespace(opts=SimpleNamespace(path=root)), bundle)
    assert set(bundle.files) == {"files/compose.yaml"}
    assert all(SECRET.encode() not in data for data in bundle.files.values())
    assert problems is not None
    assert "Dockerfile" in problems and "docker-compose.override.yml" in problems
    assert SECRET not in problems


def test_bundle_directory_with_symlinks_is_loaded_without_following_them(
    tmp_path: Path,
) -> None:
    from infradoctor.diagnose.evidence import Bundle

    secret = write_tree(tmp_path / "secret", {"token.txt": SECRET})
    bundle_dir = write_tree(tmp_path / "bundle", {"manifest.json": "{}", "host/a.txt": "a"})
    (bundle_dir / "host" / "b.txt").symlink_to(secret / "token.txt")
    (bundle_dir / "linked").symlink_to(secret)
    os.mkfifo(bundle_dir / "host" / "pipe.txt")
    loaded = Bundle.load(bundle_dir)
    assert set(loaded.files) == {"host/a.txt"}


# ---------------------------------------------------------------- B: FIFOs and devices


def test_fifos_named_like_config_files_never_block(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path / "stack",
        {
            "app/compose.yaml": "services:\n  api:\n    image: x:1\n    env_file: app.env\n",
            "nginx/nginx.conf": (
                "events {}\nhttp {\n  include conf.d/*.conf;\n  include extra/pipe.inc;\n}\n"
            ),
        },
    )
    (root / "nginx" / "conf.d").mkdir()
    (root / "nginx" / "extra").mkdir()
    fifos = [
        "deployment.yaml",
        "nginx/conf.d/default.conf",
        "docker-compose.yml",
        "Dockerfile",
        ".env",
        "app/.env",
        "app/app.env",
        "nginx/extra/pipe.inc",
    ]
    for name in fifos:
        os.mkfifo(root / name)
    proc = run_cli("lint", str(root), "--format", "json")  # a FIFO read would hang
    assert proc.returncode in (0, 1), proc.stderr
    report = json.loads(proc.stdout)
    named = {e["file"] for e in errors_of(report, "not-regular")}
    assert named == set(fifos), report["errors"]
    assert all("FIFO" in e["message"] for e in errors_of(report, "not-regular"))


def test_fifo_as_the_scanned_file_and_in_diagnose_collection(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "stack", {"compose.yaml": PRIVILEGED_COMPOSE})
    os.mkfifo(root / "k8s.yaml")
    os.mkfifo(root / "Dockerfile")
    proc = run_cli("lint", str(root / "k8s.yaml"), "--format", "json")
    assert proc.returncode in (0, 1), proc.stderr
    assert {e["file"] for e in json.loads(proc.stdout)["errors"]} == {"k8s.yaml"}
    code = (
        "import sys; from pathlib import Path; from types import SimpleNamespace as N\n"
        "from infradoctor.diagnose.collectors import files\n"
        "from infradoctor.diagnose.evidence import Bundle\n"
        "b = Bundle(); print(files.collect(N(opts=N(path=Path(sys.argv[1]))), b))\n"
        "print(sorted(b.files))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    proc = subprocess.run(
        [sys.executable, "-c", code, str(root)],
        capture_output=True,
        text=True,
        timeout=HANG_GUARD,
        env=env,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "Dockerfile" in proc.stdout and "k8s.yaml" in proc.stdout
    assert "['files/compose.yaml']" in proc.stdout


# ---------------------------------------------------------------- C: encoding


def test_one_latin1_byte_does_not_hide_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "stack"
    root.mkdir()
    (root / "compose.yaml").write_bytes(b"# caf\xe9 au lait\n" + PRIVILEGED_COMPOSE.encode())
    code, report = lint_json(capsys, str(root))
    assert code == 1
    assert any(f["rule"] == "SEC002" and f["file"] == "compose.yaml" for f in report["findings"])
    [warning] = errors_of(report, "encoding")
    assert (warning["file"], warning["line"], warning["column"]) == ("compose.yaml", 1, 6)
    assert not errors_of(report, "binary")
    outputs = lint_all_formats(capsys, root)
    for fmt, text in outputs.items():
        assert "encoding" in text and "compose.yaml" in text, fmt
        assert "not valid UTF-8" in text, fmt
    assert "No problems found" not in outputs["text"]


def test_fix_refuses_to_write_a_file_decoded_with_replacement(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "stack"
    root.mkdir()
    original = b"# caf\xe9\nservices:\n  api:\n    image: ghcr.io/acme/api:1.2.3\n"
    (root / "compose.yaml").write_bytes(original)
    code = main(["fix", str(root)])
    captured = capsys.readouterr()
    assert (root / "compose.yaml").read_bytes() == original
    assert code == 1  # a deliberate decision: the findings stay, as for any left (never 2)
    assert "not written: compose.yaml: not valid UTF-8" in captured.err  # refusals: stderr
    assert "line 1" in captured.err
    assert "1 not written" in captured.out
    main(["lint", str(root), "--fix"])
    assert (root / "compose.yaml").read_bytes() == original


def test_only_nul_bytes_make_a_file_binary(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "stack"
    root.mkdir()
    (root / "compose.yaml").write_bytes(PRIVILEGED_COMPOSE.encode() + b"# \xff\xfe\n")
    (root / "docker-compose.yml").write_bytes(b"services: {}\n" + b"\0" * 4 + b"\n")
    _, report = lint_json(capsys, str(root))
    kinds = {(e["file"], e["kind"]) for e in report["errors"]}
    assert kinds == {("compose.yaml", "encoding"), ("docker-compose.yml", "binary")}
    assert [e["line"] for e in errors_of(report, "encoding")] == [5]


# ---------------------------------------------------------------- D: unreadable paths


def test_unsearchable_directory_is_reported_and_the_rest_is_checked(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with world_tree() as base:
        root = write_tree(
            base / "stack",
            {"compose.yaml": PRIVILEGED_COMPOSE, "locked/compose.yaml": PRIVILEGED_COMPOSE},
        )
        root.chmod(0o755)
        (root / "k8s.yaml").write_text("apiVersion: v1\nkind: Service\n")
        (root / "k8s.yaml").chmod(0)
        lint_json(capsys, str(root))  # import everything while the interpreter is readable
        (root / "locked").chmod(0o644)  # listable, not searchable
        with as_nobody():
            code, report = lint_json(capsys, str(root))
            as_root_code, as_root = lint_json(capsys, str(root / "locked"))
            usage = main(["lint", str(root / "locked" / "compose.yaml")])
            usage_err = capsys.readouterr().err
        assert code == 1
        unreadable = {e["file"] for e in errors_of(report, "unreadable")}
        assert unreadable == {"locked", "k8s.yaml"}, report["errors"]
        assert any(f["rule"] == "SEC002" for f in report["findings"])
        # the directory itself as the root: an error entry, never a silent clean run
        assert as_root_code == 0
        assert [e["kind"] for e in as_root["errors"]] == ["unreadable"]
        # a path that cannot even be reached: a usage error naming it
        assert usage == 2 and "locked/compose.yaml" in usage_err
        assert "Permission denied" in usage_err


def test_fix_preview_copies_what_lint_would_see_without_crashing(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`fix --diff` lints a temporary copy: unreadable entries (any file, not only infra
    ones) made the copy raise; FIFOs must stay FIFOs there, never be opened."""
    with world_tree() as base:
        root = write_tree(
            base / "stack",
            {
                "compose.yaml": "services:\n  api:\n    image: x:1.0\n",
                "locked/compose.yaml": PRIVILEGED_COMPOSE,
                "notes.txt": "private\n",
            },
        )
        root.chmod(0o755)
        os.mkfifo(root / "deployment.yaml")
        main(["fix", "--diff", str(root)])  # import everything while readable
        capsys.readouterr()
        (root / "notes.txt").chmod(0)
        (root / "locked").chmod(0o644)
        with as_nobody():
            code = main(["fix", "--diff", str(root)])
        out = capsys.readouterr().out
        assert code == 1, out
        assert "+    restart: unless-stopped" in out
        assert "error locked: unreadable" in out
        assert "error deployment.yaml: not-regular" in out


def test_unchecked_files_are_never_a_bare_no_problems_found(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "stack"
    root.mkdir()
    (root / "compose.yaml").symlink_to("/etc/hostname")
    assert main(["lint", str(root)]) == 0
    out = capsys.readouterr().out
    assert "compose.yaml: symlink-outside-root" in out
    assert "not everything could be checked" in out.splitlines()[-1]


# ---------------------------------------------------------------- E: cycles


def test_self_includes_are_cycles_with_file_and_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = write_tree(
        tmp_path / "stack",
        {
            "direct/nginx.conf": "events {}\nhttp {\n  include nginx.conf;\n}\n",
            "glob/nginx.conf": "events {}\nhttp {\n  server { listen 80; }\n  include *.conf;\n}\n",
            "compose.yaml": "include:\n  - compose.yaml\n" + PRIVILEGED_COMPOSE,
            "loop/a/compose.yaml": (
                "include: [../b/compose.yaml]\n"
                "services:\n  a:\n    image: x:1\n    privileged: true\n"
            ),
            "loop/b/compose.yaml": "include: [../a/compose.yaml]\nservices:\n  b:\n    image: x:1\n",
            "ext/compose.yaml": (
                "services:\n  web:\n    image: x:1\n    extends: {file: base.yaml, service: b}\n"
            ),
            "ext/base.yaml": (
                "services:\n  b:\n    image: x:1\n    extends: {file: compose.yaml, service: web}\n"
            ),
        },
    )
    code, report = lint_json(capsys, str(root))
    assert code == 1
    cycles = {(e["file"], e["line"]) for e in errors_of(report, "include-cycle")}
    assert {
        ("direct/nginx.conf", 3),
        ("glob/nginx.conf", 4),
        ("compose.yaml", 2),
    } <= cycles
    assert ("loop/b/compose.yaml", 1) in cycles  # a -> b -> a
    assert any("extends cycle" in e["message"] for e in report["errors"])
    # files in a cycle are still checked, never silently dropped
    sec002 = {f["file"] for f in report["findings"] if f["rule"] == "SEC002"}
    assert {"compose.yaml", "loop/a/compose.yaml"} <= sec002


def test_a_repeated_compose_include_is_reported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = write_tree(
        tmp_path / "stack",
        {
            "compose.yaml": "include:\n  - common.yaml\n  - other.yaml\n  - common.yaml\n",
            "common.yaml": PRIVILEGED_COMPOSE,
            "other.yaml": "include: [common.yaml]\nservices:\n  o:\n    image: x:1\n",
        },
    )
    code, report = lint_json(capsys, str(root))
    repeated = {(e["file"], e["line"]) for e in errors_of(report, "include-repeated")}
    assert repeated == {("compose.yaml", 4), ("other.yaml", 1)}
    assert not [e for e in report["errors"] if "conflicts" in e["message"]]
    assert code == 1  # SEC002 from common.yaml, loaded once


# ---------------------------------------------------------------- F: include budget


def test_include_fan_out_is_bounded(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """17 files of ~35 bytes, each including the next twice: 2**17 splices unbounded."""
    files = {"nginx/nginx.conf": "events{}\nhttp{server{listen 80;include 0.conf;}}\n"}
    for i in range(16):
        files[f"nginx/{i}.conf"] = f"include {i + 1}.conf;include {i + 1}.conf;\n"
    files["nginx/16.conf"] = "location /{proxy_pass http://a;}\n"
    root = write_tree(tmp_path / "stack", files)
    # Work is counted, not timed: splices stop near the 2000-include budget.
    splices = count_calls(monkeypatch, nginx_loader._Loader, "splice", 50_000)
    code, report = lint_json(capsys, str(root))
    assert len(splices) <= 10_000
    assert code in (0, 1)
    [budget] = errors_of(report, "include-budget")
    assert budget["file"].startswith("nginx/") and budget["line"] == 1
    assert "2000 includes" in budget["message"]


def test_compose_include_fan_out_is_linear(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    files = {"compose.yaml": "include: [c0.yaml]\n"}
    for i in range(15):
        files[f"c{i}.yaml"] = f"include: [c{i + 1}.yaml, c{i + 1}.yaml]\n"
    files["c15.yaml"] = PRIVILEGED_COMPOSE
    root = write_tree(tmp_path / "stack", files)
    # Work is counted, not timed: each of the 16 files is loaded as an include once.
    loads = count_calls(monkeypatch, compose_loader._ComposeLoader, "load_includes", 1_000)
    code, report = lint_json(capsys, str(root))
    assert len(loads) <= 2 * len(files)
    assert code == 1
    assert len(errors_of(report, "include-repeated")) == 15


def test_large_include_glob_is_linear_and_over_budget(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """2,050 vhosts behind one `include conf.d/*.conf`: quadratic fixer lookups made this
    take minutes (10,000: over 300 s); past 2,000 includes the budget says so.
    Work is counted, not timed: lines of infradoctor run for 100 and 400 vhosts may grow
    at most linearly (a quadratic lookup grows 16x)."""

    def stack(n: int) -> Path:
        files = {"nginx/nginx.conf": "events {}\nhttp {\n  include conf.d/*.conf;\n}\n"}
        for i in range(n):
            files[f"nginx/conf.d/s{i:05d}.conf"] = (
                f"server {{ listen 80; server_name s{i}.example.com; "
                "location / { proxy_pass http://api:8000; } }\n"
            )
        return write_tree(tmp_path / f"stack{n}", files)

    def lint_n(n: int) -> None:
        lint_json(capsys, str(stack(n)))

    assert_linear(lint_n, 100)
    code, report = lint_json(capsys, str(stack(2050)))
    assert code in (0, 1)
    [budget] = errors_of(report, "include-budget")
    assert (budget["file"], budget["line"]) == ("nginx/nginx.conf", 3)
    assert "50 files of this include" in budget["message"]


def test_total_read_cap_stops_reading_and_says_so(tmp_path: Path) -> None:
    from infradoctor.loaders import LoadOptions, load_stack

    root = write_tree(
        tmp_path / "stack",
        {f"s{i}/compose.yaml": PRIVILEGED_COMPOSE for i in range(5)},
    )
    size = len(PRIVILEGED_COMPOSE)
    stack = load_stack(root, LoadOptions(max_total_bytes=size * 3))
    capped = [e for e in stack.errors if e.kind == "read-budget"]
    assert [e.file for e in capped] == ["s3/compose.yaml", "s4/compose.yaml"]
    assert len(stack.projects) == 3  # the rest of the run goes on with what was read
