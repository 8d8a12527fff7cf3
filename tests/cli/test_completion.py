"""`infradoctor completion bash|zsh|fish`: scripts generated from the parser, exercised in
the real shells (bash always; zsh and fish are installed by scripts/ci-system-deps.sh)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from infradoctor.cli import completion
from infradoctor.cli.main import build_parser, main

CI = bool(os.environ.get("CI"))


def _script(shell: str) -> str:
    return completion.script(shell, build_parser())


def _shell(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        if CI:
            pytest.fail(f"{name} is installed by scripts/ci-system-deps.sh in CI")
        pytest.skip(f"{name} not installed (scripts/ci-system-deps.sh installs it)")
    return path


def _bash_complete(tmp_path: Path, words: str) -> list[str]:
    path = tmp_path / "infradoctor.bash"
    path.write_text(_script("bash"))
    program = (
        f"source {path}; COMP_WORDS=({words}); "
        '[ "${WORDS: -1}" = " " ] && COMP_WORDS+=(""); '
        "COMP_CWORD=$((${#COMP_WORDS[@]}-1)); _infradoctor; "
        'printf "%s\\n" "${COMPREPLY[@]}"'
    )
    done = subprocess.run(
        [_shell("bash"), "-c", program],
        env={**os.environ, "WORDS": words},
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
    )
    return [w for w in done.stdout.splitlines() if w]


@pytest.mark.parametrize(
    ("words", "want"),
    [
        ("infradoctor li", ["lint"]),
        ("infradoctor lint --for", ["--format"]),
        ("infradoctor lint --format s", ["sarif"]),
        ("infradoctor lint --severity ", ["info", "warning", "error"]),
        ("infradoctor explain NGX01", ["NGX010", "NGX011", "NGX012"]),
        ("infradoctor lint --extend-select harden", ["hardening"]),
        ("infradoctor completion ", ["bash", "zsh", "fish"]),
        ("infradoctor diagnose --fr", ["--from"]),
    ],
)
def test_bash_completes_commands_options_choices_and_rules(
    tmp_path: Path, words: str, want: list[str]
) -> None:
    assert _bash_complete(tmp_path, words) == want


def test_bash_completes_paths_for_positional_arguments(tmp_path: Path) -> None:
    (tmp_path / "docker-compose.yml").write_text("services: {}\n")
    assert _bash_complete(tmp_path, "infradoctor lint dock") == ["docker-compose.yml"]


def test_fish_script_loads_and_completes(tmp_path: Path) -> None:
    path = tmp_path / "infradoctor.fish"
    path.write_text(_script("fish"))
    fish = _shell("fish")
    subprocess.run([fish, "-n", str(path)], check=True)
    done = subprocess.run(
        [fish, "-c", f"source {path}; complete -C 'infradoctor lint --format '"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert sorted(line.split("\t")[0] for line in done.stdout.splitlines()) == [
        "github",
        "json",
        "sarif",
        "text",
    ]


def test_zsh_script_loads_through_bashcompinit(tmp_path: Path) -> None:
    path = tmp_path / "_infradoctor"
    path.write_text(_script("zsh"))
    zsh = _shell("zsh")
    program = (
        f"autoload -U compinit && compinit -u -d {tmp_path}/zcompdump; source {path}; "
        "f() { emulate -L sh; setopt kshglob noshglob braceexpand; "
        "COMP_WORDS=(infradoctor completion z); COMP_CWORD=2; _infradoctor; "
        'print -l "${COMPREPLY[@]}"; }; f'
    )
    done = subprocess.run([zsh, "-f", "-c", program], capture_output=True, text=True, check=True)
    assert "zsh" in done.stdout.split()


def test_cli_prints_the_script(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["completion", "bash"]) == 0
    assert "complete -o filenames -o bashdefault -F _infradoctor infradoctor" in (
        capsys.readouterr().out
    )
    assert main(["completion", "tcsh"]) == 2
