"""Issue 7, parts 3 and 4: `fix` counts only what it wrote, names every refusal with its
reason on stderr (also with -q) and exits 2; `fix --extend-select` runs opt-in rules."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from infradoctor.cli.main import main
from infradoctor.fixes import apply, write
from tests.conftest import write_tree

COMPOSE = "# stack\nservices:\n  web:\n    image: example/web:1.0  # pinned\n"
NGINX = "events {}\nhttp {\n    server_tokens on;\n}\n"


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["fix", *args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("quiet", [False, True])
def test_write_refused_at_rename_is_not_counted(
    quiet: bool,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    root = write_tree(tmp_path / "s", {"docker-compose.yml": COMPOSE})

    def refuse(real: Path, *args: object, **kwargs: object) -> None:
        raise write.WriteRefused.of(real, "changed on disk while fixing")

    monkeypatch.setattr(apply, "atomic_write", refuse)
    code, out, err = _run(
        capsys, str(root), "--select", "CMP001,CMP002", *(["-q"] if quiet else [])
    )
    assert code == 2
    assert "fixed " not in out
    assert "Fixed 0 findings in 0 files" in out and "not written (see stderr)" in out
    assert "not written: docker-compose.yml: changed on disk while fixing" in err
    assert (root / "docker-compose.yml").read_text() == COMPOSE


def test_symlink_out_of_tree_is_never_read_nor_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A symlink out of the tree is skipped at reading (docs/reading.md), so no fix can
    target it; the rest is fixed and the skipped file is named."""
    outside = tmp_path / "outside.conf"
    outside.write_text(NGINX)
    root = write_tree(tmp_path / "s", {"docker-compose.yml": COMPOSE})
    (root / "nginx.conf").symlink_to(outside)
    code, out, err = _run(capsys, str(root), "--select", "CMP001,NGX001")
    assert code in (0, 1)
    # the compose fix was written and counted; the nginx file was never read
    assert "Fixed 1 finding in 1 file" in out
    assert "nginx.conf: symlink-outside-root" in out
    assert "NGX001" not in out
    assert outside.read_text() == NGINX
    assert "restart: unless-stopped" in (root / "docker-compose.yml").read_text()


def test_permission_denied_is_a_refusal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = write_tree(tmp_path / "s", {"docker-compose.yml": COMPOSE})
    real_access = os.access

    def access(path: object, mode: int, *args: object, **kwargs: object) -> bool:
        if str(path).endswith("docker-compose.yml") and mode & os.W_OK:
            return False  # as a read-only file for a non-root user (tests may run as root)
        return real_access(path, mode, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(write.os, "access", access)
    code, out, err = _run(capsys, str(root), "-q", "--select", "CMP001")
    assert code == 2 and "Fixed 0 findings in 0 files" in out
    assert "not written: docker-compose.yml: permission denied" in err
    assert (root / "docker-compose.yml").read_text() == COMPOSE


def test_os_error_while_writing_is_a_refusal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = write_tree(tmp_path / "s", {"docker-compose.yml": COMPOSE})

    def full(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(apply, "atomic_write", full)
    code, out, err = _run(capsys, str(root), "--select", "CMP001")
    assert code == 2 and "fixed " not in out and "Fixed 0 findings" in out
    assert "not written: docker-compose.yml: cannot write (No space left on device)" in err


def test_changed_on_disk_between_lint_and_write(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = write_tree(tmp_path / "s", {"docker-compose.yml": COMPOSE})
    real_lint = apply.lint
    calls = 0

    def lint_then_edit(*args: object, **kwargs: object) -> object:
        nonlocal calls
        result = real_lint(*args, **kwargs)  # type: ignore[arg-type]
        calls += 1
        if calls == 1:  # someone saves the file right after the first lint
            (root / "docker-compose.yml").write_text(COMPOSE + "# theirs\n")
        return result

    monkeypatch.setattr(apply, "lint", lint_then_edit)
    code, out, err = _run(capsys, str(root), "-q", "--select", "CMP001")
    assert code == 2 and "Fixed 0 findings in 0 files" in out
    assert "not written: docker-compose.yml: changed on disk since it was read" in err
    assert (root / "docker-compose.yml").read_text() == COMPOSE + "# theirs\n"


# ---------------------------------------------------------------- --extend-select


def test_fix_extend_select_applies_opt_in_fixes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = write_tree(tmp_path / "s", {"docker-compose.yml": COMPOSE})
    code, out, _ = _run(capsys, str(root), "--unsafe")
    assert "no-new-privileges" not in (root / "docker-compose.yml").read_text()
    code, out, _ = _run(capsys, str(root), "--unsafe", "--extend-select", "SEC003")
    assert "fixed docker-compose.yml: SEC003" in out
    text = (root / "docker-compose.yml").read_text()
    assert '    security_opt:\n      - "no-new-privileges:true"\n' in text
    assert "cap_drop" not in text  # SEC004 was not named
    code, out, _ = _run(capsys, str(root), "--unsafe", "--extend-select", "hardening")
    assert "fixed docker-compose.yml: SEC004" in out
    assert code == 1  # hardening rules without a fix (SEC005, CMP005, ...) remain


def test_fix_extend_select_unknown_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = write_tree(tmp_path / "s", {"docker-compose.yml": COMPOSE})
    code, _, err = _run(capsys, str(root), "--extend-select", "NOPE")
    assert code == 2 and "--extend-select: unknown" in err


def test_lint_fix_accepts_extend_select(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = write_tree(tmp_path / "s", {"docker-compose.yml": COMPOSE})
    main(["lint", str(root), "--fix", "--unsafe", "--extend-select", "SEC004"])
    capsys.readouterr()
    assert "cap_drop:\n      - ALL\n" in (root / "docker-compose.yml").read_text()


def test_fixing_one_file_checks_that_file_only(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The checks before writing lint what the run lints: a single file given as PATH."""
    root = write_tree(
        tmp_path / "s",
        {"docker-compose.yml": COMPOSE, "other/compose.yaml": "services:\n  x:\n    image: b:1\n"},
    )
    code, out, err = _run(capsys, str(root / "docker-compose.yml"), "--select", "CMP001")
    assert code == 0 and not err and "Fixed 1 finding in 1 file" in out
    assert "restart" not in (root / "other/compose.yaml").read_text()


@pytest.mark.parametrize(
    ("conf", "rule"),
    [
        (
            "events {}\nhttp {\n  server {\n    listen 80;\n    location /ws {\n"
            "      proxy_pass http://app:80\n    }\n  }\n}\n",
            "NGX002",
        ),
        ("events {}\nhttp {\n  server {\n    listen\n  }\n}\n", "NGX001"),
        (
            "events {}\nhttp {\n  server {\n    listen 80;\n    location / {\n"
            "      proxy_pass http://app:80\n    }\n  }\n}\n",
            "NGX003",
        ),
    ],
)
def test_no_nginx_fix_in_a_file_with_a_parse_error(tmp_path: Path, conf: str, rule: str) -> None:
    # Issue 7 N5: text inserted after a directive missing its `;` became its arguments;
    # when the rule still fired, every pass inserted it again.
    from infradoctor.config import LintConfig
    from infradoctor.engine import lint
    from infradoctor.fixes.apply import run_fixes

    write_tree(tmp_path, {"nginx.conf": conf})
    config = LintConfig(select=[rule], report_unused_suppressions=False)
    result = lint(tmp_path, config)
    assert any(e.kind == "parse-error" for e in result.errors)
    assert [f.rule for f in result.findings] == [rule]
    assert result.findings[0].fix is None
    run = run_fixes(tmp_path, config, unsafe=True)
    assert not run.applied
    assert (tmp_path / "nginx.conf").read_text() == conf


def test_edit_errors_are_no_fix_and_fixer_crashes_are_counted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Issue 7 N11: NginxEditError/YamlEditError mean "no fix" at the fixer boundary; any
    # other exception from a fixer is a bug, counted in the stats instead of swallowed.
    from infradoctor.config import LintConfig
    from infradoctor.engine import lint
    from infradoctor.fixes import fixers
    from infradoctor.fixes.context import FixUnavailable
    from infradoctor.fixes.nginx_edit import NginxEditError
    from infradoctor.fixes.yaml_edit import YamlEditError

    def edit_error(ctx: object, f: object) -> None:
        raise NginxEditError("server block without brace offsets")

    def yaml_error(ctx: object, f: object) -> None:
        raise YamlEditError("alias")

    for bad in (edit_error, yaml_error):
        with pytest.raises(FixUnavailable):
            fixers._bounded(bad)(None, None)  # type: ignore[arg-type]

    write_tree(tmp_path, {"nginx.conf": "events {}\nhttp {\n  server{listen\n"})
    config = LintConfig(select=["NGX001"], report_unused_suppressions=False)
    result = lint(tmp_path, config)
    assert result.stack.fixer_crashes == []
    assert "fixer_crashes" not in result.stats()

    def crash(ctx: object, f: object) -> None:
        raise KeyError("boom")

    monkeypatch.setitem(fixers.FIXERS, "CMP001", crash)
    write_tree(tmp_path, {"compose.yaml": "services:\n  a:\n    image: x\n"})
    result = lint(tmp_path, LintConfig(select=["CMP001"], report_unused_suppressions=False))
    assert [f.fix for f in result.findings] == [None]
    assert len(result.stack.fixer_crashes) == 1
    assert "CMP001" in result.stack.fixer_crashes[0]
    assert "KeyError" in result.stack.fixer_crashes[0]
    assert result.stats()["fixer_crashes"] == 1
