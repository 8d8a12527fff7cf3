"""`infradoctor fix` and `lint --fix/--diff` end to end through main()."""

from __future__ import annotations

from pathlib import Path

import pytest

from infradoctor.cli.main import main
from tests.conftest import write_tree

COMPOSE = (
    "# stack\nservices:\n  web:\n    image: example/web:1.0  # pinned\n"
    "    logging:\n      driver: json-file\n"
)
NGINX_LOGS = (
    "services:\n  nginx:\n    image: nginx:1.27\n    restart: unless-stopped\n"
    "    volumes:\n      - ./logs:/var/log/nginx\n"
)


def test_fix_applies_and_second_run_is_noop(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = write_tree(tmp_path / "s", {"docker-compose.yml": COMPOSE})
    code = main(["fix", str(root), "--select", "CMP001,CMP002"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "fixed docker-compose.yml: CMP001" in out and "Fixed 2 findings in 1 file" in out
    text = (root / "docker-compose.yml").read_text()
    assert text.startswith("# stack\n") and "# pinned" in text
    assert "restart: unless-stopped" in text and 'max-size: "10m"' in text
    assert main(["fix", str(root), "--select", "CMP001,CMP002"]) == 0
    assert "Fixed 0 findings in 0 files" in capsys.readouterr().out
    assert (root / "docker-compose.yml").read_text() == text


def test_diff_writes_nothing_and_exit_code_reflects_remaining(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = write_tree(tmp_path / "s", {"docker-compose.yml": COMPOSE})
    code = main(["fix", str(root), "--diff", "--select", "CMP001,SEC003"])
    out = capsys.readouterr().out
    assert code == 1  # SEC003 is unsafe: it remains
    assert "+    restart: unless-stopped" in out and "--unsafe" in out
    assert (root / "docker-compose.yml").read_text() == COMPOSE
    code = main(["fix", str(root), "--diff", "--unsafe", "--select", "CMP001,SEC003"])
    out = capsys.readouterr().out
    assert code == 0 and "no-new-privileges:true" in out
    assert (root / "docker-compose.yml").read_text() == COMPOSE


def test_lint_fix_alias(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = write_tree(tmp_path / "s", {"docker-compose.yml": COMPOSE})
    code = main(["lint", str(root), "--fix", "--select", "CMP001"])
    capsys.readouterr()
    assert code == 0
    assert "restart: unless-stopped" in (root / "docker-compose.yml").read_text()


def test_refused_write_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from infradoctor.fixes import apply

    root = write_tree(tmp_path / "s", {"docker-compose.yml": COMPOSE})

    def refuse(*args: object, **kwargs: object) -> None:
        raise apply.WriteRefused("docker-compose.yml: changed on disk while fixing")

    monkeypatch.setattr(apply, "atomic_write", refuse)
    assert main(["fix", str(root), "--select", "CMP001"]) == 2
    out, err = capsys.readouterr()
    assert "not written: docker-compose.yml: changed on disk while fixing" in err
    assert "fixed " not in out and "Fixed 0 findings in 0 files" in out
    assert (root / "docker-compose.yml").read_text() == COMPOSE


def test_rotation_companion_written_only_on_request(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = write_tree(tmp_path / "s", {"docker-compose.yml": NGINX_LOGS})
    (root / "logs").mkdir()
    main(["fix", str(root), "--select", "CMP001"])
    capsys.readouterr()
    assert not (root / "nginx-logrotate.conf").exists()
    main(["fix", str(root), "--diff", "--write-logrotate", "--select", "CMP001"])
    out = capsys.readouterr().out
    assert "/logs/*.log {" in out and not (root / "nginx-logrotate.conf").exists()
    main(["fix", str(root), "--write-logrotate", "--select", "CMP001"])
    out = capsys.readouterr().out
    conf = (root / "nginx-logrotate.conf").read_text()
    assert out.index("nginx-logrotate.conf ---") < out.index("wrote")
    assert f"{(root / 'logs').resolve().as_posix()}/*.log {{" in conf
    assert "nginx -s reopen" in conf
    main(["fix", str(root), "--write-logrotate", "--select", "CMP001"])
    assert "no logrotate config needed" in capsys.readouterr().out  # XF013 is satisfied
    assert (root / "nginx-logrotate.conf").read_text() == conf


def test_companion_files_never_overwrite(tmp_path: Path) -> None:
    from infradoctor.fixes.write import create_file

    target = tmp_path / "nginx-logrotate.conf"
    target.write_text("mine\n")
    with pytest.raises(FileExistsError):
        create_file(target, "theirs\n")
    assert target.read_text() == "mine\n"


def test_unparsable_file_is_reported_and_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = write_tree(
        tmp_path / "s", {"docker-compose.yml": COMPOSE, "compose.override.yml": "services: [\n"}
    )
    code = main(["fix", str(root), "--select", "CMP001"])
    out = capsys.readouterr().out
    assert code == 1 and "error compose.override.yml" in out
