"""Fuzz round 8 (seed 2038, input #78887): `http{...}` nested in a location. nginx
rejects it (`"http" directive is not allowed here`), the parser did not, and the NGX003
fix on that nonsense was refused by the re-lint guard as a fixer bug. A block nginx
rejects where it stands is a parse error now (so no fix edits the file), checked against
Debian's nginx -t."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from infradoctor.cli.main import main
from infradoctor.model.source import FileKind, SourceFile
from infradoctor.syntax.nginx import parse_nginx

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"

CASES = {
    "http-in-location": "http{server{location /{proxy_pass http://d;http{}}}}\n",
    "events-in-http": "events{}\nhttp{events{}}\n",
    "server-in-location": "events{}\nhttp{server{location /{server{}}}}\n",
    "server-in-upstream": "events{}\nhttp{upstream a{server{}}}\n",
}
VALID = "events{}\nhttp{upstream a{server 127.0.0.1:1;}server{location /{location /x{}}}}\n"


def _errors(text: str) -> list[str]:
    src = SourceFile("nginx.conf", Path("nginx.conf"), FileKind.NGINX, text)
    return [e.message for e in parse_nginx(src).errors]


def _nginx_t(tmp_path: Path, text: str) -> subprocess.CompletedProcess[str]:
    conf = tmp_path / "nginx.conf"
    conf.write_text(text)
    return subprocess.run(
        [NGINX, "-t", "-q", "-p", str(tmp_path), "-c", str(conf), "-g", "pid nginx.pid;"],
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize("name", sorted(CASES))
def test_misplaced_blocks_are_parse_errors_as_for_nginx(tmp_path: Path, name: str) -> None:
    text = CASES[name]
    assert any("directive is not allowed here" in m for m in _errors(text))
    checked = _nginx_t(tmp_path, text)
    assert checked.returncode != 0 and "[emerg]" in checked.stderr  # nginx rejects it too


def test_blocks_in_their_places_are_no_error(tmp_path: Path) -> None:
    assert _errors(VALID) == []
    assert _nginx_t(tmp_path, VALID).returncode == 0


def test_no_fix_edits_a_config_nginx_rejects(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = "http{server{location /{proxy_pass d;http{server{location /{proxy_pass h;}}}}}\n}"
    (tmp_path / "nginx.conf").write_text(text)
    main(["fix", "--unsafe", str(tmp_path)])
    assert "please report" not in capsys.readouterr().err
    assert (tmp_path / "nginx.conf").read_text() == text
