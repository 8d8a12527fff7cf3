"""Dockerfile loader (loaders/dockerfile.py): continuations, `# escape=`, heredocs,
stages, ARG before FROM, flags, exec form, ENV forms, errors with line numbers."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.conftest import CORPUS, require_corpus

from infradoctor.loaders.dockerfile import load_dockerfile, parse_env
from infradoctor.loaders.files import SourceReader
from infradoctor.model.source import FileKind, SourceFile
from infradoctor.model.stack import Dockerfile

FIXTURES = Path(__file__).parent / "fixtures" / "dockerfile"


def from_text(text: str, path: str = "Dockerfile") -> tuple[Dockerfile | None, list]:
    return load_dockerfile(SourceFile(path, Path("/nonexistent") / path, FileKind.DOCKERFILE, text))


def from_fixture(name: str) -> tuple[Dockerfile | None, list, SourceFile]:
    reader = SourceReader(FIXTURES)
    src = reader.read(FIXTURES / name, FileKind.DOCKERFILE)
    assert isinstance(src, SourceFile)
    df, errors = load_dockerfile(src)
    return df, errors, src


def test_multistage_fixture() -> None:
    df, errors, src = from_fixture("Dockerfile.multistage")
    assert errors == []
    assert df is not None
    assert df.args == {"PYTHON_VERSION": "3.12", "BASE": None}
    assert [(s.base_image, s.name, s.location.line) for s in df.stages] == [
        ("python:${PYTHON_VERSION}-slim", "build", 5),
        ("python:${PYTHON_VERSION}-slim", "runtime", 18),
    ]
    build = df.stages[0]
    assert [i.keyword for i in build.instructions] == ["WORKDIR", "COPY", "RUN", "RUN"]
    pip = build.instructions[2]
    assert (pip.location.line, pip.location.end_line) == (8, 11)
    assert pip.value.split() == [
        "pip",
        "install",
        "--no-cache-dir",
        "--prefix=/install",
        "-r",
        "requirements.txt",
    ]
    assert pip.flags == {}  # flags of the command, not of RUN
    heredoc = build.instructions[3]
    assert (heredoc.location.line, heredoc.location.end_line) == (13, 16)
    assert heredoc.value.startswith("<<EOF") and 'echo "building"' in heredoc.value
    # offsets cover the instruction's source
    assert src.text[pip.location.offset : pip.location.end_offset].startswith("RUN pip")
    assert src.text[pip.location.offset : pip.location.end_offset].endswith("requirements.txt")


def test_final_stage_properties() -> None:
    df, _, _ = from_fixture("Dockerfile.multistage")
    assert df is not None and df.final is df.stages[1]
    copy = df.final.instructions[0]
    assert copy.keyword == "COPY" and copy.flags == {"from": "build", "chown": "app:app"}
    assert copy.value == "/install /usr/local"
    assert df.user is not None and df.user.value == "app"
    assert [e.value for e in df.expose] == ["8000/tcp 9100"]
    hc = df.healthcheck
    assert hc is not None
    assert hc.flags == {"interval": "30s", "timeout": "3s", "start-period": "10s"}
    assert hc.exec_form == ["curl", "-fsS", "http://localhost:8000/health"]
    assert hc.value.startswith("CMD ")
    assert (hc.location.line, hc.location.end_line) == (24, 25)
    assert df.entrypoint is not None and df.entrypoint.exec_form == ["gunicorn"]
    assert df.cmd is not None and df.cmd.exec_form == ["app:app", "--bind", "0.0.0.0:8000"]
    envs = df.final.all("ENV")
    assert parse_env(envs[0].value) == [("PORT", "8000"), ("APP_ENV", "production mode")]
    assert parse_env(envs[1].value) == [("LEGACY_STYLE", "some value here")]


def test_escape_directive_backtick() -> None:
    df, errors, _ = from_fixture("Dockerfile.windows")
    assert errors == []
    assert df is not None
    stage = df.final
    assert stage is not None
    run, copy, cmd, hc = stage.instructions
    assert run.value.split() == ["powershell", "-Command", "Write-Host", "hello"]
    assert (run.location.line, run.location.end_line) == (4, 5)
    assert copy.value == "app C:\\app\\"
    assert cmd.exec_form is None and cmd.value == "C:\\app\\run.exe --port 5000"
    assert hc.value == "NONE" and df.healthcheck is hc


def test_broken_dockerfile_reports_lines_and_keeps_going() -> None:
    df, errors, _ = from_fixture("Dockerfile.broken")
    got = sorted((e.line, e.kind) for e in errors)
    assert got == [(1, "parse-error"), (3, "parse-error"), (4, "parse-error"), (6, "parse-error")]
    messages = " | ".join(e.message for e in errors)
    assert "before the first FROM" in messages and "FLY" in messages
    assert "HEALTHCHECK" in messages and "<<EOT" in messages
    assert all(e.file == "Dockerfile.broken" for e in errors)
    assert df is not None and df.user is not None and df.user.value == "nobody"


@pytest.mark.parametrize(
    ("text", "expect"),
    [
        ('CMD ["python", "app.py"]', ["python", "app.py"]),
        ("CMD python app.py", None),
        ("CMD [python, app.py]", None),  # not JSON: shell form, like Docker
        ('ENTRYPOINT ["/entry.sh", 1]', None),
    ],
)
def test_exec_form(text: str, expect: list[str] | None) -> None:
    df, errors = from_text(f"FROM alpine:3\n{text}\n")
    assert errors == []
    assert df is not None and df.final is not None
    assert df.final.instructions[0].exec_form == expect


@pytest.mark.parametrize(
    "keyword", ["CMD", "ENTRYPOINT", "RUN", "SHELL", "VOLUME", "HEALTHCHECK CMD"]
)
@pytest.mark.parametrize(
    "arg",
    [
        "[" * 990,
        "[" * 100_000,
        "[" * 990 + "]" * 990,
        '["a", ' + "[" * 5000 + '"b"' + "]" * 5000 + "]",
    ],
    ids=["open-990", "open-100k", "balanced-990", "nested-inside"],
)
def test_deeply_nested_exec_form_is_shell_form(keyword: str, arg: str) -> None:
    """json.loads recurses per `[` (RecursionError); a nested array is not a JSON array
    of strings, so Docker reads it as shell form, and so do we."""
    df, errors = from_text(f"FROM alpine:3\n{keyword} {arg}\n")
    assert errors == []
    assert df is not None and df.final is not None
    ins = df.final.instructions[0]
    assert ins.exec_form is None and ins.value.endswith(arg)


def test_exec_form_json_details() -> None:
    df, _ = from_text(
        'FROM alpine:3\nCMD [ "a\\u0041" ,\t"\\\\", "x\\"y" ]\nENTRYPOINT ["a",]\n'
        'RUN ["a"] ["b"]\nSHELL []\n'
    )
    assert df is not None and df.final is not None
    forms = [i.exec_form for i in df.final.instructions]
    assert forms == [["aA", "\\", 'x"y'], None, None, []]


def test_from_variants_and_lowercase_keywords() -> None:
    df, errors = from_text("from --platform=linux/amd64 node:20 as deps\nFROM deps\nuser 1000\n")
    assert errors == []
    assert df is not None
    assert [(s.base_image, s.name) for s in df.stages] == [("node:20", "deps"), ("deps", None)]
    assert df.user is not None and df.user.keyword == "USER" and df.user.value == "1000"


def test_empty_and_comment_only() -> None:
    assert from_text("") == (None, [])
    assert from_text("# just a comment\n\n") == (None, [])
    df, errors = from_text("RUN echo hi\n")
    assert df is None and [e.message for e in errors][-1] == "no FROM instruction"


def test_continuation_at_eof_and_crlf_like_text() -> None:
    df, errors = from_text("FROM alpine\nRUN echo a \\\n")
    assert errors == []
    assert df is not None and df.final is not None
    assert df.final.instructions[0].value.strip() == "echo a"


def test_corpus_dockerfiles_load() -> None:
    index = require_corpus(CORPUS / "FILES.tsv")
    count = 0
    with open(index, newline="") as fh:
        rows = [r for r in csv.DictReader(fh, delimiter="\t") if r["kind"] == "dockerfile"]
    for row in rows:
        root = CORPUS / row["dir"]
        src = SourceReader(root).read(root / row["path"], FileKind.DOCKERFILE)
        if not isinstance(src, SourceFile):
            continue
        df, errors = load_dockerfile(src)
        count += 1
        assert errors == [], (row["dir"], row["path"], errors)
        assert df is not None and df.stages, row["path"]
    assert count >= 150


DOCKERISH = st.lists(
    st.sampled_from(
        [
            "FROM ",
            "RUN ",
            "CMD ",
            "HEALTHCHECK ",
            "ARG ",
            "ENV ",
            "USER ",
            "AS ",
            "alpine",
            "<<EOF",
            "EOF",
            "\\",
            "`",
            "\n",
            " ",
            "[",
            "]",
            '"',
            "--x=1",
            "# escape=`",
            "#",
            "=",
            "NONE",
            "x",
        ]
    ),
    max_size=80,
).map("".join)


@settings(max_examples=300, deadline=None)
@given(DOCKERISH)
def test_loader_never_raises(text: str) -> None:
    df, errors = from_text(text)
    for e in errors:
        assert e.file == "Dockerfile" and e.line is not None and e.line >= 1
    if df is not None:
        for stage in df.stages:
            for ins in stage.instructions:
                assert ins.location.offset is not None and ins.location.end_offset is not None
                assert 0 <= ins.location.offset <= ins.location.end_offset <= len(text)
