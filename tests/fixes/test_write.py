"""Writes are atomic and conservative: newline style, BOM, mode kept; changed-on-disk
files, symlinks out of the tree and multi-file fixes with a bad file are refused."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from infradoctor.config import LintConfig
from infradoctor.engine import lint
from infradoctor.findings import Applicability, Edit, Finding, Fix, Severity
from infradoctor.fixes.apply import FixRun, _apply_pass, choose_fixes, preview_fixes, run_fixes
from infradoctor.fixes.write import (
    WriteRefused,
    atomic_write,
    read_disk,
    resolve_target,
    splice_on_disk_text,
)
from infradoctor.model.source import Location

COMPOSE = "services:\n  web:\n    image: example/web:1.0  # pinned\n"
CMP001 = LintConfig(select=["CMP001"], report_unused_suppressions=False)


def _finding(fix: Fix, rule: str = "CMP001") -> Finding:
    return Finding(rule, "x", Severity.WARNING, "availability", "m", Location("f", 1), fix=fix)


def test_splice_maps_offsets_onto_crlf_and_mixed_text() -> None:
    disk = "a: 1\r\nb: 2\nc: 3\r\n"
    norm = disk.replace("\r\n", "\n")
    pos = norm.index("\nc")  # end of line "b: 2"
    out = splice_on_disk_text(disk, [Edit("f", pos, pos, "\nx: 9")], newline="\r\n")
    assert out == "a: 1\r\nb: 2\r\nx: 9\nc: 3\r\n"
    pos = norm.index("\nb")
    assert (
        splice_on_disk_text(disk, [Edit("f", 0, 1, "A"), Edit("f", pos, pos, "!")], newline="\r\n")
        == "A: 1!\r\nb: 2\nc: 3\r\n"
    )


def test_crlf_and_bom_kept_by_fix(tmp_path: Path) -> None:
    root = tmp_path / "s"
    root.mkdir()
    path = root / "docker-compose.yml"
    path.write_bytes(b"\xef\xbb\xbf" + COMPOSE.replace("\n", "\r\n").encode())
    run = run_fixes(root, CMP001)
    assert run.applied and not run.refused
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    assert data.count(b"\r\n") == data.count(b"\n") == 4
    assert b"    restart: unless-stopped\r\n" in data


def test_lone_cr_yaml_fixed_with_its_line_breaks(tmp_path: Path) -> None:
    # Issue 7 (fuzz 15e073bdbe0f): libyaml breaks lines on a lone CR; the file used to be
    # one line for the fixer, the fix was refused as "unparsable" and exit 2.
    root = tmp_path / "s"
    root.mkdir()
    path = root / "compose.yaml"
    path.write_bytes(b"services:\r a:\r  image: x\r")
    result = lint(root, CMP001)
    assert [f.location.line for f in result.findings] == [2]
    run = run_fixes(root, CMP001)
    assert run.applied and not run.refused
    data = path.read_bytes()
    assert b"\n" not in data
    assert data == b"services:\r a:\r  image: x\r  restart: unless-stopped\r"
    assert not run_fixes(root, CMP001).applied


def test_nel_yaml_is_a_line_break_and_separators_are_not_written(tmp_path: Path) -> None:
    root = tmp_path / "s"
    root.mkdir()
    path = root / "compose.yaml"
    path.write_text("services:\x85 a:\x85  image: x\n", encoding="utf-8")
    assert [f.location.line for f in lint(root, CMP001).findings] == [2]
    run = run_fixes(root, CMP001)
    assert run.applied and not run.refused
    assert "image: x\n  restart: unless-stopped\n" in path.read_text(encoding="utf-8")
    # LS/PS: line breaks for libyaml that it keeps in scalars: no fix is offered for
    # such a file (the write step would refuse it too), nothing is written.
    text = "services:\n a:\n  image: x\u2028\n"
    path.write_text(text, encoding="utf-8")
    run = run_fixes(root, CMP001)
    assert not run.applied and not run.refused
    assert path.read_text(encoding="utf-8") == text


def test_lone_cr_is_not_a_line_break_for_nginx(tmp_path: Path) -> None:
    from infradoctor.loaders.files import normalise_newlines
    from infradoctor.model.source import FileKind

    assert normalise_newlines("a\rb", FileKind.NGINX) == ("a\rb", "\n")
    assert normalise_newlines("a\r\nb\rc", FileKind.COMPOSE) == ("a\nb\nc", "\r\n")
    assert normalise_newlines("a\rb\rc\n", FileKind.K8S) == ("a\nb\nc\n", "\r")


def test_permissions_kept(tmp_path: Path) -> None:
    root = tmp_path / "s"
    root.mkdir()
    path = root / "docker-compose.yml"
    path.write_text(COMPOSE)
    os.chmod(path, 0o640)
    as_root = os.geteuid() == 0
    if as_root:
        os.chown(path, 1234, 2345)
    run_fixes(root, CMP001)
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    if as_root:
        assert (path.stat().st_uid, path.stat().st_gid) == (1234, 2345)
    assert "restart: unless-stopped" in path.read_text()
    assert not [p for p in root.iterdir() if p.name != "docker-compose.yml"]  # no temp left


def test_atomic_write_refuses_when_file_changed(tmp_path: Path) -> None:
    path = tmp_path / "f.txt"
    path.write_text("one\n")
    df = read_disk(path)
    path.write_text("two, longer\n")
    with pytest.raises(WriteRefused):
        atomic_write(path, "three\n", bom=False, expect=df.st)
    assert path.read_text() == "two, longer\n"
    assert os.listdir(tmp_path) == ["f.txt"]


def test_changed_on_disk_since_lint_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "s"
    root.mkdir()
    path = root / "docker-compose.yml"
    path.write_text(COMPOSE)
    result = lint(root, CMP001)
    chosen, _ = choose_fixes(result.findings, frozenset({Applicability.SAFE}))
    assert chosen
    path.write_text(COMPOSE + "# edited by someone else\n")
    run = FixRun(root)
    assert _apply_pass(result, chosen, run) == 0
    assert run.refused and "changed on disk" in run.refused[0]
    assert path.read_text().endswith("# edited by someone else\n")


def test_symlink_out_of_tree_refused_inside_tree_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside.yml"
    outside.write_text(COMPOSE)
    root = tmp_path / "s"
    root.mkdir()
    with pytest.raises(WriteRefused):
        resolve_target(root, root / "link.yml")  # dangling / missing: never created
    (root / "link.yml").symlink_to(outside)
    with pytest.raises(WriteRefused):
        resolve_target(root, root / "link.yml")
    real = root / "real"
    real.mkdir()
    (real / "docker-compose.yml").write_text(COMPOSE)
    (root / "docker-compose.yml").symlink_to(real / "docker-compose.yml")
    assert resolve_target(root, root / "docker-compose.yml") == (real / "docker-compose.yml")


def test_fix_through_symlink_out_of_tree_is_not_written(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "docker-compose.yml").write_text(COMPOSE)
    root = tmp_path / "s"
    root.mkdir()
    (root / "docker-compose.yml").symlink_to(outside / "docker-compose.yml")
    run = run_fixes(root, CMP001)
    assert (outside / "docker-compose.yml").read_text() == COMPOSE
    assert (root / "docker-compose.yml").is_symlink()
    if run.applied or run.refused:  # the loader may already skip such a link
        assert run.refused


def test_multi_file_fix_is_all_or_nothing(tmp_path: Path) -> None:
    root = tmp_path / "s"
    root.mkdir()
    (root / "docker-compose.yml").write_text(COMPOSE)
    result = lint(root, CMP001)
    fix = Fix(
        "two files",
        Applicability.SAFE,
        (
            Edit("docker-compose.yml", 0, 0, "# a\n"),
            Edit("missing.conf", 0, 0, "# b\n"),
        ),
    )
    run = FixRun(root)
    assert _apply_pass(result, [(fix, [_finding(fix)])], run) == 0
    assert (root / "docker-compose.yml").read_text() == COMPOSE
    assert not (root / "missing.conf").exists()


def test_overlapping_fixes_deferred_identical_merged() -> None:
    a = Fix("a", Applicability.SAFE, (Edit("f", 5, 5, "x"),))
    same = Fix("a again", Applicability.SAFE, (Edit("f", 5, 5, "x"),))
    clash = Fix("b", Applicability.SAFE, (Edit("f", 5, 5, "y"),))
    inside = Fix("c", Applicability.SAFE, (Edit("f", 2, 8, "z"),))
    apart = Fix("d", Applicability.SAFE, (Edit("f", 8, 9, "w"), Edit("g", 5, 5, "v")))
    unsafe = Fix("e", Applicability.UNSAFE, (Edit("h", 0, 0, "u"),))
    findings = [_finding(f) for f in (a, same, clash, inside, apart, unsafe)]
    chosen, deferred = choose_fixes(findings, frozenset({Applicability.SAFE}))
    assert [f.title for f, _ in chosen] == ["a", "d"]
    assert len(chosen[0][1]) == 2
    assert [f.fix.title for f in deferred if f.fix] == ["b", "c"]


def test_diff_changes_nothing(tmp_path: Path) -> None:
    root = tmp_path / "s"
    root.mkdir()
    (root / "docker-compose.yml").write_text(COMPOSE)
    run = preview_fixes(root, CMP001)
    assert (root / "docker-compose.yml").read_text() == COMPOSE
    assert "+    restart: unless-stopped" in run.diff()
    assert run.changed_files == ["docker-compose.yml"]
    assert not run.remaining


def test_sibling_insertions_at_one_point_go_in_together() -> None:
    restart = Fix("r", Applicability.SAFE, (Edit("f", 9, 9, "\n    restart: always"),))
    logging = Fix("l", Applicability.SAFE, (Edit("f", 9, 9, "\n    logging:\n      x: 1"),))
    again = Fix("r2", Applicability.SAFE, (Edit("f", 9, 9, "\n    restart: no"),))
    deeper = Fix("d", Applicability.SAFE, (Edit("f", 9, 9, "\n      condition: x"),))
    ngx_a = Fix("a", Applicability.SAFE, (Edit("n", 4, 4, "    proxy_http_version 1.1;\n"),))
    ngx_b = Fix("b", Applicability.SAFE, (Edit("n", 4, 4, "    proxy_set_header A 1;\n"),))
    ngx_c = Fix(
        "c",
        Applicability.SAFE,
        (Edit("n", 4, 4, "    proxy_http_version 1.1;\n    proxy_set_header B 2;\n"),),
    )
    findings = [_finding(f) for f in (restart, logging, again, deeper, ngx_a, ngx_b, ngx_c)]
    chosen, deferred = choose_fixes(findings, frozenset({Applicability.SAFE}))
    assert [f.title for f, _ in chosen] == ["r", "l", "a", "b"]
    assert [f.fix.title for f in deferred if f.fix] == ["r2", "d", "c"]
    edits = [e for f, _ in chosen for e in f.edits if e.file == "f"]
    assert splice_on_disk_text("services:\n  x: 1\n", edits, newline="\n").startswith(
        "services:\n    restart: always\n    logging:\n"
    )


def test_no_fix_for_nginx_t_dump(tmp_path: Path) -> None:
    dump = (
        "nginx: the configuration file /etc/nginx/nginx.conf syntax is ok\n"
        "nginx: configuration file /etc/nginx/nginx.conf test is successful\n"
        "# configuration file /etc/nginx/nginx.conf:\n"
        "events {}\nhttp {\n    server {\n        listen 80;\n"
        "        location / { proxy_pass http://app:8000; }\n    }\n}\n"
    )
    root = tmp_path / "s"
    root.mkdir()
    (root / "nginx-T.txt").write_text(dump)
    (root / "nginx.conf").write_text(dump.split("\n", 3)[3])
    result = lint(root, LintConfig(select=["NGX001", "NGX002"], report_unused_suppressions=False))
    files_with_fixes = {e.file for f in result.findings if f.fix for e in f.fix.edits}
    assert "nginx-T.txt" not in files_with_fixes
    assert "nginx.conf" in files_with_fixes


def test_a_fix_that_would_break_the_file_is_not_written(tmp_path: Path) -> None:
    root = tmp_path / "s"
    root.mkdir()
    (root / "docker-compose.yml").write_text(COMPOSE)
    result = lint(root, CMP001)
    broken = Fix("bad", Applicability.SAFE, (Edit("docker-compose.yml", 0, 0, "a: [\n"),))
    run = FixRun(root)
    _apply_pass(result, [(broken, [_finding(broken)])], run)
    assert run.refused and "unparsable" in run.refused[0]
    assert (root / "docker-compose.yml").read_text() == COMPOSE
    assert not run.applied  # issue 7 N2: a refused fix is never reported as fixed


def test_still_parses() -> None:
    from infradoctor.fixes.write import still_parses

    assert still_parses("compose", "a: 1\n", "a: 1\nb: 2\n")
    assert not still_parses("compose", "a: 1\n", "a: [\n")
    assert still_parses("compose", "a: [\n", "a: [\nb: 1\n")  # was already broken
    assert not still_parses("nginx", "http {\n}\n", "http {\n")
    assert still_parses("nginx", "http {\n}\n", "http {\n    server_tokens off;\n}\n")
